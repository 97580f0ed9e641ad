// OffLoop on a real wl_event_loop: work off the loop, results on it, and
// news posted from other threads.
#include <thread>

#include <gtest/gtest.h>

#include "base/off_loop.hpp"

namespace phyllome::base {
namespace {

class OffLoopTest : public ::testing::Test {
protected:
    ~OffLoopTest() override
    {
        off_loop_.reset();
        wl_event_loop_destroy(loop_);
    }

    void dispatch_until(const bool &done)
    {
        while (!done)
            ASSERT_GE(wl_event_loop_dispatch(loop_, -1), 0);
    }

    wl_event_loop *loop_ = wl_event_loop_create();
    std::unique_ptr<OffLoop> off_loop_ = std::make_unique<OffLoop>(loop_);
};

TEST_F(OffLoopTest, WorkRunsOffTheLoopAndItsResultOnIt)
{
    const std::thread::id loop_thread = std::this_thread::get_id();
    std::thread::id worked_on, done_on;
    bool done = false;
    off_loop_->run([&] { worked_on = std::this_thread::get_id(); },
                   [&] {
                       done_on = std::this_thread::get_id();
                       done = true;
                   });
    dispatch_until(done);
    EXPECT_NE(worked_on, loop_thread);
    EXPECT_EQ(done_on, loop_thread);
    EXPECT_EQ(off_loop_->running(), 0u);
}

TEST_F(OffLoopTest, WhatAnotherThreadPostsRunsOnTheLoopInOrder)
{
    const std::thread::id loop_thread = std::this_thread::get_id();
    std::vector<int> seen;
    bool all_on_loop = true;
    bool last = false;
    std::thread poster([&] {
        for (int i = 0; i < 100; ++i)
            off_loop_->post([&, i] {
                all_on_loop = all_on_loop && std::this_thread::get_id() == loop_thread;
                seen.push_back(i);
                last = i == 99;
            });
    });
    poster.join();
    dispatch_until(last);
    EXPECT_TRUE(all_on_loop);
    ASSERT_EQ(seen.size(), 100u);
    for (int i = 0; i < 100; ++i)
        EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
}

TEST_F(OffLoopTest, NothingPostedRunsOnceTheOffLoopIsGone)
{
    bool ran = false;
    std::thread poster([&] { off_loop_->post([&] { ran = true; }); });
    poster.join();
    off_loop_.reset();
    EXPECT_EQ(wl_event_loop_dispatch(loop_, 0), 0);
    EXPECT_FALSE(ran);
}

} // namespace
} // namespace phyllome::base
