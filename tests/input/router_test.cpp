// input/router: each device's events reach its own seat's VM only, nothing
// stays pressed across switches, unplugs, reloads and disconnects, and the
// pointer maps through the display's placement.
#include <gtest/gtest.h>

#include <linux/input-event-codes.h>
#include <xkbcommon/xkbcommon-keysyms.h>

#include <cmath>
#include <limits>

#include "config/config.hpp"
#include "input/router.hpp"
#include "recording_vm.hpp"

namespace phyllome::input {
namespace {

using config::Scaling;
using testing::RecordingVm;
using Log = std::vector<std::string>;

constexpr DeviceId kLeftKbd = 10, kLeftMouse = 11, kRightKbd = 20, kRightMouse = 21;

config::DeviceRule rule(const char *text)
{
    std::string error;
    auto r = config::parse_device_rule(text, error);
    EXPECT_TRUE(r) << error;
    return r.value_or(config::DeviceRule{});
}

config::Seat seat(const char *name, std::vector<const char *> rules)
{
    config::Seat s;
    s.name = name;
    for (const char *r : rules)
        s.devices.push_back(rule(r));
    return s;
}

// "left" owns devices named left*, "right" everything else.
config::Config two_seats()
{
    config::Config c;
    c.seats = {seat("left", {"name:left*"}), seat("right", {"*"})};
    return c;
}

config::DeviceIdentity named(const char *name)
{
    config::DeviceIdentity d;
    d.name = name;
    return d;
}

struct Routing : ::testing::Test {
    // The router's handlers call these, which a test sets as it needs.
    InputRouter::CommandHandler on_command;
    InputRouter::GrabHandler on_grab;

    Routing()
        : router(two_seats(), {.command =
                                   [this](const std::string &seat, HostCommand command) {
                                       if (on_command)
                                           on_command(seat, command);
                                   },
                               .grab_changed =
                                   [this](const std::string &seat, bool grabbed) {
                                       if (on_grab)
                                           on_grab(seat, grabbed);
                                   }})
    {
        router.add_device(kLeftKbd, named("left keyboard"));
        router.add_device(kLeftMouse, named("left mouse"));
        router.add_device(kRightKbd, named("right keyboard"));
        router.add_device(kRightMouse, named("right mouse"));
    }

    void tap(DeviceId d, std::uint32_t evdev, std::uint32_t keysym, std::uint32_t mods = 0)
    {
        router.key(d, evdev, keysym, true, mods);
        router.key(d, evdev, keysym, false, mods);
    }
    void click(DeviceId d, std::uint32_t evdev_button)
    {
        router.button(d, evdev_button, true);
        router.button(d, evdev_button, false);
    }

