// Runs blocking calls (libvirt's start, shutdown, destroy, opening a
// display) on threads of their own and brings each result back to the
// loop, so the display loop never waits on them.
#pragma once

#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include <wayland-server-core.h>

#include "base/event_source.hpp"

namespace phyllome::base {

class OffLoop {
public:
    explicit OffLoop(wl_event_loop *loop);
    // Waits for calls still running; their results are dropped.
    ~OffLoop();
    OffLoop(const OffLoop &) = delete;
    OffLoop &operator=(const OffLoop &) = delete;

    // `work` runs on its own thread; `done` then runs on the loop's thread,
    // unless this OffLoop is gone by then.
    void run(std::function<void()> work, std::function<void()> done);
    // `done` runs on the loop's thread soon, unless this OffLoop is gone by
    // then. Callable from any thread (a library's callback on a thread of
    // its own hands its news to the loop this way).
    void post(std::function<void()> done);

    std::size_t running() const;

private:
    struct Job {
        std::thread thread; // none for post()
        std::function<void()> done;
        bool finished = false;
    };
    void on_wakeup();

    // Cleared when this OffLoop goes, so that a `done` that destroyed it
    // stops the others from running.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    int wakeup_ = -1;
    FdSource source_;
    mutable std::mutex mutex_;
    std::list<Job> jobs_;
};

} // namespace phyllome::base
