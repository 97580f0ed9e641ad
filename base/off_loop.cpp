#include "base/off_loop.hpp"

#include <csignal>
#include <pthread.h>
#include <stdexcept>
#include <sys/eventfd.h>
#include <unistd.h>

namespace phyllome::base {

OffLoop::OffLoop(wl_event_loop *loop)
{
    wakeup_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wakeup_ < 0)
        throw std::runtime_error("eventfd failed");
    source_ = FdSource(loop, wakeup_, WL_EVENT_READABLE, [this](uint32_t) { on_wakeup(); });
}

OffLoop::~OffLoop()
{
    *alive_ = false;
    source_ = {};
    std::list<Job> jobs;
    {
        std::lock_guard lock(mutex_);
        jobs.swap(jobs_);
    }
    for (Job &job : jobs)
        if (job.thread.joinable())
            job.thread.join();
    close(wakeup_);
}

void OffLoop::run(std::function<void()> work, std::function<void()> done)
{
    std::lock_guard lock(mutex_);
    Job &job = jobs_.emplace_back();
    job.done = std::move(done);
    job.thread = std::thread([this, &job, work = std::move(work)] {
        // Signals are the loop's business (signalfd): never deliver one
        // here, nor in the threads libvirt starts from here.
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, nullptr);
        work();
        std::lock_guard lock(mutex_);
        job.finished = true;
        const uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = write(wakeup_, &one, sizeof one);
    });
}

void OffLoop::post(std::function<void()> done)
{
    std::lock_guard lock(mutex_);
    Job &job = jobs_.emplace_back();
    job.done = std::move(done);
    job.finished = true;
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(wakeup_, &one, sizeof one);
}

std::size_t OffLoop::running() const
{
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

void OffLoop::on_wakeup()
{
    uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = read(wakeup_, &count, sizeof count);
    std::list<Job> finished;
    {
        std::lock_guard lock(mutex_);
        for (auto it = jobs_.begin(); it != jobs_.end();) {
            auto next = std::next(it);
            if (it->finished)
                finished.splice(finished.end(), jobs_, it);
            it = next;
        }
    }
    // Only locals from here: a `done` may destroy this OffLoop.
    const std::shared_ptr<bool> alive = alive_;
    for (Job &job : finished) {
        if (job.thread.joinable())
            job.thread.join();
        if (job.done && *alive)
            job.done();
    }
}

} // namespace phyllome::base
