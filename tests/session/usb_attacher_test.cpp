// LibvirtUsbAttacher over a real VmFleet following no VM through libvirt
// (a --vm-fd VM, or one the session file dropped): what it names devices
// by, and the answers it gives without asking libvirt. Against libvirt
// itself: tests/libvirt/usb_embedded_test.cpp (VmLink's own calls).
#include <wayland-server-core.h>

#include <optional>

#include <gtest/gtest.h>

#include "session/usb_attacher.hpp"

namespace phyllome {
namespace {

class LibvirtUsbAttacherTest : public ::testing::Test {
protected:
    ~LibvirtUsbAttacherTest() override
    {
        fleet_.reset();
        wl_event_loop_destroy(loop_);
    }

    wl_event_loop *loop_ = wl_event_loop_create();
    std::unique_ptr<VmFleet> fleet_ = std::make_unique<VmFleet>(loop_, VmFleet::Handlers{});
    LibvirtUsbAttacher attacher_{*fleet_};
};

TEST_F(LibvirtUsbAttacherTest, NamesDevicesByTheirHostdevAlias)
{
    usb::UsbDevice device;
    device.sysname = "1-2.3";
    EXPECT_EQ(attacher_.id_of(device), "ua-phyllome-1-2-3");
    device.sysname = "bad/name"; // no alias: matches nothing held
    EXPECT_EQ(attacher_.id_of(device), "");
}

TEST_F(LibvirtUsbAttacherTest, AVmNotFollowedThroughLibvirtHoldsNothingAndTakesNothing)
{
    std::optional<std::vector<std::string>> held;
    std::optional<std::string> held_error;
    attacher_.held("work", [&](std::vector<std::string> ids, std::string error) {
        held = std::move(ids);
        held_error = std::move(error);
    });
    ASSERT_TRUE(held); // at once
    EXPECT_TRUE(held->empty());
    EXPECT_EQ(held_error, "");

    std::optional<std::string> detached;
    attacher_.detach_held("work", "ua-phyllome-1-2",
                          [&](std::string error) { detached = std::move(error); });
    EXPECT_EQ(detached, "VM 'work' is not followed through libvirt");
}

} // namespace
} // namespace phyllome
