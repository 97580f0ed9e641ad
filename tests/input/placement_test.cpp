// vmview/placement: the four scaling modes on a 1920x1080 output, exact
// integer results, and the way back for pointer input.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "input/placement.hpp"

namespace phyllome::input {
namespace {

using config::Scaling;

Placement P(base::Rect dest, base::Rect source)
{
    return Placement{dest, source};
}

struct Case {
    std::uint32_t w, h;
    Placement want;
};

void check(Scaling scaling, std::initializer_list<Case> cases)
{
    for (const Case &c : cases) {
        const Placement got = place_frame(c.w, c.h, 1920, 1080, scaling);
        EXPECT_EQ(got.dest, c.want.dest)
            << to_string(scaling) << " " << c.w << "x" << c.h << ": " << got.dest.x << ","
            << got.dest.y << " " << got.dest.width << "x" << got.dest.height;
        EXPECT_EQ(got.source, c.want.source) << to_string(scaling) << " " << c.w << "x" << c.h;
    }
}

TEST(Placement, Fit)
{
    check(Scaling::Fit, {
                            // 4:3 pillarboxed: 1080 * 4/3 = 1440, (1920 - 1440) / 2 = 240.
                            {640, 480, P({240, 0, 1440, 1080}, {0, 0, 640, 480})},
                            // 9:5 letterboxed: 1920 * 400/720 = 1066.67 -> 1067, y = 13/2 = 6.
                            {720, 400, P({0, 6, 1920, 1067}, {0, 0, 720, 400})},
                            {1920, 1080, P({0, 0, 1920, 1080}, {0, 0, 1920, 1080})},
                            {3840, 2160, P({0, 0, 1920, 1080}, {0, 0, 3840, 2160})},
                            {1, 1, P({420, 0, 1080, 1080}, {0, 0, 1, 1})},
                        });
    // Fit is the default setting.
    EXPECT_EQ(config::Vm{}.scaling, Scaling::Fit);
}

TEST(Placement, Stretch)
{
    for (const auto &[w, h] :
         {std::pair{640u, 480u}, {720u, 400u}, {1920u, 1080u}, {3840u, 2160u}, {1u, 1u}}) {
        EXPECT_EQ(place_frame(w, h, 1920, 1080, Scaling::Stretch),
                  P({0, 0, 1920, 1080},
                    {0, 0, static_cast<std::int32_t>(w), static_cast<std::int32_t>(h)}));
    }
}

TEST(Placement, Integer)
{
    check(Scaling::Integer, {
                                // min(1920/640, 1080/480) = min(3, 2) = 2.
                                {640, 480, P({320, 60, 1280, 960}, {0, 0, 640, 480})},
                                // min(2, 2) = 2.
                                {720, 400, P({240, 140, 1440, 800}, {0, 0, 720, 400})},
                                {1920, 1080, P({0, 0, 1920, 1080}, {0, 0, 1920, 1080})},
                                // Does not fit at 1x: placed as Fit.
                                {3840, 2160, P({0, 0, 1920, 1080}, {0, 0, 3840, 2160})},
                                {1, 1, P({420, 0, 1080, 1080}, {0, 0, 1, 1})},
                            });
    // Taller than the output at 1x, narrower: Fit too.
    EXPECT_EQ(place_frame(800, 1200, 1920, 1080, Scaling::Integer),
              P({600, 0, 720, 1080}, {0, 0, 800, 1200}));
}

TEST(Placement, None)
{
    check(Scaling::None, {
                             {640, 480, P({640, 300, 640, 480}, {0, 0, 640, 480})},
                             {720, 400, P({600, 340, 720, 400}, {0, 0, 720, 400})},
                             {1920, 1080, P({0, 0, 1920, 1080}, {0, 0, 1920, 1080})},
                             // Cropped to its centre.
                             {3840, 2160, P({0, 0, 1920, 1080}, {960, 540, 1920, 1080})},
                             {1, 1, P({959, 539, 1, 1}, {0, 0, 1, 1})},
                         });
    // Cropped on one axis only; odd differences round towards the top left.
    EXPECT_EQ(place_frame(2001, 1001, 1920, 1080, Scaling::None),
              P({0, 39, 1920, 1001}, {40, 0, 1920, 1001}));
}

TEST(Placement, DegenerateSizesGiveNothing)
{
    for (const Scaling s : {Scaling::Fit, Scaling::Stretch, Scaling::Integer, Scaling::None}) {
        EXPECT_EQ(place_frame(0, 480, 1920, 1080, s), Placement{});
        EXPECT_EQ(place_frame(640, 0, 1920, 1080, s), Placement{});
        EXPECT_EQ(place_frame(640, 480, 0, 1080, s), Placement{});
        EXPECT_EQ(place_frame(640, 480, 1920, -1, s), Placement{});
        EXPECT_EQ(place_frame(0xffffffff, 480, 1920, 1080, s), Placement{});
    }
    // Extreme but valid: no overflow, at least one pixel.
    const Placement thin = place_frame(16384, 1, 1920, 1080, Scaling::Fit);
    EXPECT_EQ(thin.dest, (base::Rect{0, 539, 1920, 1}));
    const Placement big = place_frame(0x7fffffff, 0x7fffffff, 0x7fffffff, 1, Scaling::Fit);
    EXPECT_EQ(big.dest, (base::Rect{0x3fffffff, 0, 1, 1}));
}

TEST(Placement, OutputToFrameInFit)
{
    const Placement p = place_frame(640, 480, 1920, 1080, Scaling::Fit); // {240, 0, 1440, 1080}
    using R = std::optional<std::pair<std::uint32_t, std::uint32_t>>;
    EXPECT_EQ(output_to_frame(p, 240, 0), R({0, 0}));
    EXPECT_EQ(output_to_frame(p, 240.0 + 2.25, 2.25), R({1, 1})); // 1440/640 = 2.25 per pixel
    EXPECT_EQ(output_to_frame(p, 240.0 + 2.24, 2.24), R({0, 0}));
    EXPECT_EQ(output_to_frame(p, 960, 540), R({320, 240}));
    EXPECT_EQ(output_to_frame(p, 1679.999, 1079.999), R({639, 479}));
    EXPECT_EQ(output_to_frame(p, 239.999, 0), std::nullopt);
    EXPECT_EQ(output_to_frame(p, 1680, 0), std::nullopt);
    EXPECT_EQ(output_to_frame(p, 300, 1080), std::nullopt);
    EXPECT_EQ(output_to_frame(p, 300, -0.001), std::nullopt);
    EXPECT_EQ(output_to_frame(p, std::nan(""), 10), std::nullopt);
    EXPECT_EQ(output_to_frame(p, 300, std::numeric_limits<double>::infinity()), std::nullopt);
}

TEST(Placement, OutputToFrameInOtherModes)
{
    using R = std::optional<std::pair<std::uint32_t, std::uint32_t>>;
    const Placement integer = place_frame(640, 480, 1920, 1080, Scaling::Integer);
    EXPECT_EQ(output_to_frame(integer, 321, 61), R({0, 0}));
    EXPECT_EQ(output_to_frame(integer, 322, 62), R({1, 1}));
    EXPECT_EQ(output_to_frame(integer, 1599, 1019), R({639, 479}));
    EXPECT_EQ(output_to_frame(integer, 319, 61), std::nullopt);

    const Placement none = place_frame(3840, 2160, 1920, 1080, Scaling::None);
    EXPECT_EQ(output_to_frame(none, 0, 0), R({960, 540}));
    EXPECT_EQ(output_to_frame(none, 1919.5, 1079.5), R({2879, 1619}));

    const Placement small = place_frame(640, 480, 1920, 1080, Scaling::None);
    EXPECT_EQ(output_to_frame(small, 640, 300), R({0, 0}));
    EXPECT_EQ(output_to_frame(small, 1279.9, 779.9), R({639, 479}));
    EXPECT_EQ(output_to_frame(small, 1280, 300), std::nullopt);

    const Placement stretch = place_frame(1, 1, 1920, 1080, Scaling::Stretch);
    EXPECT_EQ(output_to_frame(stretch, 0, 0), R({0, 0}));
    EXPECT_EQ(output_to_frame(stretch, 1919.99, 1079.99), R({0, 0}));

    const Placement wide = place_frame(3840, 2160, 1920, 1080, Scaling::Stretch);
    EXPECT_EQ(output_to_frame(wide, 1919.999, 1079.999), R({3839, 2159}));

    EXPECT_EQ(output_to_frame(Placement{}, 0, 0), std::nullopt);
}

} // namespace
} // namespace phyllome::input
