// The clipboard chords end to end in this process: headless keyboards on
// two seats, each showing a fake QEMU with its Clipboard. host_keys+C on
// the left seat takes the guest's text into that seat's buffer and the
// session draws its banner at the top of the left seat's screen only (grim
// sees the banner's card there, the guest's frame on the other seat); the
// key never reaches the guest. host_keys+V on the right seat finds nothing
// to paste (buffers are per seat) and the right VM is never offered
// anything.
#include <linux/input-event-codes.h>

#include <gtest/gtest.h>

#include "compositor/status_card.hpp"
#include "session/seated_vms.hpp"
#include "tests/support/fake_qemu.hpp"
#include "tests/support/headless_input.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/seated_vms.hpp"

namespace phyllome::test {
namespace {

constexpr uint32_t kFrame = 0x102030;

class ClipboardBanner : public ::testing::Test {
protected:
    void SetUp() override
    {
        for (const char *name : {"a", "b"}) {
            config::Vm vm;
            vm.name = name;
            vm.follow_output = false;
            config_.vms.push_back(vm);
        }
        auto seat = [&](const char *name, const char *vm, const char *output, const char *rule) {
            config::Seat s;
            s.name = name;
            s.vm = vm;
            s.outputs = {output};
            std::string error;
            s.devices = {*config::parse_device_rule(rule, error)};
            config_.seats.push_back(s);
        };
        seat("left", "a", "HEADLESS-1", "name:Left*");
        seat("right", "b", "HEADLESS-2", "name:Right*");
        fake_a_ = std::make_unique<FakeQemu>("10.1", "--clipboard");
        fake_b_ = std::make_unique<FakeQemu>("10.1", "--clipboard");
        Server::Settings settings;
        settings.headless = {{320, 240}, {320, 240}};
        connect_server(settings, side_);
        session_ = std::make_unique<InProcessSession>(std::move(settings), [this](Server &server) {
            side_ = std::make_unique<SeatedVms>(
                server, [this]() -> const config::Config & { return config_; });
            left_ = add_named_device(server, InputDeviceKind::Keyboard, "Left keyboard");
            right_ = add_named_device(server, InputDeviceKind::Keyboard, "Right keyboard");
        });
        side_->fleet.attach("a", base::UniqueFd(fake_a_->take_client_fd()));
        side_->fleet.attach("b", base::UniqueFd(fake_b_->take_client_fd()));
        ASSERT_TRUE(session_->dispatch_until([&] { return session_->ready(); }));
        for (FakeQemu *fake : {fake_a_.get(), fake_b_.get()}) {
            ASSERT_EQ(fake->command(*session_, "wait-listener").rfind("ok", 0), 0u);
            ASSERT_EQ(fake->command(*session_, "scanout 320 240 x8r8g8b8 102030").rfind("ok", 0),
                      0u);
            ASSERT_EQ(fake->command(*session_, "wait-clipboard"), "ok");
            ASSERT_EQ(fake->command(*session_, "clipboard-calls"), "ok register");
        }
    }
    void TearDown() override
    {
        side_.reset();
        session_.reset();
        fake_a_.reset();
        fake_b_.reset();
    }

    void chord(wlr_input_device *keyboard, uint32_t code)
    {
        for (uint32_t modifier : {KEY_LEFTCTRL, KEY_LEFTALT, KEY_LEFTMETA})
            key(keyboard, modifier, true);
        tap(keyboard, code);
        for (uint32_t modifier : {KEY_LEFTMETA, KEY_LEFTALT, KEY_LEFTCTRL})
            key(keyboard, modifier, false);
    }

    config::Config config_;
    std::unique_ptr<FakeQemu> fake_a_, fake_b_;
    std::unique_ptr<InProcessSession> session_;
    std::unique_ptr<SeatedVms> side_;
    wlr_input_device *left_ = nullptr, *right_ = nullptr;
};

TEST_F(ClipboardBanner, TakeShowsABannerOnItsSeatOnlyAndGiveStaysOnItsSeat)
{
    const CardGeometry banner = banner_geometry(320, 240);
    const int x = banner.x + banner.width / 2, y = banner.y + 1;
    ASSERT_TRUE(session_->shows("HEADLESS-1", x, y, kFrame));

    ASSERT_EQ(fake_a_->command(*session_, "guest-copy text in a"), "ok");
    chord(left_, KEY_C);
    ASSERT_TRUE(session_->dispatch_until(
        [&] { return side_->seats.clipboard().buffer_for("left", false).has_value(); }));
    EXPECT_EQ(side_->seats.clipboard().buffer_for("left", false)->bytes, 9u);
    EXPECT_TRUE(session_->shows("HEADLESS-1", x, y, kCardColor)) << "the banner on the left";
    // One capture, while the left banner stands: the right seat's screen
    // still shows its guest there.
    const auto right = session_->capture("HEADLESS-2");
    ASSERT_TRUE(right);
    EXPECT_EQ(right->at(x, y), kFrame) << "nothing on the right";
    EXPECT_EQ(fake_a_->command(*session_, "clipboard-calls"),
              "ok request:0,text/plain;charset=utf-8");
    // The chord's key never reached the guest.
    EXPECT_EQ(fake_a_->command(*session_, "events").find("key-press:46"), std::string::npos);

    // The right seat has nothing to paste: its own banner says so, and b is
    // offered nothing.
    chord(right_, KEY_V);
    EXPECT_TRUE(session_->shows("HEADLESS-2", x, y, kCardColor)) << "the banner on the right";
    EXPECT_EQ(fake_b_->command(*session_, "clipboard-calls"), "ok");
    EXPECT_EQ(fake_b_->command(*session_, "guest-paste").rfind("error", 0), 0u);
}

} // namespace
} // namespace phyllome::test
