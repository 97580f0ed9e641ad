// Development mode: the session nested in a parent Wayland compositor (a
// headless weston), with each of its outputs a window of the parent.
#include <csignal>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "compositor/status_card.hpp"
#include "compositor/wlr_compat.hpp"
#include "tests/support/notify.hpp"
#include "tests/support/session.hpp"

namespace phyllome::test {
namespace {

// A headless weston that tells us it is ready through the systemd
// notification protocol (its systemd-notify module), on a socket of ours.
class ParentCompositor {
public:
    ParentCompositor() : dir_(make_dir()), notify_(dir_ + "/notify")
    {
        pid_ =
            spawn({required_env("WESTON"), "--backend=headless-backend.so", "--socket=parent",
                   "--modules=systemd-notify.so", "--idle-time=0", "--width=800", "--height=600"},
                  {{"XDG_RUNTIME_DIR", dir_},
                   {"NOTIFY_SOCKET", notify_.path()},
                   {"WAYLAND_DISPLAY", std::nullopt},
                   {"DISPLAY", std::nullopt}},
                  dir_ + "/weston.log");
    }
    ~ParentCompositor()
    {
        kill_now();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    bool wait_ready()
    {
        return notify_
            .wait_for([](const std::string &message) {
                return message.find("READY=1") != std::string::npos;
            })
            .has_value();
    }

    void kill_now()
    {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            wait_for_exit(pid_, std::chrono::seconds(10));
            pid_ = -1;
        }
    }

    std::string socket_path() const { return dir_ + "/parent"; }

private:
    static std::string make_dir()
    {
        std::string dir =
            (std::filesystem::temp_directory_path() / "phyllome-parent-XXXXXX").string();
        if (!mkdtemp(dir.data()))
            throw std::runtime_error("mkdtemp failed");
        return dir;
    }

    std::string dir_;
    NotifySocket notify_;
    pid_t pid_ = -1;
};

TEST(Nested, EachOutputIsAWindowShowingItsCard)
{
    ParentCompositor parent;
    ASSERT_TRUE(parent.wait_ready());

    SessionProcess session({},
                           {{"WAYLAND_DISPLAY", parent.socket_path()}, {"WLR_WL_OUTPUTS", "2"}});
    ASSERT_TRUE(session.wait_ready()) << session.log();
    // Both windows exist, at the nested backend's size.
    auto listing = session.run_client({required_env("WLR_RANDR")});
    for (const char *name : {"WL-1", "WL-2"})
        EXPECT_NE(listing.output.find(name), std::string::npos) << listing.output;
    // The parent stacks the second window over the first. From wlroots 0.18
    // on, a window the parent hides gets no frame events, so no screen
    // capture either: only the top one is captured there.
    std::vector<const char *> captured{"WL-2"};
    if (!compat::kFrameEventsOnlyAfterCommits)
        captured.insert(captured.begin(), "WL-1");
    for (const char *name : captured) {
        auto image = session.capture(name);
        ASSERT_TRUE(image) << name;
        const CardGeometry card = status_card_geometry(image->width, image->height);
        EXPECT_EQ(image->at(2, 2), kBackgroundColor) << name;
        EXPECT_EQ(image->at(card.x + card.width / 2, card.y + 2), kCardColor) << name;
    }
}

TEST(Nested, EndsCleanlyWhenTheParentGoesAway)
{
    ParentCompositor parent;
    ASSERT_TRUE(parent.wait_ready());
    // Under AddressSanitizer: wlroots 0.15's Wayland backend leaks an object
    // of its own when the parent goes away; that is not what this checks.
    SessionProcess session(
        {}, {{"WAYLAND_DISPLAY", parent.socket_path()}, {"ASAN_OPTIONS", "detect_leaks=0"}});
    ASSERT_TRUE(session.wait_ready()) << session.log();

    parent.kill_now();
    auto status = session.wait_exit(std::chrono::seconds(20));
    ASSERT_TRUE(status) << "the session outlived its parent compositor";
    EXPECT_TRUE(WIFEXITED(*status)) << session.log();
}

} // namespace
} // namespace phyllome::test
