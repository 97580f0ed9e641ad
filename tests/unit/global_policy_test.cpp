#include <gtest/gtest.h>

#include "compositor/global_policy.hpp"

namespace phyllome {
namespace {

TEST(GlobalPolicy, ScreenReadersAndOutputControlAreForTheSessionUserOnly)
{
    for (const char *name :
         {"zwlr_screencopy_manager_v1", "zwlr_output_manager_v1", "zwlr_export_dmabuf_manager_v1",
          "zwp_virtual_keyboard_manager_v1", "zwlr_virtual_pointer_manager_v1"}) {
        EXPECT_TRUE(global_is_privileged(name)) << name;
        EXPECT_TRUE(client_may_bind(name, 1000, 1000)) << name;
        EXPECT_FALSE(client_may_bind(name, 1001, 1000)) << name;
        EXPECT_FALSE(client_may_bind(name, 0, 1000)) << name;
    }
}

TEST(GlobalPolicy, HarmlessGlobalsAreForEveryone)
{
    for (const char *name : {"wl_compositor", "wl_shm", "wl_output", "zxdg_output_manager_v1",
                             "zwp_linux_dmabuf_v1"}) {
        EXPECT_FALSE(global_is_privileged(name)) << name;
        EXPECT_TRUE(client_may_bind(name, 1001, 1000)) << name;
    }
}

TEST(GlobalPolicy, NamesMatchExactly)
{
    EXPECT_FALSE(global_is_privileged("zwlr_screencopy_manager_v"));
    EXPECT_FALSE(global_is_privileged("zwlr_screencopy_manager_v10"));
    EXPECT_FALSE(global_is_privileged(""));
}

} // namespace
} // namespace phyllome
