#include <csignal>
#include <memory>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/event_source.hpp"
#include "base/unique_fd.hpp"

namespace phyllome::base {
namespace {

class EventSourceTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_NE(loop_, nullptr); }
    void TearDown() override { wl_event_loop_destroy(loop_); }

    // Dispatches (blocking) until `done`; idle sources run on each pass.
    void dispatch_until(const bool &done)
    {
        while (!done)
            ASSERT_GE(wl_event_loop_dispatch(loop_, -1), 0);
    }

    // A timer that fires after every timer armed for less than
    // `milliseconds`: wayland fires expired timers in deadline order, so
    // once it has fired, any of those that would fire has.
    void dispatch_past(int milliseconds)
    {
        bool fired = false;
        TimerSource sentinel(loop_, [&] { fired = true; });
        sentinel.arm(milliseconds);
        dispatch_until(fired);
    }

    // Runs the idle sources, then frees what was removed (as the session's
    // loop does on every pass), so that a source removed twice is caught.
    void run_idle() { ASSERT_EQ(wl_event_loop_dispatch(loop_, 0), 0); }

    wl_event_loop *loop_ = wl_event_loop_create();
};

struct Pipe {
    UniqueFd read, write;
    Pipe()
    {
        int fds[2];
        if (pipe(fds) == 0) {
            read.reset(fds[0]);
            write.reset(fds[1]);
        }
    }
    void put() const { ASSERT_EQ(::write(write.get(), "x", 1), 1); }
};

TEST_F(EventSourceTest, TimerFiresOnce)
{
    int calls = 0;
    bool fired = false;
    TimerSource timer(loop_, [&] {
        ++calls;
        fired = true;
    });
    EXPECT_FALSE(timer.armed());
    timer.arm(1);
    EXPECT_TRUE(timer.armed());
    dispatch_until(fired);
    EXPECT_FALSE(timer.armed());
    dispatch_past(5);
    EXPECT_EQ(calls, 1);
}

TEST_F(EventSourceTest, TimerArmedAgainFromItsHandlerFiresAgain)
{
    int calls = 0;
    bool again = false;
    TimerSource timer;
    timer = TimerSource(loop_, [&] {
        if (++calls == 1)
            timer.arm(1);
        else
            again = true;
    });
    timer.arm(1);
    dispatch_until(again);
    EXPECT_EQ(calls, 2);
    EXPECT_FALSE(timer.armed());
}

TEST_F(EventSourceTest, DisarmedTimerDoesNotFire)
{
    int calls = 0;
    TimerSource timer(loop_, [&] { ++calls; });
    timer.arm(1);
    timer.disarm();
    EXPECT_FALSE(timer.armed());
    dispatch_past(5);
    EXPECT_EQ(calls, 0);
}

TEST_F(EventSourceTest, DestroyedTimerNeverFires)
{
    int calls = 0;
    auto timer = std::make_unique<TimerSource>(loop_, [&] { ++calls; });
    timer->arm(1);
    timer.reset();
    dispatch_past(5);
    EXPECT_EQ(calls, 0);
}

TEST_F(EventSourceTest, TimerMayDestroyItsOwnerFromItsHandler)
{
    int calls = 0;
    std::unique_ptr<TimerSource> timer;
    timer = std::make_unique<TimerSource>(loop_, [&] {
        ++calls;
        timer.reset();
    });
    timer->arm(1);
    dispatch_past(5);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(timer, nullptr);
}

TEST_F(EventSourceTest, MovedTimerKeepsItsArmAndTheOldOwnerHoldsNothing)
{
    int calls = 0;
    TimerSource first(loop_, [&] { ++calls; });
    first.arm(1);
    TimerSource second(std::move(first));
    EXPECT_TRUE(second.armed());
    EXPECT_FALSE(first.armed()); // NOLINT(bugprone-use-after-move): moved-from is empty
    first.arm(1);                // does nothing
    dispatch_past(5);
    EXPECT_EQ(calls, 1);
}

TEST_F(EventSourceTest, AssigningATimerRemovesTheOneItHeld)
{
    int old_calls = 0, new_calls = 0;
    TimerSource timer(loop_, [&] { ++old_calls; });
    timer.arm(1);
    timer = TimerSource(loop_, [&] { ++new_calls; });
    timer.arm(1);
    dispatch_past(5);
    EXPECT_EQ(old_calls, 0);
    EXPECT_EQ(new_calls, 1);
}

TEST_F(EventSourceTest, DefaultTimerDoesNothing)
{
    TimerSource timer;
    timer.arm(1);
    timer.disarm();
    EXPECT_FALSE(timer.armed());
}

