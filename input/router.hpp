// Routes every keyboard and pointer event to the VM its seat shows, and
// nowhere else. Display-independent: the compositor turns wlroots events
// into these calls and implements VmInput over QEMU's D-Bus display.
//
// Why an event cannot reach another seat's VM:
// - events name only the device; the router alone decides its seat, from
//   the configuration (config::seat_for_device);
// - a seat's sinks are only reachable through that seat, and a sink is
//   bound to one seat at a time (binding it to a second is refused);
// - every press is remembered with the sink it went to, so its release goes
//   there, and whatever a device holds is released before it changes seat,
//   is unplugged, or its seat's VM changes or disconnects.
//
// The router keeps a pointer to a sink only while a seat holds it: unbind it
// (set_seat_vm, set_seat_heads or remove_vm) before destroying it. Sinks
// must not call back into the router.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "config/device_rule.hpp"
#include "input/held.hpp"
#include "input/host_keys.hpp"
#include "input/placement.hpp"
#include "input/scroll.hpp"
#include "input/vm_input.hpp"

namespace phyllome::input {

// evdev BTN_LEFT, BTN_MIDDLE, BTN_RIGHT, BTN_SIDE, BTN_EXTRA to QEMU's
// buttons; nullopt for any other button (dropped).
std::optional<std::uint32_t> evdev_to_qemu_button(std::uint32_t evdev_button);
// A tablet tool's button as a mouse button: BTN_STYLUS is the right button,
// BTN_STYLUS2 the middle one; other codes stay as they are (a tablet's mouse
// tool has BTN_LEFT and friends).
std::uint32_t tablet_to_pointer_button(std::uint32_t evdev_button);

// One output of a seat, in the seat's output order.
struct Head {
    Placement placement;        // the frame on it, from place_frame; empty: none shown
    VmInput *console = nullptr; // the console shown there; null: the seat's VM sink
};

class InputRouter {
public:
    // Called after the keys of the event are sent. It may call back into
    // the router (switch the seat's VM, reload, remove devices).
    using CommandHandler = std::function<void(const std::string &seat, HostCommand command)>;
    // Called after a seat's input was released or grabbed again (see
    // set_seat_grabbed). It must not call back into the router.
    using GrabHandler = std::function<void(const std::string &seat, bool grabbed)>;

    struct Handlers {
        CommandHandler command;
        GrabHandler grab_changed;
    };

    explicit InputRouter(const config::Config &config, Handlers handlers = {});
    InputRouter(const InputRouter &) = delete;
    InputRouter &operator=(const InputRouter &) = delete;

    // A device appeared; returns its seat (nullopt: its events are dropped).
    // An id already present is treated as an unplug and a new plug.
    std::optional<std::string> add_device(DeviceId device, const config::DeviceIdentity &identity);
    // Releases what the device holds, then forgets it.
    void remove_device(DeviceId device);
    std::optional<std::string> seat_of(DeviceId device) const;
    std::vector<DeviceId> devices_on(std::string_view seat) const;

    // Applies a new configuration: seats are matched by name, a seat that
    // stays keeps its VM, a seat that goes away loses it. A device whose seat
    // changes releases everything it held first. Returns the devices that
    // moved (to attach them to their new seat's cursor).
    std::vector<DeviceId> reload(const config::Config &config);

    // The VM the seat shows (nullptr: none, its events are dropped). Keys go
    // there; so does the pointer unless a head names another console. A
    // change releases everything held in the old sinks and clears the heads.
    // Returns false (and changes nothing) for an unknown seat or a sink
    // another seat holds.
    bool set_seat_vm(std::string_view seat, VmInput *vm);
    // Where the frames are on the seat's outputs, for absolute pointing.
    // Call again when a frame or output size changes. Returns false (and
    // changes nothing) for an unknown seat or a console another seat holds.
    bool set_seat_heads(std::string_view seat, std::vector<Head> heads);
    // The sink is going away (display disconnected): releases what is held
    // in it and unbinds it everywhere; the router keeps no pointer to it.
    void remove_vm(const VmInput &vm);

    // Whether the seat's input goes to its VM (the default). Released, as
    // the release_input chord does (meant for the nested window, so that the
    // person can use the desktop around it), everything held in the seat's
    // VM is let go and nothing of the seat reaches any VM; host commands
    // still run. The release_input chord again, or a click (which goes
    // nowhere itself), grabs it back. Returns false for an unknown seat.
    bool set_seat_grabbed(std::string_view seat, bool grabbed);
    bool seat_grabbed(std::string_view seat) const;

