// input/host_keys: host chords are swallowed completely, everything else is
// typed, and the guest never keeps a key down that the person let go.
#include <gtest/gtest.h>

#include <linux/input-event-codes.h>
#include <xkbcommon/xkbcommon-keysyms.h>

#include <map>
#include <random>
#include <set>
#include <string>

#include "config/config.hpp"
#include "input/host_keys.hpp"

namespace phyllome::input {
namespace {

constexpr DeviceId kKbd = 1, kKbd2 = 2;
using Kind = HostCommand::Kind;

// A US layout for the keys used here.
std::uint32_t keysym_of(std::uint32_t evdev, bool shift = false)
{
    static const std::map<std::uint32_t, std::uint32_t> syms = {
        {KEY_LEFTCTRL, XKB_KEY_Control_L},
        {KEY_RIGHTCTRL, XKB_KEY_Control_R},
        {KEY_LEFTALT, XKB_KEY_Alt_L},
        {KEY_LEFTMETA, XKB_KEY_Super_L},
        {KEY_LEFTSHIFT, XKB_KEY_Shift_L},
        {KEY_CAPSLOCK, XKB_KEY_Caps_Lock},
        {KEY_RIGHT, XKB_KEY_Right},
        {KEY_LEFT, XKB_KEY_Left},
        {KEY_ENTER, XKB_KEY_Return},
        {KEY_END, XKB_KEY_End},
        {KEY_I, XKB_KEY_i},
        {KEY_A, XKB_KEY_a},
        {KEY_C, XKB_KEY_c},
        {KEY_V, XKB_KEY_v},
        {KEY_W, XKB_KEY_w},
        {KEY_F1, XKB_KEY_F1},
        {KEY_F2, XKB_KEY_F2},
        {KEY_F10, XKB_KEY_F10},
        {KEY_F11, XKB_KEY_F11},
        {KEY_F12, XKB_KEY_F12},
    };
    const auto it = syms.find(evdev);
    if (it == syms.end())
        return 0;
    if (shift && it->second >= XKB_KEY_a && it->second <= XKB_KEY_z)
        return it->second - XKB_KEY_a + XKB_KEY_A;
    return it->second;
}

// Drives one seat's HostKeys like a keyboard would: the modifiers passed are
// those held on that keyboard before the key (as wlroots reports them).
struct Seat {
    explicit Seat(const config::Config &config = config::default_config()) : host(config) {}

    void press(std::uint32_t evdev, DeviceId device = kKbd) { event(device, evdev, true); }
    void release(std::uint32_t evdev, DeviceId device = kKbd) { event(device, evdev, false); }
    void tap(std::uint32_t evdev, DeviceId device = kKbd)
    {
        press(evdev, device);
        release(evdev, device);
    }
    void pointer()
    {
        for (const GuestKey &k : host.flush())
            guest.push_back(k);
    }

    void event(DeviceId device, std::uint32_t evdev, bool pressed)
    {
        auto &down = physical[device];
        std::uint32_t mods = 0;
        for (std::uint32_t code : down)
            mods |= modifier_bit(keysym_of(code));
        const auto r =
            host.key(device, evdev, keysym_of(evdev, mods & config::kModShift), pressed, mods);
        guest.insert(guest.end(), r.guest.begin(), r.guest.end());
        if (r.command)
            commands.push_back(*r.command);
        if (pressed)
            down.insert(evdev);
        else
            down.erase(evdev);
    }

    std::vector<GuestKey> take() { return std::exchange(guest, {}); }

