#include <cstring>

#include <gtest/gtest.h>

#include "session/session_config.hpp"
#include "compositor/status_card.hpp"
#include "config/load.hpp"

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
    const StatusCardText text{
        .vm = "work", .state = "Shut off", .seat = "left", .output = "DP-1", .hint = {}};
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
    const StatusCardText a{
        .vm = "work", .state = "Running", .seat = "left", .output = "DP-1", .hint = {}};
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
                              .output = "X",
                              .hint = {}};
    for (auto [w, h] : std::vector<std::pair<int, int>>{{1, 1}, {16, 9}, {7680, 4320}}) {
        CardImage image = render_status_card(text, w, h);
        EXPECT_GT(image.width(), 0);
    }
    // Invalid UTF-8 from a VM name is shown, not crashed on.
    render_status_card(
        StatusCardText{.vm = "\xff\xfe bad", .state = {}, .seat = {}, .output = {}, .hint = {}},
        640, 480);
}

// Texts the session shows, at their longest.
const std::vector<StatusCardText> &long_texts()
{
    static const std::vector<StatusCardText> texts = {
        {.vm = "work",
         .state = "libvirt unreachable (qemu+unix:///system?socket=/run/user/1000/libvirt/"
                  "virtqemud-sock): Failed to connect socket to '/run/user/1000/libvirt/"
                  "virtqemud-sock': No such file or directory",
         .seat = "left",
         .output = "HDMI-A-1",
         .hint = {}},
        {.vm = "windows-11-gaming",
         .state = "No D-Bus display: add <graphics type='dbus' p2p='yes'/> to its XML",
         .seat = "seat0",
         .output = "DP-2",
         .hint = "Add it with: phyllomectl vm adopt windows-11-gaming, then restart the VM"},
        {.vm = "work",
         .state = "Shut off",
         .seat = "left",
         .output = "HEADLESS-1",
         .hint = "Press Ctrl+Alt+Super+Return to start it"},
        {.vm = "work",
         .state = "Dark: work has one display, shown on HEADLESS-1",
         .seat = "left",
         .output = "HEADLESS-2",
         .hint = "Give the VM a display for this screen too (a video device with more heads, "
                 "e.g. <model type='virtio' heads='2'/>)"},
        {.vm = std::string(200, 'W'), .state = "Shut off", .seat = "s", .output = "X", .hint = {}},
    };
    return texts;
}

// Every line of every text is shown whole: wrapped, never ellipsized,
// inside the card, and the card inside the output, small outputs included.
TEST(StatusCardLayout, LongTextsAreWrappedAndShownWhole)
{
    for (auto [w, h] : std::vector<std::pair<int, int>>{
             {1920, 1080}, {1280, 720}, {640, 480}, {480, 640}, {320, 240}, {200, 100}}) {
        for (const StatusCardText &text : long_texts()) {
            SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h) + " " + text.state);
            const CardLayout layout = layout_status_card(text, w, h);
            const CardGeometry &card = layout.card;
            EXPECT_GE(card.x, 0);
            EXPECT_GE(card.y, 0);
            EXPECT_LE(card.x + card.width, w);
            EXPECT_LE(card.y + card.height, h);
            ASSERT_EQ(layout.blocks.size(), text.hint.empty() ? 3u : 4u);
            for (const CardLayout::Block &block : layout.blocks) {
                EXPECT_FALSE(block.cut) << block.text;
                EXPECT_GT(block.height, 0) << block.text;
            }
            // Drawn at the size the layout gives.
            CardImage image = render_status_card(text, w, h);
            EXPECT_EQ(image.width(), card.width);
            EXPECT_EQ(image.height(), card.height);
        }
    }
    // On a 640x480 screen the libvirt reason takes several lines of a
    // readable size, on a card taller than the smallest one.
    const CardLayout layout = layout_status_card(long_texts()[0], 640, 480);
    EXPECT_GE(layout.blocks[1].lines, 3);
    EXPECT_GE(layout.blocks[1].height / layout.blocks[1].lines, 12);
    EXPECT_GT(layout.card.height, status_card_geometry(640, 480).height);
}

TEST(StatusCardLayout, ShortTextsKeepTheSmallestCard)
{
    const StatusCardText text{
        .vm = "work", .state = "Running", .seat = "left", .output = "DP-1", .hint = {}};
    for (auto [w, h] : std::vector<std::pair<int, int>>{{1920, 1080}, {640, 480}, {320, 240}}) {
        const CardGeometry a = status_card_geometry(text, w, h);
        const CardGeometry b = status_card_geometry(w, h);
        EXPECT_EQ(std::tie(a.x, a.y, a.width, a.height), std::tie(b.x, b.y, b.width, b.height));
    }
}