    // A physical key transition; `keysym` and `modifiers` as HostKeys::key
    // takes them.
    void key(DeviceId device, std::uint32_t evdev, std::uint32_t keysym, bool pressed,
             std::uint32_t modifiers);
    void button(DeviceId device, std::uint32_t evdev_button, bool pressed);
    // The seat cursor's position: output index in the seat's heads, output
    // pixels. Sent when the pointer is over a shown frame and the guest
    // pointer is absolute; it also picks the console buttons go to.
    void motion_absolute(DeviceId device, std::size_t output, double x, double y);
    // The device's own motion; sent when the guest pointer is relative.
    // Calling both for every motion lets the router send the form the guest
    // takes.
    void motion_relative(DeviceId device, double dx, double dy);
    void axis(DeviceId device, ScrollAxis axis, ScrollUnit unit, double value);

    // An absolute device (touchscreen, tablet tool, a nested window's
    // pointer) puts the seat's pointer here: output index, output pixels.
    // An absolute guest gets the position as motion_absolute sends it; a
    // relative one gets the motion from the seat's last position to it,
    // scaled to frame pixels, so its cursor follows as well as relative
    // motion allows.
    void point_at(DeviceId device, std::size_t output, double x, double y);
    // The compositor put the seat's pointer here without a device (at start,
    // after the seat's outputs changed): point_at's next difference is from
    // here. Sends nothing.
    void set_seat_pointer(std::string_view seat, std::size_t output, double x, double y);
    // Touch: the first point down drives the pointer and holds the left
    // button until it lifts (or is cancelled); other points are ignored.
    void touch_down(DeviceId device, std::int32_t touch_id, std::size_t output, double x, double y);
    void touch_motion(DeviceId device, std::int32_t touch_id, std::size_t output, double x,
                      double y);
    void touch_up(DeviceId device, std::int32_t touch_id);
    // The touch point driving the pointer, if any.
    std::optional<std::int32_t> touch_point(DeviceId device) const;

    // Delivers held-back modifier presses now (see host_keys.hpp), e.g. from
    // a timer bounding how long a lone held modifier waits.
    void deliver_held_back();

private:
    struct Seat {
        std::string name;
        VmInput *vm = nullptr;
        std::vector<Head> heads;
        VmInput *pointer = nullptr; // the console the pointer was over last
        HostKeys host;
        bool grabbed = true; // false: input released, nothing goes to a VM
        // Where the seat's pointer was put last, for point_at's relative form.
        struct Point {
            std::size_t output;
            double x, y;
        };
        std::optional<Point> point;

        Seat(std::string seat_name, const config::Config &config)
            : name(std::move(seat_name)), host(config)
        {
        }
        VmInput *pointer_sink() const { return vm == nullptr ? nullptr : pointer ? pointer : vm; }
        bool binds(const VmInput *sink) const;
    };
    struct Device {
        config::DeviceIdentity identity;
        Seat *seat = nullptr;
        double motion_x = 0.0, motion_y = 0.0; // relative motion not sent yet
        ScrollAccumulator scroll[2];           // by ScrollAxis
        std::optional<std::int32_t> touch;     // the touch point driving the pointer
    };

    Seat *find_seat(std::string_view name) const;
    // The device's seat, or nullptr: the only way from an event to a sink.
    Device *route(DeviceId device);
    // A pointer event is coming: held-back modifiers go first. Returns null
    // while the seat's input is released.
    Seat *pointer_event(Device &device);
    // Sends pointer motion the guest takes in relative form, whole pixels
    // at a time.
    void send_relative(Device &device, VmInput &sink, double dx, double dy);
    // Records the seat's pointer position and sends it to an absolute guest.
    void send_absolute(Seat &seat, std::size_t output, double x, double y);
    void release_held_in(Seat &seat);
    void set_grabbed(Seat &seat, bool grabbed);
    void send_key(Seat &seat, const GuestKey &key);
    void leave_seat(DeviceId id, Device &device);
    void unbind(Seat &seat);
    bool bound_elsewhere(const VmInput *sink, const Seat &seat) const;

    config::Config config_;
    std::vector<std::unique_ptr<Seat>> seats_; // config_.seats order
    std::unordered_map<DeviceId, Device> devices_;
    HeldInput held_;
    Handlers handlers_;
};

} // namespace phyllome::input
