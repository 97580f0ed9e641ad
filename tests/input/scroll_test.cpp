// input/scroll: high-resolution wheel and finger scrolling add up to whole
// steps, keep their remainder, and drop it when the direction turns.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "input/scroll.hpp"
#include "input/vm_input.hpp"

namespace phyllome::input {
namespace {

TEST(Scroll, OneDetentIsOneStep)
{
    ScrollAccumulator s;
    EXPECT_EQ(s.add(120, ScrollUnit::V120), 1);
    EXPECT_EQ(s.add(-120, ScrollUnit::V120), -1);
    EXPECT_EQ(s.add(360, ScrollUnit::V120), 3);
}

TEST(Scroll, HighResolutionFractionsAddUp)
{
    ScrollAccumulator s;
    EXPECT_EQ(s.add(60, ScrollUnit::V120), 0);
    EXPECT_EQ(s.add(60, ScrollUnit::V120), 1);
    // 24 x 5 = 120: exactly one step, no rounding drift.
    int steps = 0;
    for (int i = 0; i < 24; ++i)
        steps += s.add(5, ScrollUnit::V120);
    EXPECT_EQ(steps, 1);
    for (int i = 0; i < 3; ++i)
        steps += s.add(40, ScrollUnit::V120);
    EXPECT_EQ(steps, 2);
}

TEST(Scroll, RemainderIsKept)
{
    ScrollAccumulator s;
    EXPECT_EQ(s.add(200, ScrollUnit::V120), 1); // 80 left
    EXPECT_EQ(s.add(40, ScrollUnit::V120), 1);
    EXPECT_EQ(s.add(-200, ScrollUnit::V120), -1);
    EXPECT_EQ(s.add(-40, ScrollUnit::V120), -1);
}

TEST(Scroll, DirectionChangeDropsTheRemainder)
{
    ScrollAccumulator s;
    EXPECT_EQ(s.add(100, ScrollUnit::V120), 0);
    // Turned back: not first finishing the step down, and not cancelled
    // against it either.
    EXPECT_EQ(s.add(-100, ScrollUnit::V120), 0);
    EXPECT_EQ(s.add(-20, ScrollUnit::V120), -1);
    EXPECT_EQ(s.add(100, ScrollUnit::V120), 0);
    s.reset();
    EXPECT_EQ(s.add(20, ScrollUnit::V120), 0);
}

TEST(Scroll, ContinuousScrollingInPixels)
{
    ScrollAccumulator s;
    EXPECT_EQ(s.add(kPixelsPerStep, ScrollUnit::Pixels), 1);
    int steps = 0;
    for (int i = 0; i < 30; ++i) // 30 x 1.5 px = 3 steps of 15 px
        steps += s.add(1.5, ScrollUnit::Pixels);
    EXPECT_EQ(steps, 3);
    EXPECT_EQ(s.add(-7, ScrollUnit::Pixels), 0);
    EXPECT_EQ(s.add(-8, ScrollUnit::Pixels), -1);
}

TEST(Scroll, BadValuesAreDroppedOrBounded)
{
    ScrollAccumulator s;
    EXPECT_EQ(s.add(std::nan(""), ScrollUnit::V120), 0);
    EXPECT_EQ(s.add(std::numeric_limits<double>::infinity(), ScrollUnit::Pixels), 0);
    EXPECT_EQ(s.add(0, ScrollUnit::V120), 0);
    EXPECT_EQ(s.add(1e300, ScrollUnit::V120), kMaxStepsPerEvent);
    EXPECT_EQ(s.add(-1e300, ScrollUnit::Pixels), -kMaxStepsPerEvent);
    EXPECT_EQ(s.add(std::numeric_limits<double>::max(), ScrollUnit::Pixels), kMaxStepsPerEvent);
    // And the remainder is sane afterwards.
    EXPECT_EQ(s.add(120, ScrollUnit::V120), 1);
}

TEST(Scroll, WheelButtons)
{
    EXPECT_EQ(wheel_button(ScrollAxis::Vertical, false), qemu_button::kWheelUp);
    EXPECT_EQ(wheel_button(ScrollAxis::Vertical, true), qemu_button::kWheelDown);
    EXPECT_EQ(wheel_button(ScrollAxis::Horizontal, false), qemu_button::kWheelLeft);
    EXPECT_EQ(wheel_button(ScrollAxis::Horizontal, true), qemu_button::kWheelRight);
}

} // namespace
} // namespace phyllome::input
