#include "input/router.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

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

std::uint32_t tablet_to_pointer_button(std::uint32_t evdev_button)
{
    switch (evdev_button) {
    case BTN_STYLUS:
        return BTN_RIGHT;
    case BTN_STYLUS2:
        return BTN_MIDDLE;
    default:
        return evdev_button;
    }
}

bool InputRouter::Seat::binds(const VmInput *sink) const
{
    return vm == sink || std::any_of(heads.begin(), heads.end(),
                                     [sink](const Head &h) { return h.console == sink; });
}

InputRouter::InputRouter(const config::Config &config, Handlers handlers)
    : config_(config), handlers_(std::move(handlers))
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
    device.touch.reset();
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

void InputRouter::release_held_in(Seat &seat)
{
    if (seat.vm != nullptr)
        held_.release_all_in(*seat.vm);
    for (const Head &h : seat.heads) {
        if (h.console != nullptr)
            held_.release_all_in(*h.console);
    }
}

void InputRouter::unbind(Seat &seat)
{
    release_held_in(seat);
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

// Releasing and grabbing input

void InputRouter::set_grabbed(Seat &seat, bool grabbed)
{
    if (seat.grabbed == grabbed)
        return;
    if (!grabbed)
        release_held_in(seat); // sent while the seat still holds the VM
    // Either way the guest now holds none of the seat's keys: modifiers
    // still down go to it again before the next key once grabbed.
    seat.host.guest_changed();
    seat.grabbed = grabbed;
    if (handlers_.grab_changed)
        handlers_.grab_changed(seat.name, grabbed);
}

bool InputRouter::set_seat_grabbed(std::string_view seat_name, bool grabbed)
{
    Seat *seat = find_seat(seat_name);
    if (seat == nullptr)
        return false;
    set_grabbed(*seat, grabbed);
    return true;
}

bool InputRouter::seat_grabbed(std::string_view seat_name) const
{
    const Seat *seat = find_seat(seat_name);
    return seat != nullptr && seat->grabbed;
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
    else if (seat.vm != nullptr && seat.grabbed)
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
    if (result.command && result.command->kind == HostCommand::Kind::ReleaseInput) {
        set_grabbed(seat, !seat.grabbed); // input state: the router's own command
        return;
    }
    if (result.command && handlers_.command) {
        // The handler may reload or switch VMs: touch nothing after it.
        const std::string name = seat.name;
        handlers_.command(name, *result.command);
    }
}

InputRouter::Seat *InputRouter::pointer_event(Device &device)
{
    Seat &seat = *device.seat;
    for (const GuestKey &k : seat.host.flush())
        send_key(seat, k);
    return seat.grabbed ? &seat : nullptr;
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
    if (!d->seat->grabbed) {
        if (pressed)
            set_grabbed(*d->seat, true); // the click that grabs goes nowhere
        return;
    }
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
    if (d == nullptr || !std::isfinite(x) || !std::isfinite(y))
        return;
    d->seat->point = Seat::Point{output, x, y};
    if (Seat *seat = pointer_event(*d))
        send_absolute(*seat, output, x, y);
}

void InputRouter::send_absolute(Seat &seat, std::size_t output, double x, double y)
{
    if (seat.vm == nullptr || output >= seat.heads.size())
        return;
    const Head &head = seat.heads[output];
    const auto pixel = output_to_frame(head.placement, x, y);
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
    Seat *seat = pointer_event(*d);
    VmInput *sink = seat != nullptr ? seat->pointer_sink() : nullptr;
    if (sink == nullptr || sink->absolute() || !std::isfinite(dx) || !std::isfinite(dy))
        return;
    send_relative(*d, *sink, dx, dy);
}

void InputRouter::send_relative(Device &device, VmInput &sink, double dx, double dy)
{
    // Sub-pixel motion adds up instead of being lost.
    device.motion_x += std::clamp(dx, -kMaxMotion, kMaxMotion);
    device.motion_y += std::clamp(dy, -kMaxMotion, kMaxMotion);
    const std::int32_t ix = take_whole(device.motion_x);
    const std::int32_t iy = take_whole(device.motion_y);
    if (ix != 0 || iy != 0)
        sink.move_relative(ix, iy);
}

void InputRouter::point_at(DeviceId device, std::size_t output, double x, double y)
{
    Device *d = route(device);
    if (d == nullptr || !std::isfinite(x) || !std::isfinite(y))
        return;
    const auto from = std::exchange(d->seat->point, Seat::Point{output, x, y});
    Seat *seat = pointer_event(*d);
    if (seat == nullptr || seat->vm == nullptr || output >= seat->heads.size())
        return;
    const Head &head = seat->heads[output];
    VmInput &sink = head.console != nullptr ? *head.console : *seat->vm;
    if (sink.absolute()) {
        send_absolute(*seat, output, x, y);
        return;
    }
    // A relative guest moves its cursor by the difference, in its own
    // pixels; a jump to another output has no meaningful difference.
    const base::Rect &dest = head.placement.dest, &source = head.placement.source;
    if (!from || from->output != output || dest.empty())
        return;
    seat->pointer = &sink;
    send_relative(*d, sink, (x - from->x) * source.width / dest.width,
                  (y - from->y) * source.height / dest.height);
}

void InputRouter::set_seat_pointer(std::string_view seat_name, std::size_t output, double x,
                                   double y)
{
    Seat *seat = find_seat(seat_name);
    if (seat != nullptr && std::isfinite(x) && std::isfinite(y))
        seat->point = Seat::Point{output, x, y};
}

void InputRouter::touch_down(DeviceId device, std::int32_t touch_id, std::size_t output, double x,
                             double y)
{
    Device *d = route(device);
    if (d == nullptr || d->touch)
        return; // only the first point drives the pointer
    d->touch = touch_id;
    point_at(device, output, x, y);
    button(device, BTN_LEFT, true);
}

void InputRouter::touch_motion(DeviceId device, std::int32_t touch_id, std::size_t output, double x,
                               double y)
{
    Device *d = route(device);
    if (d != nullptr && d->touch == touch_id)
        point_at(device, output, x, y);
}

std::optional<std::int32_t> InputRouter::touch_point(DeviceId device) const
{
    const auto it = devices_.find(device);
    if (it == devices_.end() || it->second.seat == nullptr)
        return std::nullopt;
    return it->second.touch;
}

void InputRouter::touch_up(DeviceId device, std::int32_t touch_id)
{
    Device *d = route(device);
    if (d == nullptr || d->touch != touch_id)
        return;
    d->touch.reset();
    button(device, BTN_LEFT, false);
}

void InputRouter::axis(DeviceId device, ScrollAxis axis, ScrollUnit unit, double value)
{
    Device *d = route(device);
    if (d == nullptr)
        return;
    Seat *seat = pointer_event(*d);
    VmInput *sink = seat != nullptr ? seat->pointer_sink() : nullptr;
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
