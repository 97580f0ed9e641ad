// sound::Ring: bounded, drops the oldest audio in whole frames, and
// sound::Links::pair_ports: which port feeds which.
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

#include "sound/links.hpp"
#include "sound/ring.hpp"

namespace phyllome::sound {
namespace {

std::vector<uint8_t> bytes(uint8_t first, size_t count)
{
    std::vector<uint8_t> out(count);
    std::iota(out.begin(), out.end(), first);
    return out;
}

std::vector<uint8_t> pop(Ring &ring, size_t count)
{
    std::vector<uint8_t> out(count);
    out.resize(ring.pop(out));
    return out;
}

TEST(SoundRing, CapacityIsWholeFrames)
{
    EXPECT_EQ(Ring(10, 4).capacity(), 8u);
    EXPECT_EQ(Ring(2, 4).capacity(), 4u) << "at least one frame";
}

TEST(SoundRing, FirstInFirstOutAcrossTheEnd)
{
    Ring ring(8, 2);
    EXPECT_EQ(ring.push(bytes(0, 6)), 0u);
    EXPECT_EQ(pop(ring, 4), bytes(0, 4));
    EXPECT_EQ(ring.push(bytes(6, 6)), 0u); // wraps
    EXPECT_EQ(ring.size(), 8u);
    EXPECT_EQ(pop(ring, 100), bytes(4, 8));
    EXPECT_EQ(ring.size(), 0u);
    EXPECT_TRUE(pop(ring, 4).empty());
}

TEST(SoundRing, OverflowDropsTheOldestWholeFrames)
{
    Ring ring(8, 2);
    ring.push(bytes(0, 6));
    // 5 bytes do not fit in the 2 left: 3 must go, rounded up to 4.
    EXPECT_EQ(ring.push(bytes(6, 5)), 4u);
    EXPECT_EQ(ring.size(), 7u);
    // Whole frames only: the partial last one waits for its second byte.
    EXPECT_EQ(pop(ring, 100), bytes(4, 6));
    ring.push(bytes(11, 1));
    EXPECT_EQ(pop(ring, 100), bytes(10, 2));
}

TEST(SoundRing, AWriteLargerThanTheRingKeepsItsNewestPart)
{
    Ring ring(8, 4);
    ring.push(bytes(100, 4));
    EXPECT_EQ(ring.push(bytes(0, 20)), 16u); // the 4 queued and the first 12
    EXPECT_EQ(ring.size(), 8u);
    EXPECT_EQ(pop(ring, 100), bytes(12, 8));
}

TEST(SoundRing, PopTakesWholeFramesOnly)
{
    Ring ring(12, 4);
    ring.push(bytes(0, 12));
    EXPECT_EQ(pop(ring, 7), bytes(0, 4));
    EXPECT_EQ(pop(ring, 3).size(), 0u);
    EXPECT_EQ(ring.size(), 8u);
}

Port port(uint32_t id, const char *channel)
{
    Port p;
    p.id = id;
    p.channel = channel;
    return p;
}

using Pairs = std::vector<std::pair<uint32_t, uint32_t>>;

TEST(SoundLinks, PairsPortsByChannelElseInTurn)
{
    const std::vector<Port> stereo_in = {port(10, "FL"), port(11, "FR")};
    // Same channels, any order.
    EXPECT_EQ(Links::pair_ports({port(2, "FR"), port(1, "FL")}, stereo_in),
              (Pairs{{1, 10}, {2, 11}}));
    // Mono feeds both.
    EXPECT_EQ(Links::pair_ports({port(1, "MONO")}, stereo_in), (Pairs{{1, 10}, {1, 11}}));
    // Stereo into mono: the first.
    EXPECT_EQ(Links::pair_ports({port(1, "FL"), port(2, "FR")}, {port(10, "MONO")}),
              (Pairs{{1, 10}}));
    // 5.1 on stereo: the front pair.
    EXPECT_EQ(Links::pair_ports({port(1, "FL"), port(2, "FR"), port(3, "FC"), port(4, "LFE"),
                                 port(5, "RL"), port(6, "RR")},
                                stereo_in),
              (Pairs{{1, 10}, {2, 11}}));
    EXPECT_TRUE(Links::pair_ports({}, stereo_in).empty());
    EXPECT_TRUE(Links::pair_ports({port(1, "FL")}, {}).empty());
}

} // namespace
} // namespace phyllome::sound