    InputRouter router;
    RecordingVm a{"a"}, b{"b"}, c{"c"};
};

TEST_F(Routing, DevicesGoToTheirSeats)
{
    EXPECT_EQ(router.seat_of(kLeftKbd), "left");
    EXPECT_EQ(router.seat_of(kRightMouse), "right");
    EXPECT_EQ(router.seat_of(99), std::nullopt);
    EXPECT_EQ(router.devices_on("left"), (std::vector<DeviceId>{kLeftKbd, kLeftMouse}));
}

TEST_F(Routing, EventsReachOnlyTheirSeatsVm)
{
    ASSERT_TRUE(router.set_seat_vm("left", &a));
    ASSERT_TRUE(router.set_seat_vm("right", &b));
    tap(kLeftKbd, KEY_A, XKB_KEY_a);
    click(kLeftMouse, BTN_LEFT);
    tap(kRightKbd, KEY_B, XKB_KEY_b);
    click(kRightMouse, BTN_RIGHT);
    EXPECT_EQ(a.take(), (Log{"key 0x1e down", "key 0x1e up", "button 0 down", "button 0 up"}));
    EXPECT_EQ(b.take(), (Log{"key 0x30 down", "key 0x30 up", "button 2 down", "button 2 up"}));
}

TEST_F(Routing, SeatWithoutVmDropsEverything)
{
    router.key(kLeftKbd, KEY_A, XKB_KEY_a, true, 0);
    router.button(kLeftMouse, BTN_LEFT, true);
    router.set_seat_vm("left", &a);
    // Releases of presses the VM never got are not sent either.
    router.key(kLeftKbd, KEY_A, XKB_KEY_a, false, 0);
    router.button(kLeftMouse, BTN_LEFT, false);
    EXPECT_TRUE(a.take().empty());
    tap(kLeftKbd, KEY_A, XKB_KEY_a);
    EXPECT_EQ(a.take(), (Log{"key 0x1e down", "key 0x1e up"}));
}

TEST_F(Routing, UnknownDevicesAndCodesAreDropped)
{
    router.set_seat_vm("left", &a);
    tap(99, KEY_A, XKB_KEY_a);
    click(99, BTN_LEFT);
    tap(kLeftKbd, 0, 0);
    tap(kLeftKbd, 500, 0);
    tap(kLeftKbd, 0xffffffffu, 0);
    click(kLeftMouse, BTN_TASK);
    click(kLeftMouse, 0);
    router.motion_absolute(99, 0, 1, 1);
    EXPECT_TRUE(a.take().empty());
}

TEST_F(Routing, ButtonMapping)
{
    EXPECT_EQ(evdev_to_qemu_button(BTN_LEFT), 0u);
    EXPECT_EQ(evdev_to_qemu_button(BTN_MIDDLE), 1u);
    EXPECT_EQ(evdev_to_qemu_button(BTN_RIGHT), 2u);
    EXPECT_EQ(evdev_to_qemu_button(BTN_SIDE), 5u);
    EXPECT_EQ(evdev_to_qemu_button(BTN_EXTRA), 6u);
    EXPECT_EQ(evdev_to_qemu_button(BTN_FORWARD), std::nullopt);
    EXPECT_EQ(evdev_to_qemu_button(BTN_TOUCH), std::nullopt);
    router.set_seat_vm("left", &a);
    for (std::uint32_t b : {BTN_LEFT, BTN_MIDDLE, BTN_RIGHT, BTN_SIDE, BTN_EXTRA, BTN_BACK})
        router.button(kLeftMouse, b, true);
    EXPECT_EQ(a.buttons, (std::set<std::uint32_t>{0, 1, 2, 5, 6}));
}

TEST_F(Routing, VmSwitchReleasesWhatIsHeldInTheOldVm)
{
    router.set_seat_vm("left", &a);
    router.key(kLeftKbd, KEY_A, XKB_KEY_a, true, 0);
    router.button(kLeftMouse, BTN_LEFT, true);
    a.take();
    router.set_seat_vm("left", &b);
    EXPECT_EQ(a.take(), (Log{"button 0 up", "key 0x1e up"}));
    // The physical releases that follow belong to nobody now.
    router.key(kLeftKbd, KEY_A, XKB_KEY_a, false, 0);
    router.button(kLeftMouse, BTN_LEFT, false);
    EXPECT_TRUE(a.take().empty());
    EXPECT_TRUE(b.take().empty());
    tap(kLeftKbd, KEY_A, XKB_KEY_a);
    EXPECT_EQ(b.take(), (Log{"key 0x1e down", "key 0x1e up"}));
}

TEST_F(Routing, ModifierHeldAcrossASwitchComesBeforeTheNextKey)
{
    router.set_seat_vm("left", &a);
    router.key(kLeftKbd, KEY_LEFTSHIFT, XKB_KEY_Shift_L, true, 0);
    router.set_seat_vm("left", &b);
    tap(kLeftKbd, KEY_C, XKB_KEY_C, config::kModShift);
    router.key(kLeftKbd, KEY_LEFTSHIFT, XKB_KEY_Shift_L, false, config::kModShift);
    EXPECT_EQ(a.take(), (Log{"key 0x2a down", "key 0x2a up"}));
    EXPECT_EQ(b.take(), (Log{"key 0x2a down", "key 0x2e down", "key 0x2e up", "key 0x2a up"}));
}

TEST_F(Routing, UnplugReleasesFirst)
{
    router.set_seat_vm("left", &a);
    router.key(kLeftKbd, KEY_LEFTSHIFT, XKB_KEY_Shift_L, true, 0);
    router.key(kLeftKbd, KEY_A, XKB_KEY_a, true, config::kModShift);
    router.remove_device(kLeftKbd);
    EXPECT_EQ(a.take(), (Log{"key 0x2a down", "key 0x1e down", "key 0x1e up", "key 0x2a up"}));
    router.key(kLeftKbd, KEY_A, XKB_KEY_a, false, 0);
    EXPECT_TRUE(a.take().empty());
    EXPECT_EQ(router.seat_of(kLeftKbd), std::nullopt);
}

TEST_F(Routing, ReplugWithTheSameIdReleasesFirst)
{
    router.set_seat_vm("left", &a);
    router.set_seat_vm("right", &b);
    router.key(kLeftKbd, KEY_A, XKB_KEY_a, true, 0);
    EXPECT_EQ(router.add_device(kLeftKbd, named("right thing")), "right");
    EXPECT_EQ(a.take(), (Log{"key 0x1e down", "key 0x1e up"}));
    router.key(kLeftKbd, KEY_A, XKB_KEY_a, false, 0);
    EXPECT_TRUE(b.take().empty());
}

TEST_F(Routing, ReloadMovesDevicesReleasingFirst)
{
    router.set_seat_vm("left", &a);
    router.set_seat_vm("right", &b);
    router.key(kLeftKbd, KEY_A, XKB_KEY_a, true, 0);
    router.key(kRightKbd, KEY_B, XKB_KEY_b, true, 0);
    a.take();
    b.take();

    // The left keyboard now belongs to "right"; "right" keeps its VM.
    config::Config next = two_seats();
    next.seats[0].devices = {rule("name:left mouse")};
    EXPECT_EQ(router.reload(next), std::vector<DeviceId>{kLeftKbd});
    EXPECT_EQ(a.take(), (Log{"key 0x1e up"}));
    EXPECT_TRUE(b.take().empty()); // the right keyboard did not move
    EXPECT_EQ(router.seat_of(kLeftKbd), "right");

    router.key(kLeftKbd, KEY_A, XKB_KEY_a, false, 0); // held across: dropped
    tap(kLeftKbd, KEY_C, XKB_KEY_c);
    EXPECT_TRUE(a.take().empty());
    EXPECT_EQ(b.take(), (Log{"key 0x2e down", "key 0x2e up"}));
    // A reload that changes nothing moves nothing.
    EXPECT_TRUE(router.reload(next).empty());
}

TEST_F(Routing, ReloadDroppingASeatUnbindsItsVm)
{
    router.set_seat_vm("left", &a);
    router.key(kLeftKbd, KEY_A, XKB_KEY_a, true, 0);
    a.take();
    config::Config next;
    next.seats = {seat("right", {"*"})};
    const auto moved = router.reload(next);
    EXPECT_EQ(moved, (std::vector<DeviceId>{kLeftKbd, kLeftMouse}));
    EXPECT_EQ(a.take(), (Log{"key 0x1e up"}));
    EXPECT_FALSE(router.set_seat_vm("left", &c));
    // "a" is free again: the remaining seat may take it.
    EXPECT_TRUE(router.set_seat_vm("right", &a));
    tap(kLeftKbd, KEY_A, XKB_KEY_a);
    EXPECT_EQ(a.take(), (Log{"key 0x1e down", "key 0x1e up"}));
    // Back again: the seat returns without a VM.
    router.reload(two_seats());
    tap(kLeftKbd, KEY_A, XKB_KEY_a);
    EXPECT_TRUE(a.take().empty());
}

TEST_F(Routing, ASinkBelongsToOneSeatAtATime)
{
    ASSERT_TRUE(router.set_seat_vm("left", &a));
    EXPECT_FALSE(router.set_seat_vm("right", &a));
    EXPECT_FALSE(router.set_seat_heads("right", {Head{{}, &a}}));
    EXPECT_FALSE(router.set_seat_vm("nowhere", &b));
    ASSERT_TRUE(router.set_seat_vm("right", &b));
    EXPECT_FALSE(router.set_seat_heads("left", {Head{{}, &b}}));
    EXPECT_TRUE(router.set_seat_vm("left", &a)); // again: no change
    ASSERT_TRUE(router.set_seat_vm("left", nullptr));
    EXPECT_TRUE(router.set_seat_vm("right", &a));
}

TEST_F(Routing, RemoveVmReleasesAndUnbinds)
{
    router.set_seat_vm("left", &a);
    router.key(kLeftKbd, KEY_A, XKB_KEY_a, true, 0);
    router.button(kLeftMouse, BTN_LEFT, true);
    a.take();
    router.remove_vm(a);
    EXPECT_TRUE(a.keys.empty());
    EXPECT_TRUE(a.buttons.empty());
    a.take();
    tap(kLeftKbd, KEY_A, XKB_KEY_a);
    EXPECT_TRUE(a.take().empty());
    EXPECT_TRUE(router.set_seat_vm("right", &a));
}

// Absolute pointing

input::Placement place(std::uint32_t fw, std::uint32_t fh, std::int32_t ow, std::int32_t oh,
                       Scaling scaling)
{
    return input::place_frame(fw, fh, ow, oh, scaling);
}

TEST_F(Routing, AbsoluteThroughFitLetterbox)
{
    router.set_seat_vm("left", &a);
    // 640x480 on 1920x1080: pillarboxed at x 240..1679.
    router.set_seat_heads("left", {Head{place(640, 480, 1920, 1080, Scaling::Fit), nullptr}});
    router.motion_absolute(kLeftMouse, 0, 100, 500);  // left bar
    router.motion_absolute(kLeftMouse, 0, 1700, 500); // right bar
    EXPECT_TRUE(a.take().empty());
    router.motion_absolute(kLeftMouse, 0, 240, 0);
    router.motion_absolute(kLeftMouse, 0, 960, 540);
    router.motion_absolute(kLeftMouse, 0, 1679.9, 1079.9);
    EXPECT_EQ(a.take(), (Log{"abs 0 0", "abs 320 240", "abs 639 479"}));
}

TEST_F(Routing, AbsoluteThroughIntegerScaling)
{
    router.set_seat_vm("left", &a);
    // 640x480 on 1920x1080: twice, at (320, 60) size 1280x960.
    router.set_seat_heads("left", {Head{place(640, 480, 1920, 1080, Scaling::Integer), nullptr}});
    router.motion_absolute(kLeftMouse, 0, 319, 500);
    router.motion_absolute(kLeftMouse, 0, 500, 59.5);
    EXPECT_TRUE(a.take().empty());
    router.motion_absolute(kLeftMouse, 0, 321.9, 61.9);
    router.motion_absolute(kLeftMouse, 0, 322, 62);
    router.motion_absolute(kLeftMouse, 0, 1599.9, 1019.9);
    EXPECT_EQ(a.take(), (Log{"abs 0 0", "abs 1 1", "abs 639 479"}));
}

TEST_F(Routing, AbsoluteOnTwoHeads)
{
    RecordingVm head1("a console 1");
    router.set_seat_vm("left", &a);
    ASSERT_TRUE(
        router.set_seat_heads("left", {Head{place(1920, 1080, 1920, 1080, Scaling::Fit), nullptr},
                                       Head{place(1280, 1024, 1280, 1024, Scaling::Fit), &head1}}));
    router.motion_absolute(kLeftMouse, 1, 100, 200);
    router.button(kLeftMouse, BTN_LEFT, true); // goes where the pointer is
    router.motion_absolute(kLeftMouse, 0, 1919, 1079);
    router.button(kLeftMouse, BTN_LEFT, false); // goes where it was pressed
    click(kLeftMouse, BTN_RIGHT);
    router.motion_absolute(kLeftMouse, 2, 1, 1); // no third head
    EXPECT_EQ(head1.take(), (Log{"abs 100 200", "button 0 down", "button 0 up"}));
    EXPECT_EQ(a.take(), (Log{"abs 1919 1079", "button 2 down", "button 2 up"}));
    // The head console is bound to this seat too.
    EXPECT_FALSE(router.set_seat_vm("right", &head1));
    // A switch clears the heads: nothing absolute until they are set again.
    router.set_seat_vm("left", &b);
    router.motion_absolute(kLeftMouse, 0, 10, 10);
    EXPECT_TRUE(b.take().empty());
    EXPECT_TRUE(router.set_seat_vm("right", &head1));
}

TEST_F(Routing, HeadConsoleDisconnectingTakesItsHead)
{
    RecordingVm head1("a console 1");
    router.set_seat_vm("left", &a);
    router.set_seat_heads("left", {Head{place(640, 480, 640, 480, Scaling::Fit), nullptr},
                                   Head{place(640, 480, 640, 480, Scaling::Fit), &head1}});
    router.motion_absolute(kLeftMouse, 1, 10, 10);
    router.button(kLeftMouse, BTN_LEFT, true);
    router.remove_vm(head1);
    EXPECT_EQ(head1.take(), (Log{"abs 10 10", "button 0 down", "button 0 up"}));
    router.motion_absolute(kLeftMouse, 1, 10, 10);
    click(kLeftMouse, BTN_RIGHT);
    EXPECT_TRUE(head1.take().empty());
    EXPECT_EQ(a.take(), (Log{"button 2 down", "button 2 up"}));
}

TEST_F(Routing, BadPointerValuesAreDropped)
{
    router.set_seat_vm("left", &a);
    router.set_seat_heads("left", {Head{place(640, 480, 640, 480, Scaling::Fit), nullptr}});
    const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
    router.motion_absolute(kLeftMouse, 0, nan, 1);
    router.motion_absolute(kLeftMouse, 0, -inf, 1);
    router.motion_absolute(kLeftMouse, 0, 1e300, 1);
    router.motion_absolute(kLeftMouse, 0, -0.5, 1);
    router.motion_absolute(kLeftMouse, static_cast<std::size_t>(-1), 1, 1);
    a.is_absolute = false;
    router.motion_relative(kLeftMouse, nan, 1);
    router.motion_relative(kLeftMouse, inf, 1);
    router.axis(kLeftMouse, ScrollAxis::Vertical, ScrollUnit::V120, nan);
    EXPECT_TRUE(a.take().empty());
    router.motion_relative(kLeftMouse, 1e300, -1e300);
    EXPECT_EQ(a.take(), (Log{"rel 32767 -32767"}));
}

TEST_F(Routing, RelativeGuestGetsRelativeMotionOnly)
{
    router.set_seat_vm("left", &a);
    router.set_seat_heads("left", {Head{place(640, 480, 640, 480, Scaling::Fit), nullptr}});
    router.motion_relative(kLeftMouse, 5, 5); // absolute guest: not sent
    a.is_absolute = false;
    router.motion_absolute(kLeftMouse, 0, 10, 10); // relative guest: not sent
    router.motion_relative(kLeftMouse, 0.4, -0.4);
    router.motion_relative(kLeftMouse, 0.4, -0.4);
    router.motion_relative(kLeftMouse, 0.4, -0.4); // 1.2, -1.2: one pixel each
    router.motion_relative(kLeftMouse, -3.5, 2);
    EXPECT_EQ(a.take(), (Log{"rel 1 -1", "rel -3 1"}));
}

TEST_F(Routing, WheelStepsAsButtonPairs)
{
    router.set_seat_vm("left", &a);
    router.axis(kLeftMouse, ScrollAxis::Vertical, ScrollUnit::V120, 60);
    EXPECT_TRUE(a.take().empty());
    router.axis(kLeftMouse, ScrollAxis::Vertical, ScrollUnit::V120, 60);
    router.axis(kLeftMouse, ScrollAxis::Vertical, ScrollUnit::V120, -240);
    router.axis(kLeftMouse, ScrollAxis::Horizontal, ScrollUnit::Pixels, -kPixelsPerStep);
    router.axis(kLeftMouse, ScrollAxis::Horizontal, ScrollUnit::Pixels, kPixelsPerStep);
    EXPECT_EQ(a.take(),
              (Log{"button 4 down", "button 4 up", "button 3 down", "button 3 up", "button 3 down",
                   "button 3 up", "button 7 down", "button 7 up", "button 8 down", "button 8 up"}));
}

// Absolute devices: touchscreens, tablet tools, a nested window's pointer

TEST_F(Routing, PointAtAnAbsoluteGuestGoesThroughThePlacement)
{
    router.set_seat_vm("left", &a);
    // 640x480 on 1920x1080: pillarboxed at x 240..1679, three times larger.
    router.set_seat_heads("left", {Head{place(640, 480, 1920, 1080, Scaling::Fit), nullptr}});
    router.point_at(kLeftMouse, 0, 960, 540);
    router.point_at(kLeftMouse, 0, 100, 540); // on the bar: nothing
    EXPECT_EQ(a.take(), (Log{"abs 320 240"}));
}

TEST_F(Routing, PointAtARelativeGuestMovesByTheDifferenceInFramePixels)
{
    router.set_seat_vm("left", &a);
    // 960x540 on 1920x1080: twice as large.
    router.set_seat_heads("left", {Head{place(960, 540, 1920, 1080, Scaling::Fit), nullptr}});
    a.is_absolute = false;
    router.point_at(kLeftMouse, 0, 960, 540); // no position before: no motion
    router.point_at(kLeftMouse, 0, 990, 510); // 30 output pixels are 15 frame pixels
    router.point_at(kLeftMouse, 0, 991, 510); // half a pixel: not yet
    router.point_at(kLeftMouse, 0, 992, 510);
    EXPECT_EQ(a.take(), (Log{"rel 15 -15", "rel 1 0"}));
    // The mouse moved the seat's pointer too: the difference is from there.
    router.motion_absolute(kLeftMouse, 0, 300, 300);
    router.point_at(kRightMouse, 0, 900, 900); // another seat's pointer
    router.point_at(kLeftMouse, 0, 330, 330);
    EXPECT_EQ(a.take(), (Log{"rel 15 15"}));
    router.point_at(kLeftMouse, 1, 330, 330); // another output: no difference to take
    EXPECT_TRUE(a.take().empty());
    // The compositor placed the pointer (the seat's outputs changed).
    router.set_seat_pointer("left", 0, 100, 100);
    EXPECT_TRUE(a.take().empty());
    router.point_at(kLeftMouse, 0, 110, 90);
    EXPECT_EQ(a.take(), (Log{"rel 5 -5"}));
}

TEST_F(Routing, FirstTouchPointDrivesThePointerAndTheLeftButton)
{
    router.set_seat_vm("left", &a);
    router.set_seat_heads("left", {Head{place(640, 480, 640, 480, Scaling::Fit), nullptr}});
    router.touch_down(kLeftMouse, 7, 0, 10, 20);
    router.touch_down(kLeftMouse, 8, 0, 500, 400); // a second finger: ignored
    router.touch_motion(kLeftMouse, 8, 0, 501, 401);
    router.touch_motion(kLeftMouse, 7, 0, 30, 40);
    router.touch_up(kLeftMouse, 8);
    EXPECT_EQ(a.take(), (Log{"abs 10 20", "button 0 down", "abs 30 40"}));
    router.touch_up(kLeftMouse, 7);
    EXPECT_EQ(a.take(), (Log{"button 0 up"}));
    router.touch_motion(kLeftMouse, 7, 0, 50, 50); // lifted: nothing
    EXPECT_TRUE(a.take().empty());
    router.touch_down(kLeftMouse, 8, 0, 1, 2); // the next first finger
    EXPECT_EQ(a.take(), (Log{"abs 1 2", "button 0 down"}));
}

TEST_F(Routing, TouchHeldIsReleasedOnUnplugAndSwitch)
{
    router.set_seat_vm("left", &a);
    router.set_seat_heads("left", {Head{place(640, 480, 640, 480, Scaling::Fit), nullptr}});
    router.touch_down(kLeftMouse, 1, 0, 10, 10);
    router.set_seat_vm("left", &b);
    EXPECT_EQ(a.take(), (Log{"abs 10 10", "button 0 down", "button 0 up"}));
    router.touch_up(kLeftMouse, 1); // its release goes nowhere
    EXPECT_TRUE(b.take().empty());
    router.touch_down(kLeftMouse, 2, 0, 10, 10);
    router.remove_device(kLeftMouse);
    EXPECT_EQ(b.take(), (Log{"button 0 down", "button 0 up"}));
}

TEST_F(Routing, TabletButtons)
{
    EXPECT_EQ(tablet_to_pointer_button(BTN_STYLUS), static_cast<std::uint32_t>(BTN_RIGHT));
    EXPECT_EQ(tablet_to_pointer_button(BTN_STYLUS2), static_cast<std::uint32_t>(BTN_MIDDLE));
    EXPECT_EQ(tablet_to_pointer_button(BTN_LEFT), static_cast<std::uint32_t>(BTN_LEFT));
}

// Releasing input (the nested window's release_input chord)

constexpr std::uint32_t kHostMods = config::kModCtrl | config::kModAlt | config::kModSuper;

void press_host(InputRouter &router, DeviceId kbd)
{
    router.key(kbd, KEY_LEFTCTRL, XKB_KEY_Control_L, true, 0);
    router.key(kbd, KEY_LEFTALT, XKB_KEY_Alt_L, true, config::kModCtrl);
    router.key(kbd, KEY_LEFTMETA, XKB_KEY_Super_L, true, config::kModCtrl | config::kModAlt);
}
void release_host(InputRouter &router, DeviceId kbd)
{
    router.key(kbd, KEY_LEFTMETA, XKB_KEY_Super_L, false, kHostMods);
    router.key(kbd, KEY_LEFTALT, XKB_KEY_Alt_L, false, config::kModCtrl | config::kModAlt);
    router.key(kbd, KEY_LEFTCTRL, XKB_KEY_Control_L, false, config::kModCtrl);
}

TEST_F(Routing, ReleaseInputChordLetsGoAndStopsInputUntilAClick)
{
    router.set_seat_vm("left", &a);
    router.set_seat_vm("right", &b);
    router.set_seat_heads("left", {Head{place(640, 480, 640, 480, Scaling::Fit), nullptr}});
    std::vector<std::pair<std::string, bool>> grabs;
    on_grab = ([&](const std::string &seat, bool grabbed) { grabs.emplace_back(seat, grabbed); });
    router.key(kLeftKbd, KEY_W, XKB_KEY_w, true, 0); // held in the guest
    router.button(kLeftMouse, BTN_RIGHT, true);
    a.take();
    press_host(router, kLeftKbd);
    tap(kLeftKbd, KEY_ESC, XKB_KEY_Escape, kHostMods);
    release_host(router, kLeftKbd);
    EXPECT_EQ(grabs, (std::vector<std::pair<std::string, bool>>{{"left", false}}));
    EXPECT_FALSE(router.seat_grabbed("left"));
    EXPECT_TRUE(router.seat_grabbed("right"));
    // What was held is let go. The modifiers reached the guest (pressed
    // while W was down in it) and came up before the command.
    EXPECT_EQ(a.take(), (Log{"key 0x1d down", "key 0x38 down", "key 0xdb down", "key 0xdb up",
                             "key 0x38 up", "key 0x1d up", "button 2 up", "key 0x11 up"}));
    EXPECT_TRUE(a.keys.empty() && a.buttons.empty());

    // Released: nothing of the seat reaches its VM; the other seat is unaffected.
    router.key(kLeftKbd, KEY_W, XKB_KEY_w, false, 0);
    router.button(kLeftMouse, BTN_RIGHT, false);
    tap(kLeftKbd, KEY_A, XKB_KEY_a);
    router.motion_absolute(kLeftMouse, 0, 10, 10);
    router.point_at(kLeftMouse, 0, 10, 10);
    router.axis(kLeftMouse, ScrollAxis::Vertical, ScrollUnit::V120, 120);
    router.key(kLeftKbd, KEY_LEFTSHIFT, XKB_KEY_Shift_L, true, 0);
    router.deliver_held_back();
    EXPECT_TRUE(a.take().empty());
    tap(kRightKbd, KEY_A, XKB_KEY_a);
    EXPECT_EQ(b.take(), (Log{"key 0x1e down", "key 0x1e up"}));

    // A click grabs again and goes nowhere itself; Shift, still down,
    // reaches the guest before the next input (the click's release).
    router.button(kLeftMouse, BTN_LEFT, true);
    EXPECT_TRUE(router.seat_grabbed("left"));
    EXPECT_EQ(grabs.back(), (std::pair<std::string, bool>{"left", true}));
    EXPECT_EQ(a.take(), Log{});
    router.button(kLeftMouse, BTN_LEFT, false);
    EXPECT_EQ(a.take(), (Log{"key 0x2a down"}));
    tap(kLeftKbd, KEY_A, XKB_KEY_A, config::kModShift);
    router.key(kLeftKbd, KEY_LEFTSHIFT, XKB_KEY_Shift_L, false, config::kModShift);
    click(kLeftMouse, BTN_LEFT);
    EXPECT_EQ(a.take(),
              (Log{"key 0x1e down", "key 0x1e up", "key 0x2a up", "button 0 down", "button 0 up"}));
}

TEST_F(Routing, ReleaseInputChordAgainGrabsAndHostCommandsStillRun)
{
    router.set_seat_vm("left", &a);
    std::vector<HostCommand> commands;
    on_command = ([&](const std::string &, HostCommand c) { commands.push_back(c); });
    ASSERT_TRUE(router.set_seat_grabbed("left", false));
    EXPECT_FALSE(router.set_seat_grabbed("nowhere", false));
    press_host(router, kLeftKbd);
    tap(kLeftKbd, KEY_I, XKB_KEY_i, kHostMods); // identify still works
    tap(kLeftKbd, KEY_ESC, XKB_KEY_Escape, kHostMods);
    release_host(router, kLeftKbd);
    EXPECT_EQ(commands, (std::vector<HostCommand>{{HostCommand::Kind::Identify, 0}}));
    EXPECT_TRUE(router.seat_grabbed("left"));
    EXPECT_TRUE(a.take().empty()) << "a key of the chords reached the guest";
    tap(kLeftKbd, KEY_A, XKB_KEY_a);
    EXPECT_EQ(a.take(), (Log{"key 0x1e down", "key 0x1e up"}));
}

// Host keys through the router

constexpr std::uint32_t kHost = config::kModCtrl | config::kModAlt | config::kModSuper;

TEST_F(Routing, HostCommandIsSwallowedAndMaySwitchTheVm)
{
    router.set_seat_vm("left", &a);
    router.set_seat_vm("right", &c);
    std::vector<std::pair<std::string, HostCommand>> seen;
    on_command = ([&](const std::string &seat, HostCommand command) {
        seen.emplace_back(seat, command);
        router.set_seat_vm(seat, &b); // the handler switches, re-entering
    });
    router.key(kLeftKbd, KEY_LEFTCTRL, XKB_KEY_Control_L, true, 0);
    router.key(kLeftKbd, KEY_LEFTALT, XKB_KEY_Alt_L, true, config::kModCtrl);
    router.key(kLeftKbd, KEY_LEFTMETA, XKB_KEY_Super_L, true, config::kModCtrl | config::kModAlt);
    router.key(kLeftKbd, KEY_RIGHT, XKB_KEY_Right, true, kHost);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].first, "left");
    EXPECT_EQ(seen[0].second, (HostCommand{HostCommand::Kind::NextVm, 0}));
    router.key(kLeftKbd, KEY_RIGHT, XKB_KEY_Right, false, kHost);
    router.key(kLeftKbd, KEY_LEFTMETA, XKB_KEY_Super_L, false, kHost);
    router.key(kLeftKbd, KEY_LEFTALT, XKB_KEY_Alt_L, false, kHost & ~config::kModSuper);
    router.key(kLeftKbd, KEY_LEFTCTRL, XKB_KEY_Control_L, false, config::kModCtrl);
    EXPECT_TRUE(a.take().empty());
    EXPECT_TRUE(b.take().empty());
    EXPECT_TRUE(c.take().empty());
    tap(kLeftKbd, KEY_A, XKB_KEY_a);
    EXPECT_EQ(b.take(), (Log{"key 0x1e down", "key 0x1e up"}));
}

