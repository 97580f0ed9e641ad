#include "config/diff.hpp"

#include <ostream>

namespace phyllome::config {

namespace {

VmAspects compare(const Config &old_cfg, const Vm &a, const Config &new_cfg, const Vm &b)
{
    VmAspects changed;
    changed.uri = effective_uri(old_cfg, a) != effective_uri(new_cfg, b);
    changed.autostart = a.autostart != b.autostart;
    changed.scaling = a.scaling != b.scaling;
    changed.follow_output = a.follow_output != b.follow_output;
    changed.audio_when_hidden = a.audio_when_hidden != b.audio_when_hidden;
    changed.usb_classes = a.usb_classes != b.usb_classes;
    return changed;
}

SeatAspects compare(const Seat &a, const Seat &b)
{
    SeatAspects changed;
    changed.vm = a.vm != b.vm;
    changed.vms = a.all_vms != b.all_vms || a.vms != b.vms;
    changed.outputs = a.all_outputs != b.all_outputs || a.outputs != b.outputs;
    changed.devices = a.devices != b.devices;
    changed.audio = a.audio_out != b.audio_out || a.audio_in != b.audio_in;
    changed.usb = a.usb != b.usb || a.usb_on_switch != b.usb_on_switch;
    return changed;
}

Action named(Action::Kind kind, const std::string &name)
{
    Action action;
    action.kind = kind;
    action.name = name;
    return action;
}

// The names of `seats` that also appear in `other`, in the order of `seats`.
std::vector<std::string> kept_seat_order(const std::vector<Seat> &seats, const Config &other)
{
    std::vector<std::string> names;
    for (const auto &seat : seats) {
        if (other.find_seat(seat.name))
            names.push_back(seat.name);
    }
    return names;
}

void append_aspect(std::string &out, bool set, const char *name)
{
    if (!set)
        return;
    out += out.back() == ':' ? " " : ", ";
    out += name;
}

} // namespace

std::vector<Action> diff(const Config &old_cfg, const Config &new_cfg)
{
    std::vector<Action> actions;

    for (const auto &seat : old_cfg.seats) {
        if (!new_cfg.find_seat(seat.name)) {
            actions.push_back(named(Action::Kind::SeatRemoved, seat.name));
        }
    }
    for (const auto &vm : old_cfg.vms) {
        if (!new_cfg.find_vm(vm.name)) {
            actions.push_back(named(Action::Kind::VmRemoved, vm.name));
        }
    }
    for (const auto &vm : new_cfg.vms) {
        if (!old_cfg.find_vm(vm.name)) {
            actions.push_back(named(Action::Kind::VmAdded, vm.name));
        }
    }
    for (const auto &vm : new_cfg.vms) {
        const Vm *before = old_cfg.find_vm(vm.name);
        if (!before)
            continue;
        const VmAspects changed = compare(old_cfg, *before, new_cfg, vm);
        if (!changed.any())
            continue;
        Action action = named(Action::Kind::VmChanged, vm.name);
        action.vm = changed;
        actions.push_back(std::move(action));
    }
    for (const auto &seat : new_cfg.seats) {
        const Seat *before = old_cfg.find_seat(seat.name);
        if (!before)
            continue;
        const SeatAspects changed = compare(*before, seat);
        if (!changed.any())
            continue;
        Action action = named(Action::Kind::SeatChanged, seat.name);
        action.seat = changed;
        actions.push_back(std::move(action));
    }
    for (const auto &seat : new_cfg.seats) {
        if (!old_cfg.find_seat(seat.name)) {
            actions.push_back(named(Action::Kind::SeatAdded, seat.name));
        }
    }
    // Device rules are tried seat by seat in file order, so reordering seats
    // can move a device even when no seat's own settings changed.
    if (kept_seat_order(old_cfg.seats, new_cfg) != kept_seat_order(new_cfg.seats, old_cfg)) {
        actions.push_back(named(Action::Kind::SeatOrderChanged, {}));
    }
    if (old_cfg.session.host_keys != new_cfg.session.host_keys || old_cfg.keys != new_cfg.keys) {
        actions.push_back(named(Action::Kind::KeysChanged, {}));
    }
    return actions;
}

std::string to_string(const Action &action)
{
    const std::string seat = "seat '" + action.name + "'";
    const std::string vm = "vm '" + action.name + "'";
    std::string out;
    switch (action.kind) {
    case Action::Kind::SeatRemoved:
        return seat + " removed";
    case Action::Kind::VmRemoved:
        return vm + " removed";
    case Action::Kind::VmAdded:
        return vm + " added";
    case Action::Kind::VmChanged:
        out = vm + " changed:";
        append_aspect(out, action.vm.uri, "uri");
        append_aspect(out, action.vm.autostart, "autostart");
        append_aspect(out, action.vm.scaling, "scaling");
        append_aspect(out, action.vm.follow_output, "follow_output");
        append_aspect(out, action.vm.audio_when_hidden, "audio_when_hidden");
        append_aspect(out, action.vm.usb_classes, "usb_classes");
        return out;
    case Action::Kind::SeatChanged:
        out = seat + " changed:";
        append_aspect(out, action.seat.vm, "vm");
        append_aspect(out, action.seat.vms, "vms");
        append_aspect(out, action.seat.outputs, "outputs");
        append_aspect(out, action.seat.devices, "devices");
        append_aspect(out, action.seat.audio, "audio");
        append_aspect(out, action.seat.usb, "usb");
        return out;
    case Action::Kind::SeatAdded:
        return seat + " added";
    case Action::Kind::SeatOrderChanged:
        return "seat order changed";
    case Action::Kind::KeysChanged:
        break;
    }
    return "keys changed";
}

std::ostream &operator<<(std::ostream &out, const Action &action)
{
    return out << to_string(action);
}

} // namespace phyllome::config
