#include <cstring>

#include <gtest/gtest.h>

#include "compositor/status_card.hpp"

namespace phyllome {
namespace {

uint32_t rgb(uint32_t argb)
{
    return argb & 0xffffff;
}

int count_text_pixels(const CardImage &image)
{
    int count = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const uint32_t pixel = image.pixel(x, y);
            if ((pixel >> 24) == 0xff && rgb(pixel) != kCardColor)
                ++count;
        }
    return count;
}

TEST(StatusCardGeometry, CentredAndInsideTheOutput)
{
    for (auto [w, h] : std::vector<std::pair<int, int>>{{1920, 1080},
                                                        {1280, 720},
                                                        {3840, 2160},
                                                        {640, 480},
                                                        {200, 100},
                                                        {1, 1},
                                                        {100, 4000}}) {
        const CardGeometry card = status_card_geometry(w, h);
        EXPECT_GE(card.x, 0);
        EXPECT_GE(card.y, 0);
        EXPECT_GE(card.width, 1);
        EXPECT_GE(card.height, 1);
        EXPECT_LE(card.x + card.width, w);
        EXPECT_LE(card.y + card.height, h);
        EXPECT_LE(std::abs(card.x - (w - card.x - card.width)), 1);
        EXPECT_LE(std::abs(card.y - (h - card.y - card.height)), 1);
    }
    EXPECT_EQ(status_card_geometry(1920, 1080).width, 960);
}

TEST(StatusCard, DrawsTextOnTheCardColour)
{
    const StatusCardText text{.vm = "work", .state = "Shut off", .seat = "left", .output = "DP-1"};
    CardImage image = render_status_card(text, 1920, 1080);
    const CardGeometry geometry = status_card_geometry(1920, 1080);
    ASSERT_EQ(image.width(), geometry.width);
    ASSERT_EQ(image.height(), geometry.height);
    // Rounded corners are transparent; the middle of the top edge is card.
    EXPECT_EQ(image.pixel(0, 0) >> 24, 0u);
    EXPECT_EQ(image.pixel(image.width() / 2, 1), 0xff000000 | kCardColor);
    const int text_pixels = count_text_pixels(image);
    EXPECT_GT(text_pixels, image.width() * image.height() / 100);
    EXPECT_LT(text_pixels, image.width() * image.height() / 2);
}

TEST(StatusCard, DifferentTextDrawsDifferently)
{
    const StatusCardText a{.vm = "work", .state = "Running", .seat = "left", .output = "DP-1"};
    StatusCardText b = a;
    b.vm = "games";
    CardImage first = render_status_card(a, 1280, 720);
    CardImage second = render_status_card(b, 1280, 720);
    ASSERT_EQ(first.stride() * first.height(), second.stride() * second.height());
    EXPECT_NE(0, std::memcmp(first.data(), second.data(),
                             static_cast<std::size_t>(first.stride() * first.height())));
}

TEST(StatusCard, EmptyTextStillSaysSomething)
{
    CardImage image = render_status_card(StatusCardText{}, 800, 600);
    EXPECT_GT(count_text_pixels(image), 100);
}

TEST(StatusCard, LongNamesAndTinyOutputsDoNotBreakIt)
{
    const StatusCardText text{.vm = std::string(500, 'W'),
                              .state = "\xe2\x9c\x93 ok",
                              .seat = std::string(300, 's'),
                              .output = "X"};
    for (auto [w, h] : std::vector<std::pair<int, int>>{{1, 1}, {16, 9}, {7680, 4320}}) {
        CardImage image = render_status_card(text, w, h);
        EXPECT_GT(image.width(), 0);
    }
    // Invalid UTF-8 from a VM name is shown, not crashed on.
    render_status_card(StatusCardText{.vm = "\xff\xfe bad", .state = {}, .seat = {}, .output = {}},
                       640, 480);
}

} // namespace
} // namespace phyllome