TEST_F(Routing, HostFunctionKeyAndGuestFunctionKey)
{
    router.set_seat_vm("left", &a);
    std::vector<HostCommand> seen;
    on_command = ([&](const std::string &, HostCommand c) { seen.push_back(c); });
    const std::uint32_t ctrl_alt = config::kModCtrl | config::kModAlt;
    router.key(kLeftKbd, KEY_LEFTCTRL, XKB_KEY_Control_L, true, 0);
    router.key(kLeftKbd, KEY_LEFTALT, XKB_KEY_Alt_L, true, config::kModCtrl);
    tap(kLeftKbd, KEY_F2, XKB_KEY_XF86Switch_VT_2, ctrl_alt);
    EXPECT_TRUE(seen.empty());
    EXPECT_EQ(a.take(), (Log{"key 0x1d down", "key 0x38 down", "key 0x3c down", "key 0x3c up"}));
    router.key(kLeftKbd, KEY_LEFTMETA, XKB_KEY_Super_L, true, ctrl_alt);
    tap(kLeftKbd, KEY_F2, XKB_KEY_XF86Switch_VT_2, kHost);
    EXPECT_EQ(seen, (std::vector<HostCommand>{{HostCommand::Kind::SwitchVt, 2}}));
    // Ctrl and Alt were in the guest: released before the command.
    EXPECT_EQ(a.take(), (Log{"key 0x38 up", "key 0x1d up"}));
}

