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
    source_ = wl_event_loop_add_fd(loop, wakeup_, WL_EVENT_READABLE, on_wakeup, this);
}

OffLoop::~OffLoop()
{
    *alive_ = false;
    wl_event_source_remove(source_);
    std::list<Job> jobs;
    {
        std::lock_guard lock(mutex_);
        jobs.swap(jobs_);
    }
    for (Job &job : jobs)
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

std::size_t OffLoop::running() const
{
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

int OffLoop::on_wakeup(int fd, uint32_t, void *data)
{
    auto *self = static_cast<OffLoop *>(data);
    uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = read(fd, &count, sizeof count);
    std::list<Job> finished;
    {
        std::lock_guard lock(self->mutex_);
        for (auto it = self->jobs_.begin(); it != self->jobs_.end();) {
            auto next = std::next(it);
            if (it->finished)
                finished.splice(finished.end(), self->jobs_, it);
            it = next;
        }
    }
    const std::shared_ptr<bool> alive = self->alive_;
    for (Job &job : finished) {
        job.thread.join();
        if (job.done && *alive)
            job.done(); // may destroy this OffLoop
    }
    return 0;
}

} // namespace phyllome::base
