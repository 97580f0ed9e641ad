#include "input/host_keys.hpp"

#include <algorithm>

#include <linux/input-event-codes.h>
#include <xkbcommon/xkbcommon.h>

namespace phyllome::input {

namespace {

// F1..F12 by evdev code: F11 and F12 are not next to F10.
std::optional<int> function_key_number(std::uint32_t evdev)
{
    if (evdev >= KEY_F1 && evdev <= KEY_F10)
        return static_cast<int>(evdev - KEY_F1 + 1);
    if (evdev == KEY_F11)
        return 11;
    if (evdev == KEY_F12)
        return 12;
    return std::nullopt;
}

} // namespace

std::uint32_t modifier_bit(std::uint32_t keysym)
{
    switch (keysym) {
    case XKB_KEY_Shift_L:
    case XKB_KEY_Shift_R:
        return config::kModShift;
    case XKB_KEY_Control_L:
    case XKB_KEY_Control_R:
        return config::kModCtrl;
    case XKB_KEY_Alt_L:
    case XKB_KEY_Alt_R:
    case XKB_KEY_Meta_L:
    case XKB_KEY_Meta_R:
        return config::kModAlt;
    case XKB_KEY_Super_L:
    case XKB_KEY_Super_R:
    case XKB_KEY_Hyper_L:
    case XKB_KEY_Hyper_R:
        return config::kModSuper;
    default:
        return 0;
    }
}

HostKeys::HostKeys(const config::Config &config)
{
    configure(config);
}

void HostKeys::configure(const config::Config &config)
{
    host_modifiers_ = config.session.host_keys.modifiers & kChordModifiers;
    chords_.clear();
    const auto add = [&](const config::KeyChord &chord, HostCommand::Kind kind) {
        if (chord.keysym != 0) {
            chords_.push_back({host_modifiers_ | (chord.modifiers & kChordModifiers),
                               xkb_keysym_to_lower(chord.keysym), kind});
        }
    };
    const config::Keys &k = config.keys;
    add(k.next_vm, HostCommand::Kind::NextVm);
    add(k.prev_vm, HostCommand::Kind::PrevVm);
    add(k.start_vm, HostCommand::Kind::StartVm);
    add(k.shutdown_vm, HostCommand::Kind::ShutdownVm);
    add(k.identify, HostCommand::Kind::Identify);
    add(k.release_input, HostCommand::Kind::ReleaseInput);
    add(k.clipboard_take, HostCommand::Kind::ClipboardTake);
    add(k.clipboard_give, HostCommand::Kind::ClipboardGive);
}

std::optional<HostCommand> HostKeys::match(std::uint32_t evdev, std::uint32_t keysym,
                                           std::uint32_t modifiers) const
{
    if (host_modifiers_ == 0)
        return std::nullopt;
    const std::uint32_t held = modifiers & kChordModifiers;
    const std::uint32_t lower = xkb_keysym_to_lower(keysym);
    for (const Chord &c : chords_) {
        if (held == c.modifiers && lower == c.keysym)
            return HostCommand{c.kind, 0};
    }
    if (held == host_modifiers_) {
        if (const auto n = function_key_number(evdev))
            return HostCommand{HostCommand::Kind::SwitchVt, *n};
    }
    return std::nullopt;
}

bool HostKeys::reachable(std::uint32_t modifiers) const
{
    if (host_modifiers_ == 0)
        return false;
    const std::uint32_t held = modifiers & kChordModifiers;
    const auto within = [held](std::uint32_t chord) {
        return (held & ~chord) == 0;
    };
    return within(host_modifiers_) ||
           std::any_of(chords_.begin(), chords_.end(),
                       [&](const Chord &c) { return within(c.modifiers); });
}

HostKeys::Result HostKeys::key(DeviceId device, std::uint32_t evdev, std::uint32_t keysym,
                               bool pressed, std::uint32_t modifiers)
{
    Result result;
    if (evdev > KEY_MAX)
        return result; // not a key: bad input, and unbounded state if kept
    const auto it = std::find_if(down_.begin(), down_.end(), [&](const Down &d) {
        return d.device == device && d.evdev == evdev;
    });

    if (!pressed) {
        if (it == down_.end())
            return result; // never pressed, or forgotten
        if (it->state == State::HeldBack && it->tap) {
            // A modifier tap: the guest gets it with everything held back,
            // in the order typed.
            flush_into(result.guest);
        }
        if (it->state == State::Sent)
            result.guest.push_back({device, evdev, false});
        down_.erase(it); // flush_into does not move elements
        return result;
    }

    if (it != down_.end())
        return result; // no release in between: not a physical transition

    const std::uint32_t bit = modifier_bit(keysym);
    const std::uint32_t seat_modifiers = modifiers | modifiers_elsewhere(device);
    if (auto command = match(evdev, keysym, seat_modifiers)) {
        // Rule 3: modifiers the guest has are released before the command;
        // all chord modifiers still down wait silently.
        for (auto d = down_.rbegin(); d != down_.rend(); ++d) {
            if (!d->modifier)
                continue;
            if (d->state == State::Sent)
                result.guest.push_back({d->device, d->evdev, false});
            if (d->state != State::Swallowed) {
                d->state = State::HeldBack;
                d->tap = false;
            }
        }
        down_.push_back({device, evdev, bit, State::Swallowed, false});
        result.command = command;
        return result;
    }

    const bool other_key_in_guest = std::any_of(down_.begin(), down_.end(), [](const Down &d) {
        return !d.modifier && d.state == State::Sent;
    });
    if (bit != 0 && !other_key_in_guest && reachable(seat_modifiers | bit)) {
        down_.push_back({device, evdev, bit, State::HeldBack, true});
        return result;
    }

    flush_into(result.guest);
    result.guest.push_back({device, evdev, true});
    down_.push_back({device, evdev, bit, State::Sent, false});
    return result;
}

std::uint32_t HostKeys::modifiers_elsewhere(DeviceId device) const
{
    std::uint32_t bits = 0;
    for (const Down &d : down_) {
        if (d.device != device)
            bits |= d.modifier;
    }
    return bits;
}

std::vector<GuestKey> HostKeys::flush()
{
    std::vector<GuestKey> out;
    flush_into(out);
    return out;
}

void HostKeys::flush_into(std::vector<GuestKey> &out)
{
    for (Down &d : down_) {
        if (d.state == State::HeldBack) {
            out.push_back({d.device, d.evdev, true});
            d.state = State::Sent;
        }
    }
}

void HostKeys::guest_changed()
{
    for (Down &d : down_) {
        if (d.state != State::Sent)
            continue;
        if (d.modifier) {
            d.state = State::HeldBack;
            d.tap = false;
        } else {
            d.state = State::Swallowed; // its press went to the old guest
        }
    }
}

void HostKeys::forget(DeviceId device)
{
    std::erase_if(down_, [device](const Down &d) { return d.device == device; });
}

} // namespace phyllome::input
