// Every keyboard, pointer, touchscreen and tablet tool of the backend, with its identity (libinput
// and udev: name, vendor and product, ID_PATH, WL_SEAT/ID_SEAT), turned into the input router's
// events. One pointer position per seat, confined to that seat's outputs.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/listener.hpp"
#include "compositor/wlr.hpp"
#include "config/config.hpp"
#include "input/router.hpp"

namespace phyllome {

class Server;

class InputDevices {
public:
    // The handlers are the router's: a seat's host keys gave a command, a
    // seat's input was released or grabbed again. Neither is called from
    // the destructor.
    InputDevices(Server &server, const config::Config &config,
                 input::InputRouter::Handlers handlers);
    ~InputDevices();
    InputDevices(const InputDevices &) = delete;
    InputDevices &operator=(const InputDevices &) = delete;

    input::InputRouter &router() { return router_; }
    const input::InputRouter &router() const { return router_; }

    // What a seat shows, from the display side: its VM's sink (keys go
    // there), and per output of the seat, in order, the frame's placement
    // and console.
    void set_seat(const std::string &seat, input::VmInput *vm, std::vector<input::Head> heads,
                  std::vector<wlr_output *> outputs);
    // The VM's keyboard LEDs (QEMU: scroll 1, num 2, caps 4) on the seat's
    // keyboards.
    void set_seat_leds(const std::string &seat, uint32_t qemu_leds);
    // A guest's pointer changed form: each seat's cursor position is sent
    // again, so that a guest now pointing absolutely puts its cursor where
    // the seat's is (the router sends it only to absolute guests).
    void resend_pointer_positions();
    void reload(const config::Config &config);

    // A description of every device and where it went, for logs and tools.
    std::vector<std::string> describe() const;

    // Every device as tools show it: identity, "keyboard" or "pointer", and
    // the seat its input goes to.
    struct DeviceInfo {
        config::DeviceIdentity identity;
        std::string type;
        std::optional<std::string> seat;
    };
    std::vector<DeviceInfo> devices() const;

    // The next key or button press of any device goes to `catcher` instead
    // of its seat, and so does its release, so no VM sees half of it
    // (phyllomectl identify). Called once; an empty function stops catching.
    using PressCatcher = std::function<void(const DeviceInfo &device)>;
    void catch_next_press(PressCatcher catcher) { catcher_ = std::move(catcher); }

private:
    struct Device;
    struct SeatPointer {
        std::vector<wlr_output *> outputs;
        std::size_t head = 0;
        double x = 0, y = 0; // output pixels on outputs[head] (rotated as it is)
    };

    void add(wlr_input_device *device);
    void remove(Device &device);
    void pointer_moved(Device &device, double dx, double dy, double unaccel_dx, double unaccel_dy);
    // An absolute device's position (0..1 on the output it is tied to, else
    // the seat's first) as the seat's pointer position: output index and
    // output pixels. Nullopt when the device has no seat or the seat no
    // output.
    struct Spot {
        std::size_t head;
        double x, y;
    };
    std::optional<Spot> place_absolute(Device &device, double x, double y);
    void point_at(Device &device, double x, double y);
    DeviceInfo info(const Device &device) const;
    // True when the press or release is the catcher's and not the seat's.
    bool caught(const Device &device, uint32_t code, bool pressed);

    Server &server_;
    input::InputRouter router_;
    input::DeviceId next_id_ = 1;
    std::vector<std::unique_ptr<Device>> devices_;
    std::map<std::string, SeatPointer> pointers_;
    std::map<std::string, uint32_t> seat_leds_;
    xkb_context *xkb_ = nullptr;
    PressCatcher catcher_;
    std::set<std::pair<input::DeviceId, uint32_t>> caught_; // releases still to swallow
    base::Listener new_input_;
    base::Listener backend_destroy_;
};

} // namespace phyllome
