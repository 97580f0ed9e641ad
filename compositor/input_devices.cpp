#include "compositor/input_devices.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <linux/input-event-codes.h>

#include "base/log.hpp"
#include "compositor/server.hpp"
#include "compositor/wlr_compat.hpp"

namespace phyllome {

struct InputDevices::Device {
    wlr_input_device *wlr = nullptr;
    input::DeviceId id = 0;
    config::DeviceIdentity identity;
    base::Listener key;
    base::Listener motion;
    base::Listener motion_absolute;
    base::Listener button;
    base::Listener axis;
    base::Listener touch_down;
    base::Listener touch_up;
    base::Listener touch_motion;
    base::Listener touch_cancel;
    base::Listener tablet_axis;
    base::Listener tablet_proximity;
    base::Listener tablet_tip;
    base::Listener tablet_button;
    double tablet_x = 0.5, tablet_y = 0.5; // axis events carry only what changed
    base::Listener destroy;
};

namespace {

// An output's size in output pixels: its mode, rotated as the output is.
// Frames are placed in these (see Output::console_placement), so the
// pointer moves in them too.
struct PixelSize {
    double width, height;
};
PixelSize pixel_size(wlr_output *output)
{
    int width = 0, height = 0;
    wlr_output_transformed_resolution(output, &width, &height);
    return {static_cast<double>(width), static_cast<double>(height)};
}

config::DeviceIdentity identity_of(wlr_input_device *device)
{
    config::DeviceIdentity identity;
    identity.name = device->name ? device->name : "";
    if (!wlr_input_device_is_libinput(device))
        return identity; // nested windows' and tests' devices: a name only
    libinput_device *handle = wlr_libinput_get_device_handle(device);
    identity.vendor = static_cast<uint16_t>(libinput_device_get_id_vendor(handle));
    identity.product = static_cast<uint16_t>(libinput_device_get_id_product(handle));
    identity.sysname = libinput_device_get_sysname(handle);
    if (libinput_seat *seat = libinput_device_get_seat(handle)) {
        identity.wl_seat = libinput_seat_get_logical_name(seat);
        identity.id_seat = libinput_seat_get_physical_name(seat);
    }
    if (udev_device *udev = libinput_device_get_udev_device(handle)) {
        if (const char *path = udev_device_get_property_value(udev, "ID_PATH"))
            identity.id_path = path;
        // The parent belongs to `udev`: no reference of its own.
        if (udev_device *usb =
                udev_device_get_parent_with_subsystem_devtype(udev, "usb", "usb_device"))
            if (const char *syspath = udev_device_get_syspath(usb))
                identity.usb_syspath = syspath;
        udev_device_unref(udev);
    }
    return identity;
}

uint32_t wlr_leds(uint32_t qemu_leds)
{
    uint32_t leds = 0;
    if (qemu_leds & 1)
        leds |= WLR_LED_SCROLL_LOCK;
    if (qemu_leds & 2)
        leds |= WLR_LED_NUM_LOCK;
    if (qemu_leds & 4)
        leds |= WLR_LED_CAPS_LOCK;
    return leds;
}

} // namespace

InputDevices::InputDevices(Server &server, const config::Config &config,
                           input::InputRouter::Handlers handlers)
    : server_(server), router_(config, std::move(handlers)),
      xkb_(xkb_context_new(XKB_CONTEXT_NO_FLAGS))
{
    new_input_.connect(&server_.backend()->events.new_input,
                       [this](void *data) { add(static_cast<wlr_input_device *>(data)); });
    // A backend can go before the session (a nested one whose parent left).
    backend_destroy_.connect(&server_.backend()->events.destroy, [this](void *) {
        new_input_.disconnect();
        backend_destroy_.disconnect();
    });
}

InputDevices::~InputDevices()
{
    new_input_.disconnect();
    backend_destroy_.disconnect();
    while (!devices_.empty())
        remove(*devices_.back());
    if (xkb_)
        xkb_context_unref(xkb_);
}

void InputDevices::add(wlr_input_device *wlr)
{
    if (!compat::device_kind(wlr))
        return; // tablet pads, switches: not routed
    auto device = std::make_unique<Device>();
    Device &d = *device;
    d.wlr = wlr;
    d.id = next_id_++;
    d.identity = identity_of(wlr);
    const auto seat = router_.add_device(d.id, d.identity);
    base::log_info("Input device '%s' (%04x:%04x%s%s) goes to %s", d.identity.name.c_str(),
                   d.identity.vendor, d.identity.product, d.identity.id_path.empty() ? "" : ", ",
                   d.identity.id_path.c_str(),
                   seat ? ("seat " + *seat).c_str() : "no seat: its events are dropped");

    if (wlr_keyboard *keyboard = compat::keyboard_of(wlr)) {
        // The guest does its own layout; the host's keymap only names keys
        // for the host chords (XKB_DEFAULT_* from the environment).
        if (xkb_keymap *keymap =
                xkb_keymap_new_from_names(xkb_, nullptr, XKB_KEYMAP_COMPILE_NO_FLAGS)) {
            wlr_keyboard_set_keymap(keyboard, keymap);
            xkb_keymap_unref(keymap);
        }
        d.key.connect(&keyboard->events.key, [this, &d, keyboard](void *data) {
            const KeyEvent event = compat::key_event(data);
            // The key signal comes before xkb's state takes the key: the
            // modifiers are those held when it was pressed.
            const xkb_keysym_t keysym =
                keyboard->xkb_state
                    ? xkb_state_key_get_one_sym(keyboard->xkb_state, event.keycode + 8)
                    : XKB_KEY_NoSymbol;
            if (caught(d, event.keycode, event.pressed))
                return;
            router_.key(d.id, event.keycode, keysym, event.pressed,
                        wlr_keyboard_get_modifiers(keyboard));
        });
        if (seat)
            if (auto leds = seat_leds_.find(*seat); leds != seat_leds_.end())
                wlr_keyboard_led_update(keyboard, wlr_leds(leds->second));
    }
    if (wlr_pointer *pointer = compat::pointer_of(wlr)) {
        d.motion.connect(&pointer->events.motion, [this, &d](void *data) {
            const PointerMotionEvent event = compat::motion_event(data);
            pointer_moved(d, event.dx, event.dy, event.unaccel_dx, event.unaccel_dy);
        });
        d.motion_absolute.connect(&pointer->events.motion_absolute, [this, &d](void *data) {
            const AbsolutePosition event = compat::absolute_event(data);
            point_at(d, event.x, event.y);
        });
        d.button.connect(&pointer->events.button, [this, &d](void *data) {
            const ButtonEvent event = compat::button_event(data);
            if (caught(d, event.button, event.pressed))
                return;
            router_.button(d.id, event.button, event.pressed);
        });
        d.axis.connect(&pointer->events.axis, [this, &d](void *data) {
            const ScrollEvent event = compat::scroll_event(data);
            router_.axis(d.id, event.axis, event.unit, event.value);
        });
    }
    if (wlr_touch *touch = compat::touch_of(wlr)) {
        // Only the first finger down drives the pointer (the router decides).
        d.touch_down.connect(&touch->events.down, [this, &d](void *data) {
            const TouchEvent event = compat::touch_down_event(data);
            if (router_.touch_point(d.id))
                return; // another finger is down already
            if (const auto spot = place_absolute(d, event.x, event.y))
                router_.touch_down(d.id, event.id, spot->head, spot->x, spot->y);
        });
        d.touch_motion.connect(&touch->events.motion, [this, &d](void *data) {
            const TouchEvent event = compat::touch_motion_event(data);
            if (router_.touch_point(d.id) != event.id)
                return; // another finger: the seat's pointer stays
            if (const auto spot = place_absolute(d, event.x, event.y))
                router_.touch_motion(d.id, event.id, spot->head, spot->x, spot->y);
        });
        d.touch_up.connect(&touch->events.up, [this, &d](void *data) {
            router_.touch_up(d.id, compat::touch_up_id(data));
        });
        d.touch_cancel.connect(&touch->events.cancel, [this, &d](void *data) {
            router_.touch_up(d.id, compat::touch_cancel_id(data));
        });
    }
    if (wlr_tablet *tablet = compat::tablet_of(wlr)) {
        // The pen points like a touchscreen; tip down is the left button.
        d.tablet_axis.connect(&tablet->events.axis, [this, &d](void *data) {
            const TabletAxisEvent event = compat::tablet_axis_event(data);
            if (!event.has_x && !event.has_y)
                return;
            if (event.has_x)
                d.tablet_x = event.x;
            if (event.has_y)
                d.tablet_y = event.y;
            point_at(d, d.tablet_x, d.tablet_y);
        });
        d.tablet_proximity.connect(&tablet->events.proximity, [this, &d](void *data) {
            const TabletToolEvent event = compat::tablet_proximity_event(data);
            if (!event.active)
                return;
            d.tablet_x = event.x;
            d.tablet_y = event.y;
            point_at(d, event.x, event.y);
        });
        d.tablet_tip.connect(&tablet->events.tip, [this, &d](void *data) {
            const TabletToolEvent event = compat::tablet_tip_event(data);
            d.tablet_x = event.x;
            d.tablet_y = event.y;
            point_at(d, event.x, event.y);
            router_.button(d.id, BTN_LEFT, event.active);
        });
        d.tablet_button.connect(&tablet->events.button, [this, &d](void *data) {
            const ButtonEvent event = compat::tablet_button_event(data);
            router_.button(d.id, input::tablet_to_pointer_button(event.button), event.pressed);
        });
    }
    d.destroy.connect(&wlr->events.destroy, [this, &d](void *) { remove(d); });
    devices_.push_back(std::move(device));
}

void InputDevices::remove(Device &device)
{
    // Whatever it held is released in the VM it went to.
    router_.remove_device(device.id);
    std::erase_if(caught_, [&](const auto &held) { return held.first == device.id; });
    auto it = std::find_if(devices_.begin(), devices_.end(),
                           [&](const auto &d) { return d.get() == &device; });
    if (it != devices_.end())
        devices_.erase(it);
}

void InputDevices::set_seat(const std::string &seat, input::VmInput *vm,
                            std::vector<input::Head> heads, std::vector<wlr_output *> outputs)
{
    router_.set_seat_vm(seat, vm);
    router_.set_seat_heads(seat, std::move(heads));
    SeatPointer &pointer = pointers_[seat];
    if (pointer.outputs != outputs) {
        pointer.outputs = std::move(outputs);
        pointer.head = 0;
        pointer.x = pointer.y = 0;
        if (!pointer.outputs.empty()) {
            // Start in the middle of the seat's first screen.
            pointer.x = pixel_size(pointer.outputs[0]).width / 2.0;
            pointer.y = pixel_size(pointer.outputs[0]).height / 2.0;
            router_.set_seat_pointer(seat, 0, pointer.x, pointer.y);
        }
    }
}

void InputDevices::set_seat_leds(const std::string &seat, uint32_t qemu_leds)
{
    seat_leds_[seat] = qemu_leds;
    for (const auto &device : devices_)
        if (wlr_keyboard *keyboard = compat::keyboard_of(device->wlr))
            if (router_.seat_of(device->id) == seat)
                wlr_keyboard_led_update(keyboard, wlr_leds(qemu_leds));
}

void InputDevices::reload(const config::Config &config)
{
    const auto moved = router_.reload(config);
    for (input::DeviceId id : moved)
        for (const auto &device : devices_)
            if (device->id == id) {
                const auto seat = router_.seat_of(id);
                base::log_info("Input device '%s' moves to %s", device->identity.name.c_str(),
                               seat ? ("seat " + *seat).c_str() : "no seat");
            }
}

void InputDevices::pointer_moved(Device &device, double dx, double dy, double unaccel_dx,
                                 double unaccel_dy)
{
    const auto seat = router_.seat_of(device.id);
    if (!seat)
        return;
    // The guest applies its own acceleration to relative motion.
    router_.motion_relative(device.id, unaccel_dx, unaccel_dy);
    SeatPointer &pointer = pointers_[*seat];
    if (pointer.outputs.empty())
        return;
    // The seat's outputs side by side in their order: crossing an edge
    // moves to the next one, never to another seat's screen.
    // Motion is in layout units, as on any desktop: a scaled output's
    // pixels are that much smaller.
    const double scale = pointer.outputs[pointer.head]->scale;
    pointer.x += dx * scale;
    pointer.y += dy * scale;
    while (pointer.x >= pixel_size(pointer.outputs[pointer.head]).width &&
           pointer.head + 1 < pointer.outputs.size()) {
        pointer.x -= pixel_size(pointer.outputs[pointer.head]).width;
        ++pointer.head;
    }
    while (pointer.x < 0 && pointer.head > 0) {
        --pointer.head;
        pointer.x += pixel_size(pointer.outputs[pointer.head]).width;
    }
    const PixelSize size = pixel_size(pointer.outputs[pointer.head]);
    pointer.x = std::clamp(pointer.x, 0.0, std::max(0.0, size.width - 1.0));
    pointer.y = std::clamp(pointer.y, 0.0, std::max(0.0, size.height - 1.0));
    router_.motion_absolute(device.id, pointer.head, pointer.x, pointer.y);
}

std::optional<InputDevices::Spot> InputDevices::place_absolute(Device &device, double x, double y)
{
    // Absolute devices (touchscreens, tablets, nested windows) point into
    // one output: the one named by the device, else the seat's first.
    const auto seat = router_.seat_of(device.id);
    if (!seat || !std::isfinite(x) || !std::isfinite(y))
        return std::nullopt;
    SeatPointer &pointer = pointers_[*seat];
    if (pointer.outputs.empty())
        return std::nullopt;
    std::size_t head = 0;
    if (const char *output_name = compat::device_output_name(device.wlr))
        for (std::size_t i = 0; i < pointer.outputs.size(); ++i)
            if (std::strcmp(pointer.outputs[i]->name, output_name) == 0)
                head = i;
    const PixelSize size = pixel_size(pointer.outputs[head]);
    pointer.head = head;
    pointer.x = std::clamp(x, 0.0, 1.0) * std::max(0.0, size.width - 1);
    pointer.y = std::clamp(y, 0.0, 1.0) * std::max(0.0, size.height - 1);
    return Spot{head, pointer.x, pointer.y};
}

void InputDevices::point_at(Device &device, double x, double y)
{
    if (const auto spot = place_absolute(device, x, y))
        router_.point_at(device.id, spot->head, spot->x, spot->y);
}

void InputDevices::resend_pointer_positions()
{
    for (const auto &[seat, pointer] : pointers_) {
        const auto devices = router_.devices_on(seat);
        if (pointer.outputs.empty() || devices.empty())
            continue;
        router_.motion_absolute(devices.front(), pointer.head, pointer.x, pointer.y);
    }
}

std::vector<std::string> InputDevices::describe() const
{
    std::vector<std::string> lines;
    for (const auto &device : devices_) {
        const auto seat = router_.seat_of(device->id);
        lines.push_back(device->identity.name + " -> " + (seat ? *seat : "(no seat)"));
    }
    return lines;
}

std::vector<InputDevices::DeviceInfo> InputDevices::devices() const
{
    std::vector<DeviceInfo> infos;
    for (const auto &device : devices_)
        infos.push_back(info(*device));
    return infos;
}

InputDevices::DeviceInfo InputDevices::info(const Device &device) const
{
    const char *type = device.wlr->type == WLR_INPUT_DEVICE_KEYBOARD ? "keyboard" : "pointer";
    return {device.identity, type, router_.seat_of(device.id)};
}

bool InputDevices::caught(const Device &device, uint32_t code, bool pressed)
{
    if (!pressed)
        return caught_.erase({device.id, code}) > 0;
    if (!catcher_)
        return false;
    caught_.insert({device.id, code});
    // Taken out first: the catcher may set the next one.
    PressCatcher catcher = std::move(catcher_);
    catcher_ = nullptr;
    catcher(info(device));
    return true;
}

} // namespace phyllome
