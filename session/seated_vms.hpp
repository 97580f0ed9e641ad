// The VMs, the input devices and the seats, wired to each other over the
// compositor: the VM fleet tells the seats what changed, the input devices
// give them host commands, and the seats decide what each output shows and
// where each seat's input goes. Session holds one; tests drive one over an
// in-process server.
#pragma once

#include <functional>

#include "compositor/input_devices.hpp"
#include "compositor/server.hpp"
#include "config/config.hpp"
#include "session/compositor_seats.hpp"
#include "session/seats.hpp"
#include "session/vm_fleet.hpp"

namespace phyllome {

class SeatedVms {
public:
    // Built before the server starts, to see the input devices it announces
    // then. Calls nothing of the server's before it starts.
    SeatedVms(Server &server, std::function<const config::Config &()> config);
    SeatedVms(const SeatedVms &) = delete;
    SeatedVms &operator=(const SeatedVms &) = delete;

    // In this order, torn down in reverse: the seats let go of outputs and
    // input (releasing what a VM holds) before the devices and the VMs go.
    VmFleet fleet;
    InputDevices input;
    CompositorSeats compositor;
    Seats seats;
};

} // namespace phyllome
