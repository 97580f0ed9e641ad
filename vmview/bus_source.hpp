// Drives an sd-bus connection from a wl_event_loop: the compositor's own loop,
// so the display path needs no thread of its own. The bus's fd is watched
// for what sd-bus asks for (in, out) and its timeout becomes a loop timer.
#pragma once

#include <functional>

#include <systemd/sd-bus.h>
#include <wayland-server-core.h>

#include "base/event_source.hpp"

namespace phyllome::vmview {

class BusSource {
public:
    // `on_closed` runs (once) when the connection ends or fails; the owner
    // may destroy this BusSource from it.
    BusSource(wl_event_loop *loop, sd_bus *bus, std::function<void(int error)> on_closed);
    ~BusSource();
    BusSource(const BusSource &) = delete;
    BusSource &operator=(const BusSource &) = delete;

    // Processes what is pending and re-arms the fd and the timer. Call it
    // after sending on the bus from outside its own callbacks, so queued
    // output is flushed when the socket can take it.
    void update();

private:
    void dispatch();

    sd_bus *bus_;
    std::function<void(int)> on_closed_;
    base::FdSource fd_source_;
    base::TimerSource timer_;
    bool dispatching_ = false;
    bool closed_ = false;
    bool *destroyed_flag_ = nullptr;
};

} // namespace phyllome::vmview
