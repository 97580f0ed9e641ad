// The host-key layer of one seat: `host_keys` plus a `[keys]` key runs a
// session command; `host_keys` plus F1..F12 switches the virtual terminal.
// Everything else reaches the guest as typed.
//
// The rule, which guarantees that no key sticks in the guest and that the
// guest never sees a partial command:
//
// 1. The key that completes a command (the `[keys]` key or the F key) never
//    reaches the guest: not its press, not its release.
// 2. A modifier press that could begin a command (Shift, Ctrl, Alt or Super
//    whose bit appears in some command's chord, while the modifiers held
//    stay within one, and no other key is down in the guest) is held back.
//    If a command follows, the guest never sees it either. It is delivered,
//    in the order typed, just before the next thing the seat sends the guest
//    (a key that is not a command, any pointer input), or as a tap when it
//    is released first: so a chord that is not a command arrives as typed,
//    Ctrl+click works, and a lone Super tap still opens the guest's menu.
// 3. Modifiers already delivered when a command completes (held since
//    before a click, or pressed while another key was down) are released in
//    the guest before the command runs. While still physically held they
//    are held back again, silently: a release is dropped, another key
//    delivers them first (host_keys+Right twice switches twice; releasing
//    Super and typing C types Ctrl+Alt+C).
// 4. The guest only ever gets a release for a press it got, once.
//
// Chords are per seat, not per keyboard: the modifiers that count are those
// the key's keyboard reports plus the chord modifiers held down on the
// seat's other keyboards (Ctrl+Alt on one keyboard and Super+Right on
// another switch VMs). Another seat's keys never count: each seat has its
// own HostKeys.
//
// Command matching: the significant modifiers (Shift, Ctrl, Alt, Super;
// Caps and Num Lock, AltGr are ignored) must equal host_keys plus the
// command's own modifiers exactly, and the keysym lower-cased must equal the
// command's. F1..F12 are recognised by evdev code, since xkb turns Ctrl+Alt+
// F1 into XF86Switch_VT_1. A `[keys]` entry wins over a VT switch. With no
// host_keys modifiers nothing is a command.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "config/config.hpp"
#include "input/held.hpp"

namespace phyllome::input {

struct HostCommand {
    enum class Kind {
        NextVm,
        PrevVm,
        StartVm,
        ShutdownVm,
        Identify,
        ReleaseInput,
        SwitchVt,
        ClipboardTake,
        ClipboardGive,
    };
    Kind kind = Kind::NextVm;
    int vt = 0; // 1..12 for SwitchVt

    bool operator==(const HostCommand &) const = default;
};

// One key transition for the guest, as evdev code.
struct GuestKey {
    DeviceId device;
    std::uint32_t evdev;
    bool pressed;

    bool operator==(const GuestKey &) const = default;
};

// Shift, Ctrl, Alt, Super: the config::Modifier bits a chord can hold.
inline constexpr std::uint32_t kChordModifiers =
    config::kModShift | config::kModCtrl | config::kModAlt | config::kModSuper;

// The chord bit of a modifier keysym (Shift_L/R, Control_L/R, Alt_L/R and
// Meta_L/R, Super_L/R and Hyper_L/R), else 0.
std::uint32_t modifier_bit(std::uint32_t keysym);

class HostKeys {
public:
    struct Result {
        std::vector<GuestKey> guest;        // to send, in order
        std::optional<HostCommand> command; // to run after them
    };

    explicit HostKeys(const config::Config &config);
    // New chords; held keys keep their state.
    void configure(const config::Config &config);

    // A physical key transition of a keyboard on this seat. `keysym` as xkb
    // gives it for the key (case does not matter); `modifiers` that
    // keyboard's own config::Modifier / WLR_MODIFIER_* bits, before or after
    // the key's own effect (the seat's other keyboards are added here). A
    // repeated press and a release of a key not down give nothing.
    Result key(DeviceId device, std::uint32_t evdev, std::uint32_t keysym, bool pressed,
               std::uint32_t modifiers);

    // Other input of the seat goes to the guest now: returns the held-back
    // modifier presses to send before it.
    std::vector<GuestKey> flush();

    // The seat's guest changed, and everything it was sent is already
    // released there: modifiers still down are held back silently (so the
    // new guest gets them before the next key) and other keys are forgotten.
    void guest_changed();

    // The device left the seat; what it sent is released by the router.
    void forget(DeviceId device);

private:
    enum class State {
        Sent,      // the guest got the press
        HeldBack,  // the press is kept until something else goes to the guest
        Swallowed, // a command key: its release is dropped
    };
    struct Down {
        DeviceId device;
        std::uint32_t evdev;
        std::uint32_t modifier; // its chord modifier bit (modifier_bit), 0: not one
        State state;
        bool tap; // HeldBack only: a release delivers press and release
    };

    std::optional<HostCommand> match(std::uint32_t evdev, std::uint32_t keysym,
                                     std::uint32_t modifiers) const;
    // Whether holding these modifiers may still end in a command.
    bool reachable(std::uint32_t modifiers) const;
    void flush_into(std::vector<GuestKey> &out);
    // Chord modifiers held on the seat's keyboards other than `device`.
    std::uint32_t modifiers_elsewhere(DeviceId device) const;

    struct Chord {
        std::uint32_t modifiers; // host_keys plus the command's own
        std::uint32_t keysym;    // lower-cased
        HostCommand::Kind kind;
    };
    std::uint32_t host_modifiers_ = 0;
    std::vector<Chord> chords_;

    std::vector<Down> down_; // in press order
};

} // namespace phyllome::input
