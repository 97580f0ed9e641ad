// RAII owners for wayland-server event-loop sources (timer, idle, fd,
// signal): each removes its source when it is destroyed, so a handler can
// never run for an object that is gone. Handlers run on the loop's thread;
// a handler may destroy its own owner (nothing touches the owner after the
// call). Owners are movable (the loop points at a slot on the heap, not at
// the owner); a default-constructed one holds no source and does nothing.
// If the loop cannot add a source (out of file descriptors), the owner holds
// none, and its calls do nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <wayland-server-core.h>

namespace phyllome::base {

// Runs its handler once, a given time after arm(). Armed again from its own
// handler, it fires again.
class TimerSource {
public:
    TimerSource();
    TimerSource(wl_event_loop *loop, std::function<void()> handler);
    ~TimerSource();
    TimerSource(TimerSource &&) noexcept;
    TimerSource &operator=(TimerSource &&) noexcept;

    // Fires `milliseconds` from now (at least 1: wayland reads 0 as
    // "disarm"), replacing any earlier arm().
    void arm(int milliseconds);
    void disarm();
    bool armed() const;

private:
    struct Slot;
    std::unique_ptr<Slot> slot_;
};

// Runs its handler once, soon: when the loop is next idle.
class IdleSource {
public:
    IdleSource();
    IdleSource(wl_event_loop *loop, std::function<void()> handler);
    ~IdleSource();
    IdleSource(IdleSource &&) noexcept;
    IdleSource &operator=(IdleSource &&) noexcept;

    // Does nothing if already scheduled: the handler runs once however many
    // times this is called before it. It may schedule again.
    void schedule();
    void cancel();
    bool scheduled() const;

private:
    struct Slot;
    std::unique_ptr<Slot> slot_;
};

// Runs its handler with the events seen (WL_EVENT_READABLE, ...) whenever
// `fd` has one of those asked for. The fd stays the caller's (the loop
// watches a duplicate of it).
class FdSource {
public:
    FdSource();
    FdSource(wl_event_loop *loop, int fd, uint32_t mask,
             std::function<void(uint32_t mask)> handler);
    ~FdSource();
    FdSource(FdSource &&) noexcept;
    FdSource &operator=(FdSource &&) noexcept;

    // What to watch for from now on; 0: nothing (hangups and errors are
    // still reported).
    void update(uint32_t mask);

private:
    struct Slot;
    std::unique_ptr<Slot> slot_;
};

// Runs its handler when the process receives `signal_number` (through
// signalfd: the loop blocks the signal in the calling thread; block it in
// every thread before starting any, so that none takes it instead).
class SignalSource {
public:
    SignalSource();
    SignalSource(wl_event_loop *loop, int signal_number, std::function<void()> handler);
    ~SignalSource();
    SignalSource(SignalSource &&) noexcept;
    SignalSource &operator=(SignalSource &&) noexcept;

private:
    struct Slot;
    std::unique_ptr<Slot> slot_;
};

} // namespace phyllome::base