    HostKeys host;
    std::vector<GuestKey> guest;
    std::vector<HostCommand> commands;
    std::map<DeviceId, std::set<std::uint32_t>> physical;
};

GuestKey down(std::uint32_t evdev, DeviceId device = kKbd)
{
    return {device, evdev, true};
}
GuestKey up(std::uint32_t evdev, DeviceId device = kKbd)
{
    return {device, evdev, false};
}
using Keys = std::vector<GuestKey>;
using Commands = std::vector<HostCommand>;

void press_host(Seat &s)
{
    s.press(KEY_LEFTCTRL);
    s.press(KEY_LEFTALT);
    s.press(KEY_LEFTMETA);
}
void release_host(Seat &s)
{
    s.release(KEY_LEFTMETA);
    s.release(KEY_LEFTALT);
    s.release(KEY_LEFTCTRL);
}

TEST(HostKeys, PlainTypingGoesThrough)
{
    Seat s;
    s.tap(KEY_A);
    s.press(KEY_LEFTSHIFT); // Shift is in no chord: not held back
    s.tap(KEY_C);
    s.release(KEY_LEFTSHIFT);
    EXPECT_EQ(s.take(), (Keys{down(KEY_A), up(KEY_A), down(KEY_LEFTSHIFT), down(KEY_C), up(KEY_C),
                              up(KEY_LEFTSHIFT)}));
    EXPECT_TRUE(s.commands.empty());
}

TEST(HostKeys, EveryCommandChordIsSwallowedCompletely)
{
    const std::pair<std::uint32_t, Kind> cases[] = {
        {KEY_RIGHT, Kind::NextVm},    {KEY_LEFT, Kind::PrevVm}, {KEY_ENTER, Kind::StartVm},
        {KEY_END, Kind::ShutdownVm},  {KEY_I, Kind::Identify},  {KEY_C, Kind::ClipboardTake},
        {KEY_V, Kind::ClipboardGive},
    };
    for (const auto &[key, kind] : cases) {
        Seat s;
        press_host(s);
        s.tap(key);
        release_host(s);
        EXPECT_TRUE(s.take().empty()) << key;
        EXPECT_EQ(s.commands, (Commands{{kind, 0}})) << key;
    }
}

TEST(HostKeys, ChordReleasedInAnyOrderStaysSwallowed)
{
    Seat s;
    press_host(s);
    s.press(KEY_RIGHT);
    s.release(KEY_LEFTCTRL); // modifiers first, the key last
    s.release(KEY_LEFTMETA);
    s.release(KEY_LEFTALT);
    s.release(KEY_RIGHT);
    EXPECT_TRUE(s.take().empty());
    EXPECT_EQ(s.commands.size(), 1u);
}

TEST(HostKeys, CommandRepeatsWhileTheModifiersStayDown)
{
    Seat s;
    press_host(s);
    s.tap(KEY_RIGHT);
    s.tap(KEY_RIGHT);
    s.tap(KEY_LEFT);
    release_host(s);
    EXPECT_TRUE(s.take().empty());
    EXPECT_EQ(s.commands, (Commands{{Kind::NextVm, 0}, {Kind::NextVm, 0}, {Kind::PrevVm, 0}}));
}

TEST(HostKeys, CommandKeyMatchesEitherCaseAndLocksAreIgnored)
{
    const std::uint32_t caps = 2, num_lock = 16;
    const std::uint32_t mods =
        config::kModCtrl | config::kModAlt | config::kModSuper | caps | num_lock;
    for (std::uint32_t sym : {XKB_KEY_i, XKB_KEY_I}) {
        HostKeys host(config::default_config());
        auto r = host.key(kKbd, KEY_I, sym, true, mods);
        EXPECT_EQ(r.command, (HostCommand{Kind::Identify, 0})) << sym;
        EXPECT_TRUE(r.guest.empty());
        r = host.key(kKbd, KEY_I, sym, false, mods);
        EXPECT_EQ(r.command, std::nullopt);
        EXPECT_TRUE(r.guest.empty());
    }
}

TEST(HostKeys, ChordThatIsNotACommandIsTypedInOrder)
{
    Seat s;
    press_host(s);
    s.tap(KEY_A);
    release_host(s);
    EXPECT_EQ(s.take(),
              (Keys{down(KEY_LEFTCTRL), down(KEY_LEFTALT), down(KEY_LEFTMETA), down(KEY_A),
                    up(KEY_A), up(KEY_LEFTMETA), up(KEY_LEFTALT), up(KEY_LEFTCTRL)}));
    EXPECT_TRUE(s.commands.empty());
}

TEST(HostKeys, ExtraModifierMakesItNotACommand)
{
    Seat s;
    press_host(s);
    s.press(KEY_LEFTSHIFT);
    s.tap(KEY_RIGHT);
    s.release(KEY_LEFTSHIFT);
    release_host(s);
    EXPECT_TRUE(s.commands.empty());
    EXPECT_EQ(s.take(),
              (Keys{down(KEY_LEFTCTRL), down(KEY_LEFTALT), down(KEY_LEFTMETA), down(KEY_LEFTSHIFT),
                    down(KEY_RIGHT), up(KEY_RIGHT), up(KEY_LEFTSHIFT), up(KEY_LEFTMETA),
                    up(KEY_LEFTALT), up(KEY_LEFTCTRL)}));
}

TEST(HostKeys, CtrlAltFunctionKeyGoesToTheGuest)
{
    Seat s;
    s.press(KEY_LEFTCTRL);
    s.press(KEY_LEFTALT);
    s.tap(KEY_F2);
    s.release(KEY_LEFTALT);
    s.release(KEY_LEFTCTRL);
    EXPECT_TRUE(s.commands.empty());
    EXPECT_EQ(s.take(), (Keys{down(KEY_LEFTCTRL), down(KEY_LEFTALT), down(KEY_F2), up(KEY_F2),
                              up(KEY_LEFTALT), up(KEY_LEFTCTRL)}));
}

TEST(HostKeys, HostKeysAndFunctionKeySwitchTheTerminal)
{
    const std::pair<std::uint32_t, int> cases[] = {
        {KEY_F1, 1}, {KEY_F2, 2}, {KEY_F10, 10}, {KEY_F11, 11}, {KEY_F12, 12}};
    for (const auto &[key, vt] : cases) {
        Seat s;
        press_host(s);
        s.tap(key);
        release_host(s);
        EXPECT_TRUE(s.take().empty());
        EXPECT_EQ(s.commands, (Commands{{Kind::SwitchVt, vt}}));
    }
    // By evdev code: xkb gives XF86Switch_VT_2 for Ctrl+Alt+F2.
    Seat s;
    press_host(s);
    const auto r = s.host.key(kKbd, KEY_F2, XKB_KEY_XF86Switch_VT_2, true,
                              config::kModCtrl | config::kModAlt | config::kModSuper);
    EXPECT_EQ(r.command, (HostCommand{Kind::SwitchVt, 2}));
    EXPECT_TRUE(r.guest.empty());
}

TEST(HostKeys, OtherHostKeysConfiguration)
{
    config::Config c = config::default_config();
    c.session.host_keys.modifiers = config::kModCtrl | config::kModAlt;
    c.keys.next_vm = {config::kModShift, "Right", XKB_KEY_Right};
    Seat s(c);
    // Ctrl+Alt+F2 is now the VT switch.
    s.press(KEY_LEFTCTRL);
    s.press(KEY_LEFTALT);
    s.tap(KEY_F2);
    // Ctrl+Alt+Right is not next_vm any more, Ctrl+Alt+Shift+Right is.
    s.tap(KEY_RIGHT);
    EXPECT_EQ(s.commands, (Commands{{Kind::SwitchVt, 2}}));
    EXPECT_EQ(s.take(),
              (Keys{down(KEY_LEFTCTRL), down(KEY_LEFTALT), down(KEY_RIGHT), up(KEY_RIGHT)}));
    s.commands.clear();
    s.press(KEY_LEFTSHIFT);
    s.tap(KEY_RIGHT);
    EXPECT_EQ(s.commands, (Commands{{Kind::NextVm, 0}}));
    // Ctrl and Alt were already in the guest: released there before the
    // command; Shift was held back and never sent.
    EXPECT_EQ(s.take(), (Keys{up(KEY_LEFTALT), up(KEY_LEFTCTRL)}));
    s.release(KEY_LEFTSHIFT);
    s.release(KEY_LEFTALT);
    s.release(KEY_LEFTCTRL);
    EXPECT_TRUE(s.take().empty());
}

TEST(HostKeys, NoHostModifiersMeansNoCommands)
{
    config::Config c = config::default_config();
    c.session.host_keys.modifiers = 0;
    Seat s(c);
    s.tap(KEY_RIGHT);
    s.tap(KEY_F2);
    s.tap(KEY_LEFTCTRL);
    EXPECT_TRUE(s.commands.empty());
    EXPECT_EQ(s.take().size(), 6u);
}

TEST(HostKeys, LoneModifierTapReachesTheGuestInOrder)
{
    Seat s;
    s.tap(KEY_LEFTMETA);
    EXPECT_EQ(s.take(), (Keys{down(KEY_LEFTMETA), up(KEY_LEFTMETA)}));
    s.press(KEY_LEFTCTRL);
    s.press(KEY_LEFTALT);
    EXPECT_TRUE(s.take().empty()); // held back
    s.release(KEY_LEFTCTRL);
    s.release(KEY_LEFTALT);
    EXPECT_EQ(s.take(),
              (Keys{down(KEY_LEFTCTRL), down(KEY_LEFTALT), up(KEY_LEFTCTRL), up(KEY_LEFTALT)}));
}

TEST(HostKeys, PointerInputDeliversHeldBackModifiersFirst)
{
    Seat s;
    s.press(KEY_LEFTCTRL);
    EXPECT_TRUE(s.take().empty());
    s.pointer(); // Ctrl+click
    EXPECT_EQ(s.take(), (Keys{down(KEY_LEFTCTRL)}));
    s.release(KEY_LEFTCTRL);
    EXPECT_EQ(s.take(), (Keys{up(KEY_LEFTCTRL)}));
}

TEST(HostKeys, ModifiersAlreadySentAreReleasedBeforeTheCommand)
{
    Seat s;
    s.press(KEY_LEFTCTRL);
    s.pointer(); // Ctrl reaches the guest
    s.press(KEY_LEFTALT);
    s.press(KEY_LEFTMETA);
    s.press(KEY_RIGHT);
    EXPECT_EQ(s.commands.size(), 1u);
    EXPECT_EQ(s.take(), (Keys{down(KEY_LEFTCTRL), up(KEY_LEFTCTRL)}));
    s.release(KEY_RIGHT);
    release_host(s);
    EXPECT_TRUE(s.take().empty()); // their physical releases are swallowed
}

TEST(HostKeys, ModifierPressedWhileAKeyIsDownIsNotHeldBack)
{
    Seat s;
    s.press(KEY_W); // walking in a game
    s.press(KEY_LEFTCTRL);
    EXPECT_EQ(s.take(), (Keys{down(KEY_W), down(KEY_LEFTCTRL)}));
    s.press(KEY_LEFTALT);
    s.press(KEY_LEFTMETA);
    s.tap(KEY_RIGHT); // still a command; the guest's modifiers come up first
    EXPECT_EQ(s.commands.size(), 1u);
    EXPECT_EQ(s.take(), (Keys{down(KEY_LEFTALT), down(KEY_LEFTMETA), up(KEY_LEFTMETA),
                              up(KEY_LEFTALT), up(KEY_LEFTCTRL)}));
    s.release(KEY_W); // W was typed, its release is too
    release_host(s);
    EXPECT_EQ(s.take(), (Keys{up(KEY_W)}));
}

TEST(HostKeys, ModifiersStillHeldAfterACommandComeBackForTheNextKey)
{
    Seat s;
    press_host(s);
    s.tap(KEY_RIGHT);
    s.release(KEY_LEFTMETA);
    EXPECT_TRUE(s.take().empty());
    s.tap(KEY_C); // Ctrl+Alt+C, as typed
    EXPECT_EQ(s.take(), (Keys{down(KEY_LEFTCTRL), down(KEY_LEFTALT), down(KEY_C), up(KEY_C)}));
    s.release(KEY_LEFTALT);
    s.release(KEY_LEFTCTRL);
    EXPECT_EQ(s.take(), (Keys{up(KEY_LEFTALT), up(KEY_LEFTCTRL)}));
}

TEST(HostKeys, GuestChangedHoldsModifiersBackAndForgetsKeys)
{
    Seat s;
    s.press(KEY_LEFTSHIFT);
    s.press(KEY_A);
    s.take();
    s.host.guest_changed(); // the router released both in the old guest
    s.release(KEY_A);
    EXPECT_TRUE(s.take().empty());
    s.tap(KEY_C); // Shift is still down: the new guest gets it first
    EXPECT_EQ(s.take(), (Keys{down(KEY_LEFTSHIFT), down(KEY_C), up(KEY_C)}));
}

TEST(HostKeys, RepeatsAndStrayReleasesAreDropped)
{
    Seat s;
    s.release(KEY_A);
    s.press(KEY_A);
    s.press(KEY_A);
    s.release(KEY_A);
    s.release(KEY_A);
    EXPECT_EQ(s.take(), (Keys{down(KEY_A), up(KEY_A)}));
}

TEST(HostKeys, CodesAboveKeyMaxAreDropped)
{
    Seat s;
    s.tap(KEY_MAX + 1);
    s.tap(0xffffffffu);
    EXPECT_TRUE(s.take().empty());
}

TEST(HostKeys, TwoKeyboardsOnOneSeat)
{
    Seat s;
    s.press(KEY_LEFTCTRL, kKbd);
    s.tap(KEY_A, kKbd2); // the other keyboard types: Ctrl goes first
    s.release(KEY_LEFTCTRL, kKbd);
    EXPECT_EQ(s.take(), (Keys{down(KEY_LEFTCTRL, kKbd), down(KEY_A, kKbd2), up(KEY_A, kKbd2),
                              up(KEY_LEFTCTRL, kKbd)}));
}

TEST(HostKeys, ChordSplitAcrossTwoKeyboardsRunsTheCommand)
{
    Seat s;
    s.press(KEY_LEFTCTRL, kKbd);
    s.press(KEY_LEFTALT, kKbd);
    s.press(KEY_LEFTMETA, kKbd2); // the rest of host_keys on the other keyboard
    s.tap(KEY_RIGHT, kKbd);
    s.tap(KEY_I, kKbd2);
    EXPECT_EQ(s.commands, (Commands{{Kind::NextVm, 0}, {Kind::Identify, 0}}));
    s.release(KEY_LEFTMETA, kKbd2);
    s.release(KEY_LEFTCTRL, kKbd);
    s.release(KEY_LEFTALT, kKbd);
    EXPECT_TRUE(s.take().empty()) << "a key of the chord reached the guest";
    s.tap(KEY_A, kKbd2);
    EXPECT_EQ(s.take(), (Keys{down(KEY_A, kKbd2), up(KEY_A, kKbd2)}));
}

TEST(HostKeys, AllModifiersOnOneKeyboardCommandKeyOnTheOther)
{
    Seat s;
    press_host(s);
    s.tap(KEY_F2, kKbd2);
    release_host(s);
    EXPECT_EQ(s.commands, (Commands{{Kind::SwitchVt, 2}}));
    EXPECT_TRUE(s.take().empty());
}

TEST(HostKeys, SplitChordReleasesModifiersTheGuestAlreadyHas)
{
    Seat s;
    s.press(KEY_LEFTCTRL, kKbd);
    s.pointer(); // Ctrl+click: Ctrl is in the guest
    s.press(KEY_LEFTALT, kKbd2);
    s.press(KEY_LEFTMETA, kKbd2);
    s.tap(KEY_RIGHT, kKbd2);
    EXPECT_EQ(s.commands.size(), 1u);
    EXPECT_EQ(s.take(), (Keys{down(KEY_LEFTCTRL, kKbd), up(KEY_LEFTCTRL, kKbd)}));
    s.release(KEY_LEFTCTRL, kKbd);
    s.release(KEY_LEFTALT, kKbd2);
    s.release(KEY_LEFTMETA, kKbd2);
    EXPECT_TRUE(s.take().empty());
}

TEST(HostKeys, ForgottenKeyboardsModifiersNoLongerCount)
{
    Seat s;
    s.press(KEY_LEFTCTRL, kKbd);
    s.press(KEY_LEFTALT, kKbd);
    s.host.forget(kKbd); // the keyboard moved to another seat
    s.press(KEY_LEFTMETA, kKbd2);
    s.tap(KEY_RIGHT, kKbd2);
    EXPECT_TRUE(s.commands.empty());
    EXPECT_EQ(s.take(),
              (Keys{down(KEY_LEFTMETA, kKbd2), down(KEY_RIGHT, kKbd2), up(KEY_RIGHT, kKbd2)}));
}

// Each seat has its own HostKeys: modifiers held on one seat's keyboard do
// not make a command of another seat's key.
TEST(HostKeys, AnotherSeatsModifiersNeverCombine)
{
    Seat left, right;
    left.press(KEY_LEFTCTRL, kKbd);
    left.press(KEY_LEFTALT, kKbd);
    left.press(KEY_LEFTMETA, kKbd);
    right.tap(KEY_RIGHT, kKbd2);
    EXPECT_TRUE(left.commands.empty());
    EXPECT_TRUE(right.commands.empty());
    EXPECT_EQ(right.take(), (Keys{down(KEY_RIGHT, kKbd2), up(KEY_RIGHT, kKbd2)}));
}

TEST(HostKeys, ForgetDropsAHeldBackPress)
{
    Seat s;
    s.press(KEY_LEFTCTRL, kKbd);
    s.host.forget(kKbd);
    s.tap(KEY_A, kKbd2);
    s.release(KEY_LEFTCTRL, kKbd);
    EXPECT_EQ(s.take(), (Keys{down(KEY_A, kKbd2), up(KEY_A, kKbd2)}));
}

// Random typing on two keyboards, with pointer input in between: the guest
// stream is well formed (a release only after its press, no double press),
// a command key never reaches the guest, and once every key is let go the
// guest holds nothing.
TEST(HostKeys, RandomTypingNeverLeavesAKeyDownOrLeaksACommandKey)
{
    const std::uint32_t keys[] = {KEY_LEFTCTRL, KEY_LEFTALT, KEY_LEFTMETA, KEY_LEFTSHIFT,
                                  KEY_RIGHT,    KEY_LEFT,    KEY_I,        KEY_A,
                                  KEY_F2,       KEY_CAPSLOCK};
    std::mt19937 rng(7);
    Seat s;
    std::set<std::pair<DeviceId, std::uint32_t>> in_guest;
    std::set<std::pair<DeviceId, std::uint32_t>> command_keys; // down and swallowed
    std::size_t commands = 0, typed = 0;
    const auto check = [&] {
        for (const GuestKey &k : s.take()) {
            const auto id = std::pair{k.device, k.evdev};
            ASSERT_FALSE(command_keys.contains(id)) << "command key " << k.evdev << " leaked";
            if (k.pressed)
                ASSERT_TRUE(in_guest.insert(id).second) << "double press of " << k.evdev;
            else
                ASSERT_EQ(in_guest.erase(id), 1u) << "release without press of " << k.evdev;
            typed += k.pressed;
        }
    };
    for (int i = 0; i < 200000; ++i) {
        const DeviceId dev = 1 + rng() % 2;
        const std::uint32_t key = keys[rng() % std::size(keys)];
        if (rng() % 10 == 0) {
            s.pointer();
        } else {
            const bool pressed = !s.physical[dev].contains(key);
            s.event(dev, key, pressed);
            if (s.commands.size() > commands) {
                commands = s.commands.size();
                command_keys.insert({dev, key});
            }
            check();
            if (!pressed)
                command_keys.erase({dev, key});
        }
        check();
        if (::testing::Test::HasFatalFailure())
            return;
    }
    for (DeviceId dev : {kKbd, kKbd2}) {
        for (std::uint32_t key : std::set(s.physical[dev]))
            s.release(key, dev);
    }
    check();
    EXPECT_TRUE(in_guest.empty());
    EXPECT_GT(commands, 100u);
    EXPECT_GT(typed, 10000u);
}

} // namespace
} // namespace phyllome::input