TEST_F(EventSourceTest, IdleRunsOnceHoweverOftenScheduled)
{
    int calls = 0;
    IdleSource idle(loop_, [&] { ++calls; });
    EXPECT_FALSE(idle.scheduled());
    idle.schedule();
    idle.schedule();
    EXPECT_TRUE(idle.scheduled());
    run_idle();
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(idle.scheduled());
    run_idle();
    EXPECT_EQ(calls, 1);
}

TEST_F(EventSourceTest, IdleScheduledAgainFromItsHandlerRunsAgain)
{
    int calls = 0;
    IdleSource idle;
    idle = IdleSource(loop_, [&] {
        if (++calls < 3)
            idle.schedule();
    });
    idle.schedule();
    run_idle();
    EXPECT_EQ(calls, 3);
    EXPECT_FALSE(idle.scheduled());
}

TEST_F(EventSourceTest, IdleScheduledAgainFromItsHandlerCanBeCancelled)
{
    // wayland removes an idle source itself after its handler: the owner
    // must remove only the one scheduled anew, and that one only once.
    int calls = 0;
    IdleSource idle;
    idle = IdleSource(loop_, [&] {
        if (++calls > 1)
            return;
        idle.schedule();
        idle.cancel();
        idle.schedule();
    });
    idle.schedule();
    run_idle();
    EXPECT_EQ(calls, 2);
    idle.schedule();
    idle = IdleSource(); // removes the one just scheduled
    run_idle();
    EXPECT_EQ(calls, 2);
}

TEST_F(EventSourceTest, CancelledOrDestroyedIdleNeverRuns)
{
    int calls = 0;
    IdleSource cancelled(loop_, [&] { ++calls; });
    cancelled.schedule();
    cancelled.cancel();
    EXPECT_FALSE(cancelled.scheduled());
    auto destroyed = std::make_unique<IdleSource>(loop_, [&] { ++calls; });
    destroyed->schedule();
    destroyed.reset();
    run_idle();
    EXPECT_EQ(calls, 0);
}

TEST_F(EventSourceTest, IdleMayDestroyItsOwnerFromItsHandler)
{
    int calls = 0;
    std::unique_ptr<IdleSource> idle;
    idle = std::make_unique<IdleSource>(loop_, [&] {
        ++calls;
        idle.reset();
    });
    idle->schedule();
    run_idle();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(idle, nullptr);
}

TEST_F(EventSourceTest, DestroyedAfterRunningIdleRemovesNothingTwice)
{
    int calls = 0;
    {
        IdleSource idle(loop_, [&] { ++calls; });
        idle.schedule();
        run_idle();
    }
    // A second removal would have corrupted the loop's lists by now.
    run_idle();
    EXPECT_EQ(calls, 1);
}

TEST_F(EventSourceTest, FdSourceFiresWhenReadable)
{
    Pipe pipe;
    ASSERT_TRUE(pipe.read);
    uint32_t seen = 0;
    bool fired = false;
    FdSource source(loop_, pipe.read.get(), WL_EVENT_READABLE, [&](uint32_t mask) {
        seen = mask;
        fired = true;
    });
    pipe.put();
    dispatch_until(fired);
    EXPECT_TRUE(seen & WL_EVENT_READABLE);
}

TEST_F(EventSourceTest, FdSourceUpdatedToNothingOrDestroyedDoesNotFire)
{
    Pipe quiet, gone, sentinel;
    ASSERT_TRUE(quiet.read && gone.read && sentinel.read);
    int calls = 0;
    FdSource updated(loop_, quiet.read.get(), WL_EVENT_READABLE, [&](uint32_t) { ++calls; });
    updated.update(0);
    auto destroyed = std::make_unique<FdSource>(loop_, gone.read.get(), WL_EVENT_READABLE,
                                                [&](uint32_t) { ++calls; });
    destroyed.reset();
    quiet.put();
    gone.put();
    sentinel.put();
    bool fired = false;
    FdSource watch(loop_, sentinel.read.get(), WL_EVENT_READABLE, [&](uint32_t) { fired = true; });
    dispatch_until(fired);
    EXPECT_EQ(calls, 0);
}

TEST_F(EventSourceTest, SignalSourceFiresOnItsSignal)
{
    // Blocked first, so that the signal waits for the signalfd instead of
    // killing the test.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &set, nullptr), 0);
    bool fired = false;
    SignalSource source(loop_, SIGUSR1, [&] { fired = true; });
    ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
    dispatch_until(fired);
    EXPECT_TRUE(fired);
}

} // namespace
} // namespace phyllome::base
