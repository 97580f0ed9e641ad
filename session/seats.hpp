// The seats: which VM each shows (the session file's, or the one the host
// keys or phyllomectl switched to), which outputs are a seat's, which
// console each of them shows (console i on the seat's i-th output), where
// each seat's input goes, and the host commands a seat's keys give. It works
// on the compositor through a small interface, so it is tested without
// wlroots.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/event_source.hpp"
#include "compositor/status_card.hpp"
#include "config/config.hpp"
#include "input/host_keys.hpp"
#include "input/placement.hpp"
#include "input/router.hpp"
#include "session/clipboard_broker.hpp"
#include "session/session_config.hpp"
#include "session/vm_fleet.hpp"

namespace phyllome {

class Seats {
public:
    // What the seats need of the compositor: its outputs, by name, and the
    // input devices' routing. The session's is session/compositor_seats.hpp.
    class Compositor {
    public:
        virtual ~Compositor() = default;
        // Every output, in the order they came.
        virtual std::vector<std::string> outputs() const = 0;
        // Shows a console on an output (null: its status card).
        virtual void show_console(const std::string &output, vmview::Console *console,
                                  config::Scaling scaling) = 0;
        // Where the console's frame is on the output, in output pixels.
        virtual input::Placement console_placement(const std::string &output) const = 0;
        // The size a guest is asked for on the output: its pixels as the
        // person sees them (portrait on a rotated monitor, whatever its
        // scale) and its size in millimetres, rotated the same way.
        struct GuestSize {
            uint32_t width = 0, height = 0;
            uint16_t width_mm = 0, height_mm = 0;
        };
        virtual GuestSize guest_size(const std::string &output) const = 0;
        // The identify overlay and the input hint (nullopt: none).
        virtual void identify(const std::string &output, const StatusCardText &text,
                              int milliseconds) = 0;
        virtual void show_input_hint(const std::string &output,
                                     const std::optional<StatusCardText> &text) = 0;
        // A one-line banner the session draws above everything on the
        // output for a while (a guest can neither draw nor hide it).
        virtual void banner(const std::string &output, const std::string &text,
                            int milliseconds) = 0;
        // Asks every output's card text again.
        virtual void refresh_cards() = 0;
        // A seat's input: its VM's input (keys), per output in the seat's
        // order the frame's placement and console, and those outputs.
        virtual void route(const std::string &seat, input::VmInput *vm,
                           std::vector<input::Head> heads,
                           const std::vector<std::string> &outputs) = 0;
        virtual bool input_grabbed(const std::string &seat) const = 0;
        virtual void set_keyboard_leds(const std::string &seat, uint32_t qemu_leds) = 0;
        virtual void change_vt(unsigned vt) = 0;
    };

    Seats(Compositor &compositor, VmFleet &fleet, std::function<const config::Config &()> config);
    // Outputs show cards again and no seat's input goes anywhere: what
    // was held in a VM is released.
    ~Seats();
    Seats(const Seats &) = delete;
    Seats &operator=(const Seats &) = delete;

    // Follows through the fleet the VMs seats show (and lets go of the
    // others): at start and after the session file changed.
    void follow_vms();
    // Decides again which console every output shows and where input goes:
    // after output, console or configuration changes.
    void assign();
    // A console's frame moved on its output: input needs the new place,
    // once the frame handling that noticed it is over.
    void placement_changed();

    // The VM a seat shows now: switched to, else the file's.
    std::optional<std::string> shown_vm(const config::Seat &seat) const;
    // The seats that show `vm` now, in the file's order.
    std::vector<std::string> seats_showing(const std::string &vm) const;
    // The seat's outputs, in the seat's order, then (for the seat that
    // takes the rest) every output no seat names, in the order they came.
    std::vector<std::string> outputs_of(const config::Seat &seat) const;
    // What the status card of `output` says about the VM: its state, what
    // to do about it, and on an output of the VM's seat beyond the VM's
    // displays, why that one stays dark.
    VmCardState card_state(const std::string &vm, const std::string &output) const;

    // Shows `vm` on the seat, as the host keys would; returns why not (an
    // unknown seat, a VM the seat may not show), empty when done.
    std::string show_vm(const std::string &seat, const std::string &vm);
    // Start, shut down or power off a VM; `done` gets the error, empty on
    // success. Only VMs a seat shows are followed; others are VmAdmin's.
    void vm_action(const std::string &vm, libvirt::VmLink::Action action,
                   std::function<void(const std::string &error)> done);
    // A seat's host keys gave a command.
    void run(const std::string &seat, const input::HostCommand &command);
    // A seat's input was released or grabbed again.
    void input_grab_changed(const std::string &seat, bool grabbed);
    // The VM's keyboard LEDs go to the keyboards of the seats showing it.
    void keyboard_leds(const std::string &vm, uint32_t qemu_leds);
    // The seats' clipboard buffers (sizes for status).
    const ClipboardBroker &clipboard() const { return clipboard_; }
    // Called at the end of every assign(): a seat switched, a VM's state,
    // the outputs or the session file changed (USB devices follow). Null:
    // nothing.
    void set_on_assigned(std::function<void()> handler) { on_assigned_ = std::move(handler); }

private:
    void switch_vm(const std::string &seat, int step);
    void identify(const std::string &seat);
    void clipboard_step(const std::string &seat, bool take);
    void banner(const std::string &seat, const std::string &text);
    void show_input_hints();

    Compositor &compositor_;
    VmFleet &fleet_;
    std::function<const config::Config &()> config_;
    std::map<std::string, std::string> switched_; // seat -> VM
    base::IdleSource reassign_; // placement_changed: assign() once frame handling is over
    ClipboardBroker clipboard_;
    std::function<void()> on_assigned_;
};

} // namespace phyllome
