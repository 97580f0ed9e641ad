// The session's VM fleet, input devices and seats over an in-process
// server, wired to each other as session/session.cpp wires them, for tests
// that drive those parts directly.
#pragma once

#include <functional>
#include <memory>

#include "compositor/input_devices.hpp"
#include "compositor/server.hpp"
#include "config/config.hpp"
#include "session/compositor_seats.hpp"
#include "session/seats.hpp"
#include "session/vm_fleet.hpp"

namespace phyllome::test {

class VmSide {
public:
    VmSide(Server &server, std::function<const config::Config &()> config);

    // Makes the server's output and placement changes reach `side` while
    // it holds one (after any on_outputs_changed already set).
    static void hook(Server::Settings &settings, const std::unique_ptr<VmSide> &side);

    Server &server;
    VmFleet fleet;
    InputDevices input;
    CompositorSeats compositor;
    Seats seats;
};

} // namespace phyllome::test
