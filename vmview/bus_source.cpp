#include "vmview/bus_source.hpp"

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <poll.h>

namespace phyllome::vmview {

BusSource::BusSource(wl_event_loop *loop, sd_bus *bus, std::function<void(int)> on_closed)
    : bus_(bus), on_closed_(std::move(on_closed))
{
    fd_source_ = base::FdSource(loop, sd_bus_get_fd(bus_), WL_EVENT_READABLE,
                                [this](uint32_t) { dispatch(); });
    timer_ = base::TimerSource(loop, [this] { dispatch(); });
    // Authentication and the first messages may already be waiting.
    timer_.arm(1);
}

BusSource::~BusSource()
{
    if (destroyed_flag_)
        *destroyed_flag_ = true;
}

void BusSource::update()
{
    if (!dispatching_)
        dispatch();
}

void BusSource::dispatch()
{
    if (closed_)
        return;
    // Callbacks run from sd_bus_process may destroy this object (a handler
    // that drops the connection): notice it and stop touching members.
    bool destroyed = false;
    destroyed_flag_ = &destroyed;
    dispatching_ = true;
    int result = 0;
    // sd-bus reads several messages at a time: process until it has nothing
    // left, or the fd would not wake us for what is already buffered.
    while ((result = sd_bus_process(bus_, nullptr)) > 0) {
        if (destroyed)
            return;
    }
    if (destroyed)
        return;
    dispatching_ = false;
    destroyed_flag_ = nullptr;

    if (result < 0 && result != -EBUSY) {
        closed_ = true;
        fd_source_.update(0);
        timer_.disarm();
        if (on_closed_)
            on_closed_(-result); // may destroy this
        return;
    }

    const int events = sd_bus_get_events(bus_);
    uint32_t mask = WL_EVENT_READABLE;
    if (events > 0 && (events & POLLOUT))
        mask |= WL_EVENT_WRITABLE;
    fd_source_.update(mask);

    uint64_t usec = 0;
    if (sd_bus_get_timeout(bus_, &usec) >= 0 && usec != UINT64_MAX) {
        timespec now{};
        clock_gettime(CLOCK_MONOTONIC, &now);
        const uint64_t now_usec = static_cast<uint64_t>(now.tv_sec) * 1000000u +
                                  static_cast<uint64_t>(now.tv_nsec) / 1000u;
        // sd-bus gives an absolute CLOCK_MONOTONIC time; 0 means now.
        const uint64_t wait_usec = usec > now_usec ? usec - now_usec : 0;
        const int ms = static_cast<int>(std::min<uint64_t>((wait_usec + 999) / 1000, 1u << 30));
        timer_.arm(ms > 0 ? ms : 1);
    } else {
        timer_.disarm();
    }
}

} // namespace phyllome::vmview
