#include "input/router.hpp"

#include <algorithm>
#include <cmath>

#include <linux/input-event-codes.h>

#include "config/assignment.hpp"
#include "input/qnum.hpp"

namespace phyllome::input {

namespace {

// Larger relative motion from one event is bad input, clamped.
constexpr double kMaxMotion = 32767.0;

std::int32_t take_whole(double &pending)
{
    const double whole = std::trunc(pending);
    pending -= whole;
    return static_cast<std::int32_t>(whole);
}

} // namespace

std::optional<std::uint32_t> evdev_to_qemu_button(std::uint32_t evdev_button)
{
    switch (evdev_button) {
    case BTN_LEFT:
        return qemu_button::kLeft;
    case BTN_RIGHT:
        return qemu_button::kRight;
    case BTN_MIDDLE:
        return qemu_button::kMiddle;
    case BTN_SIDE:
        return qemu_button::kSide;
    case BTN_EXTRA:
        return qemu_button::kExtra;
    default:
        return std::nullopt;
    }
}

bool InputRouter::Seat::binds(const VmInput *sink) const
{
    return vm == sink || std::any_of(heads.begin(), heads.end(),
                                     [sink](const Head &h) { return h.console == sink; });
}

InputRouter::InputRouter(const config::Config &config) : config_(config)
{
    for (const config::Seat &s : config_.seats)
        seats_.push_back(std::make_unique<Seat>(s.name, config_));
}

// Devices

std::optional<std::string> InputRouter::add_device(DeviceId device,
                                                   const config::DeviceIdentity &identity)
{
    remove_device(device);
    Device &d = devices_[device];
    d.identity = identity;
    const auto index = config::seat_for_device(config_, identity);
    if (!index)
        return std::nullopt;
    d.seat = seats_[*index].get();
    return d.seat->name;
}

void InputRouter::remove_device(DeviceId device)
{
    const auto it = devices_.find(device);
    if (it == devices_.end())
        return;
    leave_seat(device, it->second);
    devices_.erase(it);
}

std::optional<std::string> InputRouter::seat_of(DeviceId device) const
{
    const auto it = devices_.find(device);
    if (it == devices_.end() || it->second.seat == nullptr)
        return std::nullopt;
    return it->second.seat->name;
}

std::vector<DeviceId> InputRouter::devices_on(std::string_view seat) const
{
    std::vector<DeviceId> out;
    for (const auto &[id, d] : devices_) {
        if (d.seat != nullptr && d.seat->name == seat)
            out.push_back(id);
    }
    std::sort(out.begin(), out.end());
    return out;
}

void InputRouter::leave_seat(DeviceId id, Device &device)
{
    held_.release_all(id);
    if (device.seat != nullptr)
        device.seat->host.forget(id);
    device.seat = nullptr;
    device.motion_x = device.motion_y = 0.0;
    for (ScrollAccumulator &s : device.scroll)
        s.reset();
}

std::vector<DeviceId> InputRouter::reload(const config::Config &config)
{
    // Seats by name: one that stays keeps its object, so its VM and held
    // state; whatever is left in seats_ afterwards is going away.
    std::vector<std::unique_ptr<Seat>> next;
    for (const config::Seat &s : config.seats) {
        const auto old = std::find_if(seats_.begin(), seats_.end(), [&](const auto &p) {
            return p != nullptr && p->name == s.name;
        });
        if (old != seats_.end()) {
            next.push_back(std::move(*old));
            next.back()->host.configure(config);
        } else {
            next.push_back(std::make_unique<Seat>(s.name, config));
        }
    }

    std::vector<DeviceId> moved;
    for (auto &[id, d] : devices_) {
        const auto index = config::seat_for_device(config, d.identity);
        Seat *target = index ? next[*index].get() : nullptr;
        if (target == d.seat)
            continue;
        leave_seat(id, d);
        d.seat = target;
        moved.push_back(id);
    }
    std::sort(moved.begin(), moved.end());

    for (auto &gone : seats_) {
        if (gone != nullptr)
            unbind(*gone);
    }
    seats_ = std::move(next);
    config_ = config;
    return moved;
}

// Seats and their sinks

InputRouter::Seat *InputRouter::find_seat(std::string_view name) const
{
    for (const auto &s : seats_) {
        if (s->name == name)
            return s.get();
    }
    return nullptr;
}

bool InputRouter::bound_elsewhere(const VmInput *sink, const Seat &seat) const
{
    return std::any_of(seats_.begin(), seats_.end(),
                       [&](const auto &s) { return s.get() != &seat && s->binds(sink); });
}

void InputRouter::unbind(Seat &seat)
{
    if (seat.vm != nullptr)
        held_.release_all_in(*seat.vm);
    for (const Head &h : seat.heads) {
        if (h.console != nullptr)
            held_.release_all_in(*h.console);
    }
    seat.vm = nullptr;
    seat.heads.clear();
    seat.pointer = nullptr;
    seat.host.guest_changed();
}

bool InputRouter::set_seat_vm(std::string_view seat_name, VmInput *vm)
{
    Seat *seat = find_seat(seat_name);
    if (seat == nullptr || (vm != nullptr && bound_elsewhere(vm, *seat)))
        return false;
    if (vm == seat->vm)
        return true;
    unbind(*seat);
    seat->vm = vm;
    return true;
}

bool InputRouter::set_seat_heads(std::string_view seat_name, std::vector<Head> heads)
{
    Seat *seat = find_seat(seat_name);
    if (seat == nullptr)
        return false;
    for (const Head &h : heads) {
        if (h.console != nullptr && bound_elsewhere(h.console, *seat))
            return false;
    }
    // Consoles no longer shown release what they hold.
    for (const Head &old : seat->heads) {
        const bool kept = old.console == seat->vm ||
                          std::any_of(heads.begin(), heads.end(),
                                      [&](const Head &h) { return h.console == old.console; });
        if (old.console != nullptr && !kept)
            held_.release_all_in(*old.console);
    }
    seat->heads = std::move(heads);
    if (seat->pointer != nullptr && !seat->binds(seat->pointer))
        seat->pointer = nullptr;
    return true;
}

void InputRouter::remove_vm(const VmInput &vm)
{
    for (auto &s : seats_) {
        if (s->vm == &vm) {
            unbind(*s);
            continue;
        }
        for (Head &h : s->heads) {
            if (h.console == &vm)
                h = Head{}; // its frame is gone with it
        }
        if (s->pointer == &vm)
            s->pointer = nullptr;
    }
    held_.release_all_in(vm);
}

// Events

InputRouter::Device *InputRouter::route(DeviceId device)
{
    const auto it = devices_.find(device);
    if (it == devices_.end() || it->second.seat == nullptr)
        return nullptr;
    return &it->second;
}

void InputRouter::send_key(Seat &seat, const GuestKey &key)
{
    const auto qnum = evdev_to_qnum(key.evdev);
    if (!qnum)
        return;
    if (!key.pressed)
        held_.release(key.device, HeldKind::Key, key.evdev);
    else if (seat.vm != nullptr)
        held_.press(key.device, HeldKind::Key, key.evdev, *qnum, *seat.vm);
}

void InputRouter::key(DeviceId device, std::uint32_t evdev, std::uint32_t keysym, bool pressed,
                      std::uint32_t modifiers)
{
    Device *d = route(device);
    if (d == nullptr)
        return;
    Seat &seat = *d->seat;
    const HostKeys::Result result = seat.host.key(device, evdev, keysym, pressed, modifiers);
    for (const GuestKey &k : result.guest)
        send_key(seat, k);
    if (result.command && on_command_) {
        // The handler may reload or switch VMs: touch nothing after it.
        const std::string name = seat.name;
        on_command_(name, *result.command);
    }
}

InputRouter::Seat *InputRouter::pointer_event(Device &device)
{
    Seat &seat = *device.seat;
    for (const GuestKey &k : seat.host.flush())
        send_key(seat, k);
    return &seat;
}

void InputRouter::deliver_held_back()
{
    for (auto &s : seats_) {
        for (const GuestKey &k : s->host.flush())
            send_key(*s, k);
    }
}

void InputRouter::button(DeviceId device, std::uint32_t evdev_button, bool pressed)
{
    Device *d = route(device);
    if (d == nullptr)
        return;
    Seat &seat = *pointer_event(*d);
    const auto b = evdev_to_qemu_button(evdev_button);
    if (!b)
        return;
    if (!pressed)
        held_.release(device, HeldKind::Button, evdev_button);
    else if (VmInput *sink = seat.pointer_sink())
        held_.press(device, HeldKind::Button, evdev_button, *b, *sink);
}

void InputRouter::motion_absolute(DeviceId device, std::size_t output, double x, double y)
{
    Device *d = route(device);
    if (d == nullptr)
        return;
    Seat &seat = *pointer_event(*d);
    if (seat.vm == nullptr || output >= seat.heads.size())
        return;
    const Head &head = seat.heads[output];
    const auto pixel = vmview::output_to_frame(head.placement, x, y);
    if (!pixel)
        return; // over a letterbox bar or an output showing nothing
    VmInput *sink = head.console != nullptr ? head.console : seat.vm;
    seat.pointer = sink;
    if (sink->absolute())
        sink->move_absolute(pixel->first, pixel->second);
}

void InputRouter::motion_relative(DeviceId device, double dx, double dy)
{
    Device *d = route(device);
    if (d == nullptr)
        return;
    VmInput *sink = pointer_event(*d)->pointer_sink();
    if (sink == nullptr || sink->absolute() || !std::isfinite(dx) || !std::isfinite(dy))
        return;
    // Sub-pixel motion adds up instead of being lost.
    d->motion_x += std::clamp(dx, -kMaxMotion, kMaxMotion);
    d->motion_y += std::clamp(dy, -kMaxMotion, kMaxMotion);
    const std::int32_t ix = take_whole(d->motion_x);
    const std::int32_t iy = take_whole(d->motion_y);
    if (ix != 0 || iy != 0)
        sink->move_relative(ix, iy);
}

void InputRouter::axis(DeviceId device, ScrollAxis axis, ScrollUnit unit, double value)
{
    Device *d = route(device);
    if (d == nullptr)
        return;
    VmInput *sink = pointer_event(*d)->pointer_sink();
    if (sink == nullptr)
        return;
    const int index = axis == ScrollAxis::Vertical ? 0 : 1;
    const int steps = d->scroll[index].add(value, unit);
    const std::uint32_t b = wheel_button(axis, steps > 0);
    for (int i = 0; i < std::abs(steps); ++i) {
        sink->button(b, true);
        sink->button(b, false);
    }
}

} // namespace phyllome::input
