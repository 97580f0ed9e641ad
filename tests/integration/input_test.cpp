// Input end to end in this process: headless keyboards and pointers whose
// names match the session file's device rules, two seats showing two VMs
// (fake QEMU peers that record what they receive). Each device's input
// reaches its own seat's VM and no other; host chords never reach a guest.
#include <algorithm>
#include <cstring>
#include <linux/input-event-codes.h>
#include <sstream>

#include <gtest/gtest.h>

#include "compositor/input_devices.hpp"
#include "compositor/output.hpp"
#include "compositor/status_card.hpp"
#include "compositor/wlr_compat.hpp"
#include "tests/support/fake_qemu.hpp"
#include "tests/support/headless_input.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/seated_vms.hpp"

namespace phyllome::test {
namespace {

class Input : public ::testing::Test {
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

        fake_a_ = std::make_unique<FakeQemu>("9.2");
        fake_b_ = std::make_unique<FakeQemu>("9.2");
        Server::Settings settings;
        settings.headless = {{320, 240}, {320, 240}};
        connect_server(settings, side_);
        session_ = std::make_unique<InProcessSession>(std::move(settings), [this](Server &server) {
            side_ = std::make_unique<SeatedVms>(
                server, [this]() -> const config::Config & { return config_; });
            // The devices come once the session's input devices listen.
            left_keyboard_ = add_named_device(server, InputDeviceKind::Keyboard, "Left keyboard");
            right_keyboard_ = add_named_device(server, InputDeviceKind::Keyboard, "Right keyboard");
            left_keypad_ = add_named_device(server, InputDeviceKind::Keyboard, "Left keypad");
            left_mouse_ = add_named_device(server, InputDeviceKind::Pointer, "Left mouse");
            left_touch_ = add_named_device(server, InputDeviceKind::Touch, "Left touchscreen");
            left_pen_ = add_named_device(server, InputDeviceKind::Tablet, "Left tablet");
            stray_ = add_named_device(server, InputDeviceKind::Keyboard, "Someone else's keyboard");
        });
        side_->fleet.attach("a", base::UniqueFd(fake_a_->take_client_fd()));
        side_->fleet.attach("b", base::UniqueFd(fake_b_->take_client_fd()));
        ASSERT_TRUE(session_->dispatch_until([&] { return session_->ready(); }));
        for (FakeQemu *fake : {fake_a_.get(), fake_b_.get()}) {
            ASSERT_EQ(fake->command(*session_, "wait-listener").rfind("ok", 0), 0u);
            ASSERT_EQ(fake->command(*session_, "scanout 64 48 x8r8g8b8 102030").rfind("ok", 0), 0u);
        }
        const auto devices = side_->input.describe();
        for (const char *line :
             {"Left keyboard -> left", "Left keypad -> left", "Right keyboard -> right",
              "Left mouse -> left", "Left touchscreen -> left", "Left tablet -> left",
              "Someone else's keyboard -> (no seat)"})
            EXPECT_NE(std::find(devices.begin(), devices.end(), line), devices.end()) << line;
    }

    void TearDown() override
    {
        side_.reset();
        session_.reset();
        fake_a_.reset();
        fake_b_.reset();
    }

    void touch(wlr_input_device *device, const char *what, int32_t id, double x = 0, double y = 0)
    {
        if (std::strcmp(what, "down") == 0)
            compat::emit_touch_down(device, {id, x, y});
        else if (std::strcmp(what, "motion") == 0)
            compat::emit_touch_motion(device, {id, x, y});
        else
            compat::emit_touch_up(device, id);
    }

    void pen_proximity(double x, double y)
    {
        compat::emit_tablet_proximity(left_pen_, {.active = true, .x = x, .y = y});
    }
    void pen_tip(bool down, double x, double y)
    {
        compat::emit_tablet_tip(left_pen_, {.active = down, .x = x, .y = y});
    }
    void pen_x(double x) // moves along x only: y is not in the event
    {
        compat::emit_tablet_axis(left_pen_, {.has_x = true, .has_y = false, .x = x, .y = 0.9});
    }
    void pen_button(uint32_t button, bool pressed)
    {
        compat::emit_tablet_button(left_pen_, {button, pressed});
    }

