// Lines cut out of a byte stream whatever the read boundaries, and the bound.
#include <gtest/gtest.h>

#include "control/line_buffer.hpp"

namespace phyllome::control {
namespace {

TEST(LineBuffer, LinesSplitAcrossReads)
{
    LineBuffer buffer(100);
    buffer.append("{\"comm");
    EXPECT_FALSE(buffer.next_line());
    EXPECT_TRUE(buffer.has_partial());
    buffer.append("and\":1}\nsecond\nthi");
    EXPECT_EQ(buffer.next_line(), "{\"command\":1}");
    EXPECT_EQ(buffer.next_line(), "second");
    EXPECT_FALSE(buffer.next_line());
    buffer.append("rd\n");
    EXPECT_EQ(buffer.next_line(), "third");
    EXPECT_FALSE(buffer.has_partial());
}

TEST(LineBuffer, EmptyLines)
{
    LineBuffer buffer(10);
    buffer.append("\n\n");
    EXPECT_EQ(buffer.next_line(), "");
    EXPECT_EQ(buffer.next_line(), "");
    EXPECT_FALSE(buffer.next_line());
}

TEST(LineBuffer, OverflowWithoutNewline)
{
    LineBuffer buffer(8);
    buffer.append("12345678");
    EXPECT_FALSE(buffer.overflowed()); // the limit itself is fine
    buffer.append("9");
    EXPECT_TRUE(buffer.overflowed());
    EXPECT_FALSE(buffer.next_line());
}

TEST(LineBuffer, OverflowedCompleteLineIsNotReturned)
{
    LineBuffer buffer(4);
    buffer.append("ok\n123456\nafter\n");
    EXPECT_EQ(buffer.next_line(), "ok");
    EXPECT_TRUE(buffer.overflowed());
    EXPECT_FALSE(buffer.next_line());
}

} // namespace
} // namespace phyllome::control
