#include "base/event_source.hpp"

#include <algorithm>
#include <utility>

namespace phyllome::base {
namespace {

// The source a slot holds, removed with the slot.
struct Source {
    wl_event_source *source = nullptr;

    Source() = default;
    ~Source() { remove(); }
    Source(const Source &) = delete;
    Source &operator=(const Source &) = delete;

    void remove()
    {
        if (source)
            wl_event_source_remove(std::exchange(source, nullptr));
    }
};

} // namespace

// --- TimerSource

struct TimerSource::Slot {
    Source source;
    std::function<void()> handler;
    bool armed = false;

    static int dispatch(void *data)
    {
        auto *slot = static_cast<Slot *>(data);
        slot->armed = false;
        slot->handler(); // may destroy the slot
        return 0;
    }
};

TimerSource::TimerSource(wl_event_loop *loop, std::function<void()> handler)
    : slot_(std::make_unique<Slot>())
{
    slot_->handler = std::move(handler);
    slot_->source.source = wl_event_loop_add_timer(loop, &Slot::dispatch, slot_.get());
}

TimerSource::TimerSource() = default;
TimerSource::~TimerSource() = default;
TimerSource::TimerSource(TimerSource &&) noexcept = default;
TimerSource &TimerSource::operator=(TimerSource &&) noexcept = default;

void TimerSource::arm(int milliseconds)
{
    if (!slot_ || !slot_->source.source)
        return;
    wl_event_source_timer_update(slot_->source.source, std::max(milliseconds, 1));
    slot_->armed = true;
}

void TimerSource::disarm()
{
    if (!slot_ || !slot_->source.source)
        return;
    wl_event_source_timer_update(slot_->source.source, 0);
    slot_->armed = false;
}

bool TimerSource::armed() const
{
    return slot_ && slot_->armed;
}

// --- IdleSource

struct IdleSource::Slot {
    wl_event_loop *loop = nullptr;
    Source source; // while scheduled
    std::function<void()> handler;

    static void dispatch(void *data)
    {
        auto *slot = static_cast<Slot *>(data);
        // wayland removes an idle source itself once it has run: forget it
        // first, so that neither a new schedule() nor the slot's end removes
        // it a second time.
        slot->source.source = nullptr;
        slot->handler(); // may schedule again, or destroy the slot
    }
};

IdleSource::IdleSource(wl_event_loop *loop, std::function<void()> handler)
    : slot_(std::make_unique<Slot>())
{
    slot_->loop = loop;
    slot_->handler = std::move(handler);
}

IdleSource::IdleSource() = default;
IdleSource::~IdleSource() = default;
IdleSource::IdleSource(IdleSource &&) noexcept = default;
IdleSource &IdleSource::operator=(IdleSource &&) noexcept = default;

void IdleSource::schedule()
{
    if (!slot_ || slot_->source.source)
        return;
    slot_->source.source = wl_event_loop_add_idle(slot_->loop, &Slot::dispatch, slot_.get());
}

void IdleSource::cancel()
{
    if (slot_)
        slot_->source.remove();
}

bool IdleSource::scheduled() const
{
    return slot_ && slot_->source.source;
}

// --- FdSource

struct FdSource::Slot {
    Source source;
    std::function<void(uint32_t)> handler;

    static int dispatch(int, uint32_t mask, void *data)
    {
        static_cast<Slot *>(data)->handler(mask); // may destroy the slot
        return 0;
    }
};

FdSource::FdSource(wl_event_loop *loop, int fd, uint32_t mask,
                   std::function<void(uint32_t mask)> handler)
    : slot_(std::make_unique<Slot>())
{
    slot_->handler = std::move(handler);
    slot_->source.source = wl_event_loop_add_fd(loop, fd, mask, &Slot::dispatch, slot_.get());
}

FdSource::FdSource() = default;
FdSource::~FdSource() = default;
FdSource::FdSource(FdSource &&) noexcept = default;
FdSource &FdSource::operator=(FdSource &&) noexcept = default;

void FdSource::update(uint32_t mask)
{
    if (slot_ && slot_->source.source)
        wl_event_source_fd_update(slot_->source.source, mask);
}

// --- SignalSource

struct SignalSource::Slot {
    Source source;
    std::function<void()> handler;

    static int dispatch(int, void *data)
    {
        static_cast<Slot *>(data)->handler(); // may destroy the slot
        return 0;
    }
};

SignalSource::SignalSource(wl_event_loop *loop, int signal_number, std::function<void()> handler)
    : slot_(std::make_unique<Slot>())
{
    slot_->handler = std::move(handler);
    slot_->source.source =
        wl_event_loop_add_signal(loop, signal_number, &Slot::dispatch, slot_.get());
}

SignalSource::SignalSource() = default;
SignalSource::~SignalSource() = default;
SignalSource::SignalSource(SignalSource &&) noexcept = default;
SignalSource &SignalSource::operator=(SignalSource &&) noexcept = default;

} // namespace phyllome::base