    // Switches VM a's guest pointer and waits until the session knows.
    void mouse_mode_a(bool absolute)
    {
        ASSERT_EQ(fake_a_->command(*session_, absolute ? "mouse-mode abs" : "mouse-mode rel"),
                  "ok");
        ASSERT_TRUE(session_->dispatch_until([&] {
            const vmview::DisplayClient *client = side_->fleet.client("a");
            return client && !client->consoles().empty() &&
                   client->mouse_absolute(client->consoles().front()->info().id) == absolute;
        }));
        // Turning absolute puts the guest's cursor where the seat's is: that
        // position is not what the test sends next.
        if (absolute)
            received(*fake_a_, "abs:");
    }

    // Everything the fake received since the last call, collected until it
    // holds `wanted` (or the attempts run out).
    std::string received(FakeQemu &fake, const std::string &wanted = "")
    {
        std::string seen;
        for (int i = 0; i < 50; ++i) {
            std::istringstream tokens(fake.command(*session_, "events"));
            std::string token;
            tokens >> token; // "ok"
            while (tokens >> token)
                seen += token + " ";
            if (wanted.empty() ? i >= 2 : seen.find(wanted) != std::string::npos)
                break;
        }
        return seen;
    }

    config::Config config_;
    std::unique_ptr<FakeQemu> fake_a_, fake_b_;
    std::unique_ptr<InProcessSession> session_;
    std::unique_ptr<SeatedVms> side_;
    wlr_input_device *left_keyboard_ = nullptr, *right_keyboard_ = nullptr;
    wlr_input_device *left_keypad_ = nullptr; // a second keyboard on seat left
    wlr_input_device *left_mouse_ = nullptr, *stray_ = nullptr;
    wlr_input_device *left_touch_ = nullptr, *left_pen_ = nullptr;
};

TEST_F(Input, EachKeyboardTypesIntoItsOwnSeatsVm)
{
    tap(left_keyboard_, KEY_A);
    tap(right_keyboard_, KEY_B);
    tap(stray_, KEY_C); // matches no seat: dropped
    const std::string a = received(*fake_a_, "key-release:30");
    const std::string b = received(*fake_b_, "key-release:48");
    EXPECT_NE(a.find("key-press:30 key-release:30"), std::string::npos) << a;
    EXPECT_NE(b.find("key-press:48 key-release:48"), std::string::npos) << b;
    EXPECT_EQ(a.find(":48"), std::string::npos) << a;
    EXPECT_EQ(b.find(":30"), std::string::npos) << b;
    EXPECT_EQ((a + b).find(":46"), std::string::npos) << "the stray keyboard reached a VM";
}

TEST_F(Input, MouseClicksGoToItsSeatsVm)
{
    click(left_mouse_, BTN_LEFT);
    click(left_mouse_, BTN_RIGHT);
    const std::string a = received(*fake_a_, "button-release:2");
    EXPECT_NE(a.find("button-press:0 button-release:0 button-press:2 button-release:2"),
              std::string::npos)
        << a;
    EXPECT_EQ(received(*fake_b_).find("button"), std::string::npos);
}

TEST_F(Input, HostChordNeverReachesTheGuest)
{
    // Ctrl+Alt+Super+I: identify. Not one of its keys may reach VM a.
    for (uint32_t code : {KEY_LEFTCTRL, KEY_LEFTALT, KEY_LEFTMETA})
        key(left_keyboard_, code, true);
    tap(left_keyboard_, KEY_I);
    for (uint32_t code : {KEY_LEFTMETA, KEY_LEFTALT, KEY_LEFTCTRL})
        key(left_keyboard_, code, false);
    // Then an ordinary key, which must arrive alone.
    tap(left_keyboard_, KEY_X);
    const std::string a = received(*fake_a_, "key-release:45");
    EXPECT_EQ(a, "key-press:45 key-release:45 ") << a;
}

TEST_F(Input, IdentifyShowsTheSeatOnItsOwnScreensOnly)
{
    for (uint32_t code : {KEY_LEFTCTRL, KEY_LEFTALT, KEY_LEFTMETA})
        key(left_keyboard_, code, true);
    tap(left_keyboard_, KEY_I);
    for (uint32_t code : {KEY_LEFTMETA, KEY_LEFTALT, KEY_LEFTCTRL})
        key(left_keyboard_, code, false);
    // The overlay card is above seat left's VM frame; seat right's screen
    // keeps showing its VM's frame (filling the output: fit scaling).
    const CardGeometry card = status_card_geometry(320, 240);
    const int x = card.x + card.width / 2, y = card.y + 2;
    auto left = session_->capture_until("HEADLESS-1",
                                        [&](const Image &i) { return i.at(x, y) == kCardColor; });
    ASSERT_TRUE(left);
    EXPECT_EQ(left->at(x, y), kCardColor);
    auto right = session_->capture("HEADLESS-2");
    ASSERT_TRUE(right);
    EXPECT_EQ(right->at(x, y), 0x102030u);
}

// Whether the identify card shows on a 320x240 output.
bool shows_identify_card(const Image &image)
{
    const CardGeometry card = status_card_geometry(320, 240);
    return image.at(card.x + card.width / 2, card.y + 2) == kCardColor;
}

TEST_F(Input, ChordSplitAcrossTwoKeyboardsOfASeat)
{
    // Ctrl+Alt on the keyboard, Super+I on the keypad: identify, and not
    // one key of it reaches VM a.
    key(left_keyboard_, KEY_LEFTCTRL, true);
    key(left_keyboard_, KEY_LEFTALT, true);
    key(left_keypad_, KEY_LEFTMETA, true);
    tap(left_keypad_, KEY_I);
    auto left = session_->capture_until("HEADLESS-1", shows_identify_card);
    ASSERT_TRUE(left);
    EXPECT_TRUE(shows_identify_card(*left));
    key(left_keyboard_, KEY_LEFTALT, false);
    key(left_keypad_, KEY_LEFTMETA, false);
    key(left_keyboard_, KEY_LEFTCTRL, false);
    tap(left_keypad_, KEY_X);
    const std::string a = received(*fake_a_, "key-release:45");
    EXPECT_EQ(a, "key-press:45 key-release:45 ") << a;
}

TEST_F(Input, AnotherSeatsModifiersNeverCombine)
{
    // host_keys held on seat right's keyboard, I on seat left's: no command;
    // I is typed into VM a, and VM b gets its modifiers as typed.
    for (uint32_t code : {KEY_LEFTCTRL, KEY_LEFTALT, KEY_LEFTMETA})
        key(right_keyboard_, code, true);
    tap(left_keyboard_, KEY_I);
    const std::string a = received(*fake_a_, "key-release:23");
    EXPECT_EQ(a, "key-press:23 key-release:23 ") << a;
    auto left = session_->capture("HEADLESS-1");
    ASSERT_TRUE(left);
    EXPECT_FALSE(shows_identify_card(*left));
    for (uint32_t code : {KEY_LEFTMETA, KEY_LEFTALT, KEY_LEFTCTRL})
        key(right_keyboard_, code, false);
    // Held back while they could still be a chord, then delivered as typed
    // (qnum: Ctrl 29, Alt 56, Super 219).
    const std::string b = received(*fake_b_, "key-release:29");
    EXPECT_EQ(b, "key-press:29 key-press:56 key-press:219 key-release:219 key-release:56 "
                 "key-release:29 ")
        << b;
}

// The 64x48 frame fills the 320x240 output (fit): five output pixels to one
// frame pixel. The seat's pointer starts in the middle, (160, 120).

TEST_F(Input, FirstTouchPointDrivesAnAbsoluteGuestAndHoldsTheLeftButton)
{
    mouse_mode_a(true);
    touch(left_touch_, "down", 1, 0.5, 0.5);   // (159.5, 119.5): frame (31, 23)
    touch(left_touch_, "down", 2, 0.9, 0.9);   // a second finger: ignored
    touch(left_touch_, "motion", 2, 0.8, 0.8); // ignored too
    touch(left_touch_, "motion", 1, 0.25, 0.25);
    touch(left_touch_, "up", 2);
    touch(left_touch_, "up", 1);
    const std::string a = received(*fake_a_, "button-release:0");
    EXPECT_EQ(a, "abs:31,23 button-press:0 abs:15,11 button-release:0 ") << a;
    EXPECT_EQ(received(*fake_b_), "");
}

TEST_F(Input, TouchMovesARelativeGuestByTheDifference)
{
    mouse_mode_a(false);
    touch(left_touch_, "down", 5, 0, 0);   // from (160, 120) to (0, 0)
    touch(left_touch_, "motion", 5, 1, 1); // to (319, 239): 63.8, 47.8 frame pixels
    touch(left_touch_, "up", 5);
    const std::string a = received(*fake_a_, "button-release:0");
    EXPECT_EQ(a, "rel:-32,-24 button-press:0 rel:63,47 button-release:0 ") << a;
}

TEST_F(Input, UnpluggedTouchscreenReleasesTheButton)
{
    touch(left_touch_, "down", 1, 0.5, 0.5);
    EXPECT_NE(received(*fake_a_, "button-press:0").find("button-press:0"), std::string::npos);
    remove_device(left_touch_);
    left_touch_ = nullptr;
    EXPECT_NE(received(*fake_a_, "button-release:0").find("button-release:0"), std::string::npos);
}

TEST_F(Input, TabletPenPointsClicksAndHasItsButtons)
{
    mouse_mode_a(true);
    pen_proximity(0.5, 0.5);
    pen_tip(true, 0.5, 0.5);
    pen_button(BTN_STYLUS, true);
    pen_button(BTN_STYLUS, false);
    pen_button(BTN_STYLUS2, true);
    pen_button(BTN_STYLUS2, false);
    pen_x(0.25); // (79.75, 119.5): frame (15, 23)
    pen_tip(false, 0.25, 0.5);
    const std::string a = received(*fake_a_, "button-release:0");
    EXPECT_EQ(a, "abs:31,23 abs:31,23 button-press:0 button-press:2 button-release:2 "
                 "button-press:1 button-release:1 abs:15,23 abs:15,23 button-release:0 ")
        << a;
}

TEST_F(Input, ReleaseInputChordStopsInputUntilAClick)
{
    key(left_keyboard_, KEY_A, true); // held in the guest when input is released
    EXPECT_NE(received(*fake_a_, "key-press:30").find("key-press:30"), std::string::npos);
    for (uint32_t code : {KEY_LEFTCTRL, KEY_LEFTALT, KEY_LEFTMETA})
        key(left_keyboard_, code, true);
    tap(left_keyboard_, KEY_ESC);
    for (uint32_t code : {KEY_LEFTMETA, KEY_LEFTALT, KEY_LEFTCTRL})
        key(left_keyboard_, code, false);
    // The hint is on seat left's screen, not on seat right's.
    auto left = session_->capture_until("HEADLESS-1", shows_identify_card);
    ASSERT_TRUE(left);
    EXPECT_TRUE(shows_identify_card(*left));
    auto right = session_->capture("HEADLESS-2");
    ASSERT_TRUE(right);
    EXPECT_FALSE(shows_identify_card(*right));
    // A was let go; the modifiers (sent while A was down) came up before
    // the command; Escape never reached the guest.
    std::string a = received(*fake_a_, "key-release:30");
    EXPECT_NE(a.find("key-release:30"), std::string::npos) << a;
    EXPECT_EQ(a.find(":1 "), std::string::npos) << a;

    key(left_keyboard_, KEY_A, false);
    tap(left_keyboard_, KEY_B);
    tap(right_keyboard_, KEY_D); // the other seat is not released
    EXPECT_NE(received(*fake_b_, "key-release:32").find("key-press:32 key-release:32"),
              std::string::npos);
    EXPECT_EQ(received(*fake_a_), "") << "input reached the VM while released";

    click(left_mouse_, BTN_LEFT); // grabs again; the click itself goes nowhere
    left = session_->capture_until("HEADLESS-1",
                                   [](const Image &i) { return !shows_identify_card(i); });
    ASSERT_TRUE(left);
    EXPECT_FALSE(shows_identify_card(*left));
    tap(left_keyboard_, KEY_X);
    click(left_mouse_, BTN_RIGHT);
    a = received(*fake_a_, "button-release:2");
    EXPECT_EQ(a, "key-press:45 key-release:45 button-press:2 button-release:2 ") << a;
}

TEST_F(Input, ReleaseInputChordAgainGrabs)
{
    for (int round = 0; round < 2; ++round) {
        for (uint32_t code : {KEY_LEFTCTRL, KEY_LEFTALT, KEY_LEFTMETA})
            key(left_keyboard_, code, true);
        tap(left_keyboard_, KEY_ESC);
        for (uint32_t code : {KEY_LEFTMETA, KEY_LEFTALT, KEY_LEFTCTRL})
            key(left_keyboard_, code, false);
        tap(left_keyboard_, round == 0 ? KEY_B : KEY_X);
    }
    // Released in round 0 (B goes nowhere), grabbed in round 1 (X arrives).
    const std::string a = received(*fake_a_, "key-release:45");
    EXPECT_EQ(a, "key-press:45 key-release:45 ") << a;
    EXPECT_TRUE(side_->input.router().seat_grabbed("left"));
}

TEST_F(Input, ReloadMovesAKeyboardReleasingItsKeysFirst)
{
    key(left_keyboard_, KEY_A, true);
    EXPECT_NE(received(*fake_a_, "key-press:30").find("key-press:30"), std::string::npos);
    // The session file now gives the left keyboard to seat right.
    std::string error;
    config_.seats[0].devices = {*config::parse_device_rule("name:Left mouse", error)};
    config_.seats[1].devices = {*config::parse_device_rule("name:Left keyboard", error),
                                *config::parse_device_rule("name:Right*", error)};
    side_->input.reload(config_);
    EXPECT_NE(received(*fake_a_, "key-release:30").find("key-release:30"), std::string::npos);
    key(left_keyboard_, KEY_A, false); // its physical release goes nowhere
    tap(left_keyboard_, KEY_B);
    const std::string b = received(*fake_b_, "key-release:48");
    EXPECT_EQ(b, "key-press:48 key-release:48 ") << b;
    EXPECT_EQ(received(*fake_a_).find("key"), std::string::npos);
}

TEST_F(Input, UnpluggedKeyboardReleasesWhatItHeld)
{
    key(left_keyboard_, KEY_A, true);
    EXPECT_NE(received(*fake_a_, "key-press:30").find("key-press:30"), std::string::npos);
    remove_device(left_keyboard_);
    left_keyboard_ = nullptr;
    EXPECT_NE(received(*fake_a_, "key-release:30").find("key-release:30"), std::string::npos);
}

TEST_F(Input, UnpluggedWhileKeysAndButtonsAreHeldReleasesThemAll)
{
    // Shift+A+B held on the keyboard, left and right held on the mouse:
    // then both are pulled out.
    for (uint32_t code : {KEY_LEFTSHIFT, KEY_A, KEY_B})
        key(left_keyboard_, code, true);
    button(left_mouse_, BTN_LEFT, true);
    button(left_mouse_, BTN_RIGHT, true);
    const std::string pressed = received(*fake_a_, "button-press:2");
    EXPECT_EQ(pressed, "key-press:42 key-press:30 key-press:48 button-press:0 button-press:2 ")
        << pressed;
    remove_device(left_keyboard_);
    left_keyboard_ = nullptr;
    remove_device(left_mouse_);
    left_mouse_ = nullptr;

    // VM a is told each of them is up, once; nothing reaches VM b.
    std::string released;
    const std::vector<std::string> wanted = {"key-release:42", "key-release:30", "key-release:48",
                                             "button-release:0", "button-release:2"};
    for (int i = 0; i < 10; ++i) {
        released += received(*fake_a_, "release");
        if (std::all_of(wanted.begin(), wanted.end(), [&](const std::string &w) {
                return released.find(w) != std::string::npos;
            }))
            break;
    }
    for (const std::string &w : wanted) {
        EXPECT_NE(released.find(w), std::string::npos) << w << " missing: " << released;
        EXPECT_EQ(released.find(w), released.rfind(w)) << w << " twice: " << released;
    }
    EXPECT_EQ(released.find("press:"), std::string::npos) << released;
    EXPECT_EQ(received(*fake_b_), "");

    // The seat's other keyboard and the other seat type as before.
    tap(left_keypad_, KEY_C);
    tap(right_keyboard_, KEY_D);
    EXPECT_EQ(received(*fake_a_, "key-release:46"), "key-press:46 key-release:46 ");
    EXPECT_EQ(received(*fake_b_, "key-release:32"), "key-press:32 key-release:32 ");
}

TEST_F(Input, GuestTurningAbsoluteGetsTheSeatsCursorPosition)
{
    // The guest starts relative (a PS/2 mouse), then its tablet driver
    // takes over: without another motion, the guest's cursor goes where the
    // seat's is: a quarter across the output, (79.75, 119.5) on the 320x240
    // output, (15, 23) in the 64x48 frame.
    mouse_mode_a(false); // and the session knows it
    warp(left_mouse_, 0.25, 0.5);
    ASSERT_EQ(fake_a_->command(*session_, "mouse-mode abs"), "ok");
    ASSERT_TRUE(session_->dispatch_until([&] {
        const vmview::DisplayClient *client = side_->fleet.client("a");
        return client->mouse_absolute(client->consoles().front()->info().id);
    }));
    const std::string a = received(*fake_a_, "abs:");
    // The warp reached the relative guest as motion; then the position.
    EXPECT_EQ(a, "rel:-16,0 abs:15,23 ") << a;
}

TEST_F(Input, AbsolutePointingFollowsAGuestResolutionChange)
{
    mouse_mode_a(true);
    warp(left_mouse_, 0.25, 0.5); // (79.75, 119.5): frame (15, 23)
    EXPECT_NE(received(*fake_a_, "abs:15,23").find("abs:15,23"), std::string::npos);
    // Now 32x48 on the 320x240 output: fit shows it 160 wide from x 80, so
    // a quarter of the output is the frame's left edge.
    ASSERT_EQ(fake_a_->command(*session_, "scanout 32 48 x8r8g8b8 102030").rfind("ok", 0), 0u);
    ASSERT_TRUE(session_->capture_until("HEADLESS-1",
                                        [](const Image &i) { return i.at(40, 120) == 0x000000; }));
    warp(left_mouse_, 0.3, 0.5); // x 95.7: frame pixel (95.7 - 80) * 32 / 160 = 3
    const std::string a = received(*fake_a_, "abs:3,23");
    EXPECT_NE(a.find("abs:3,23"), std::string::npos) << a;
}

// On a scaled and rotated output the pointer reaches the guest through the
// placement the frame is drawn with: output pixels as the person sees them.
TEST_F(Input, AbsolutePointingOnAScaledRotatedOutput)
{
    mouse_mode_a(true);
    wlr_output *output = nullptr;
    for (const auto &o : session_->server().outputs())
        if (o->name() == "HEADLESS-1")
            output = o->wlr();
    ASSERT_NE(output, nullptr);
    compat::OutputState state;
    state.transform = WL_OUTPUT_TRANSFORM_90;
    state.scale = 2;
    ASSERT_TRUE(compat::output_apply(output, state, false));
    session_->server().outputs_changed();
    // 240x320 portrait: the 64x48 frame fits 240 wide and 180 high, from y 70.
    ASSERT_TRUE(session_->capture_until("HEADLESS-1", [](const Image &i) {
        return i.width == 240 && i.at(120, 30) == 0x000000 && i.at(120, 160) == 0x102030;
    }));
    warp(left_mouse_, 0.25, 0.5); // (59.75, 159.5): frame (15, 23)
    const std::string a = received(*fake_a_, "abs:15,23");
    EXPECT_NE(a.find("abs:15,23"), std::string::npos) << a;
}

TEST_F(Input, AnsweredCallsFreeWhatTheyHeld)
{
    // Each absolute motion is a call QEMU answers; once answered it must
    // hold nothing (a session runs for days and the mouse moves a lot).
    mouse_mode_a(true);
    for (int i = 0; i < 200; ++i)
        warp(left_mouse_, (i % 100) / 100.0, 0.5);
    EXPECT_NE(received(*fake_a_, "abs:31,23").find("abs:31,23"), std::string::npos);
    const vmview::DisplayClient *client = side_->fleet.client("a");
    EXPECT_TRUE(session_->dispatch_until([&] { return client->calls_in_flight() == 0; }))
        << client->calls_in_flight() << " calls still held";
}

} // namespace
} // namespace phyllome::test
