// wlr-output-power-management-unstable-v1: lets the user's tools (wlopm,
// swayidle) switch an output off, its monitor asleep, and on again.
#pragma once

#include "base/listener.hpp"
#include "compositor/wlr.hpp"

namespace phyllome {

class Server;

class OutputPower {
public:
    explicit OutputPower(Server &server);
    OutputPower(const OutputPower &) = delete;
    OutputPower &operator=(const OutputPower &) = delete;

private:
    void set_power(wlr_output *output, bool on);

    Server &server_;
    base::Listener set_mode_;
};

} // namespace phyllome