TEST_F(Routing, ChordAcrossTwoKeyboardsOfOneSeatButNotAcrossSeats)
{
    constexpr DeviceId kLeftKbd2 = 12;
    router.add_device(kLeftKbd2, named("left keypad"));
    router.set_seat_vm("left", &a);
    router.set_seat_vm("right", &b);
    std::vector<std::pair<std::string, HostCommand>> seen;
    on_command =
        ([&](const std::string &seat, HostCommand command) { seen.emplace_back(seat, command); });
    // Ctrl+Alt on one keyboard, Super and Right on the other: each keyboard
    // reports only its own modifiers.
    router.key(kLeftKbd, KEY_LEFTCTRL, XKB_KEY_Control_L, true, 0);
    router.key(kLeftKbd, KEY_LEFTALT, XKB_KEY_Alt_L, true, config::kModCtrl);
    router.key(kLeftKbd2, KEY_LEFTMETA, XKB_KEY_Super_L, true, 0);
    tap(kLeftKbd2, KEY_RIGHT, XKB_KEY_Right, config::kModSuper);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].first, "left");
    EXPECT_EQ(seen[0].second, (HostCommand{HostCommand::Kind::NextVm, 0}));
    // The same modifiers still held do not reach across to seat right.
    tap(kRightKbd, KEY_RIGHT, XKB_KEY_Right, 0);
    EXPECT_EQ(seen.size(), 1u);
    EXPECT_EQ(b.take(), (Log{"key 0xcd down", "key 0xcd up"}));
    router.key(kLeftKbd2, KEY_LEFTMETA, XKB_KEY_Super_L, false, config::kModSuper);
    router.key(kLeftKbd, KEY_LEFTALT, XKB_KEY_Alt_L, false, config::kModCtrl | config::kModAlt);
    router.key(kLeftKbd, KEY_LEFTCTRL, XKB_KEY_Control_L, false, config::kModCtrl);
    EXPECT_TRUE(a.take().empty()) << "a key of the chord reached the guest";
}

TEST_F(Routing, HeldBackModifierGoesBeforeAClick)
{
    router.set_seat_vm("left", &a);
    router.key(kLeftKbd, KEY_LEFTCTRL, XKB_KEY_Control_L, true, 0);
    EXPECT_TRUE(a.take().empty());
    click(kLeftMouse, BTN_LEFT);
    router.key(kLeftKbd, KEY_LEFTCTRL, XKB_KEY_Control_L, false, config::kModCtrl);
    EXPECT_EQ(a.take(), (Log{"key 0x1d down", "button 0 down", "button 0 up", "key 0x1d up"}));
    router.key(kLeftKbd, KEY_LEFTALT, XKB_KEY_Alt_L, true, 0);
    router.deliver_held_back();
    EXPECT_EQ(a.take(), (Log{"key 0x38 down"}));
}

} // namespace
} // namespace phyllome::input