config::Config config_from(const std::string &toml)
{
    config::LoadResult result = config::parse_config(toml, "test.toml");
    EXPECT_TRUE(result.ok());
    return result.ok() ? *result.config : config::Config{};
}

// The VM a seat shows as the session file names it.
std::optional<std::string> file_vm(const config::Seat &seat)
{
    return seat.vm;
}

// A shut-off VM's card names the keys that start it, as configured.
TEST(CardText, ShutOffVmSaysWhichKeysStartIt)
{
    auto shut_off = [](const std::string &, const std::string &) {
        return VmCardState{.state = "Shut off", .fix = {}, .startable = true};
    };
    const std::string seat = "[[vm]]\nname = \"work\"\n\n[[seat]]\nname = \"left\"\n"
                             "vm = \"work\"\noutputs = [\"DP-1\"]\n";
    StatusCardText text = card_text_for_output(config_from(seat), "DP-1", file_vm, shut_off, "");
    EXPECT_EQ(text.state, "Shut off");
    EXPECT_EQ(text.hint, "Press Ctrl+Alt+Super+Return to start it");

    text = card_text_for_output(
        config_from("[session]\nhost_keys = \"Ctrl+Shift\"\n\n[keys]\nstart_vm = \"F5\"\n\n" +
                    seat),
        "DP-1", file_vm, shut_off, "");
    EXPECT_EQ(text.hint, "Press Ctrl+Shift+F5 to start it");

    // A running VM's card has no such hint; a fix from the state is kept.
    text = card_text_for_output(
        config_from(seat), "DP-1", file_vm,
        [](const std::string &vm, const std::string &) {
            return VmCardState{.state = "No display", .fix = "Run " + vm, .startable = false};
        },
        "");
    EXPECT_EQ(text.hint, "Run work");
    // A broken session file says so instead.
    text = card_text_for_output(config_from(seat), "DP-1", file_vm, shut_off, "Session file error");
    EXPECT_EQ(text.state, "Session file error");
    EXPECT_EQ(text.hint, "");
}

// A seat switched to another VM (host keys, phyllomectl switch): its card
// names and describes that VM, not the one the file starts it with.
TEST(CardText, NamesTheVmTheSeatShowsNow)
{
    const config::Config config = config_from(
        "[[vm]]\nname = \"work\"\n\n[[vm]]\nname = \"play\"\n\n[[seat]]\nname = \"left\"\n"
        "vm = \"work\"\noutputs = [\"DP-1\"]\n");
    const StatusCardText text = card_text_for_output(
        config, "DP-1", [](const config::Seat &) { return std::optional<std::string>("play"); },
        [](const std::string &vm, const std::string &) {
            return VmCardState{.state = "State of " + vm, .fix = {}, .startable = false};
        },
        "");
    EXPECT_EQ(text.vm, "play");
    EXPECT_EQ(text.state, "State of play");
    EXPECT_EQ(text.seat, "left");
}

} // namespace
} // namespace phyllome

namespace phyllome {
namespace {

// The clipboard banner: one line on the card colour at the top centre.
TEST(Banner, TopCentreOneLineOnTheCardColour)
{
    for (const auto &[w, h] : {std::pair{1920, 1080}, {320, 240}, {3840, 2160}}) {
        const CardGeometry where = banner_geometry(w, h);
        EXPECT_LE(std::abs(where.x - (w - where.x - where.width)), 1) << w;
        EXPECT_GE(where.y, 0);
        EXPECT_LT(where.y + where.height, h / 2) << "near the top";
        CardImage image = render_banner("Copied 2.1 KiB of text from work", w, h);
        ASSERT_EQ(image.width(), where.width);
        ASSERT_EQ(image.height(), where.height);
        EXPECT_EQ(image.pixel(0, 0) >> 24, 0u) << "rounded corner";
        EXPECT_EQ(image.pixel(image.width() / 2, 0), 0xff000000 | kCardColor);
        int bright = 0;
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x)
                if (((image.pixel(x, y) >> 8) & 0xff) > 0x80)
                    ++bright;
        EXPECT_GT(bright, image.width() * image.height() / 200) << w << " text is drawn";
    }
    // A long text stays on one line within the banner.
    CardImage long_text = render_banner(std::string(5000, 'x'), 640, 480);
    EXPECT_EQ(long_text.height(), banner_geometry(640, 480).height);
}

} // namespace
} // namespace phyllome
