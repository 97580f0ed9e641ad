// vmview/console_buffer: the Scanout/Update shadow buffer, the resize guard,
// rejected messages, damage and counters.
#include <drm_fourcc.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <functional>
#include <vector>

#include "vmview/console_buffer.hpp"
#include "vmview/pixel_format.hpp"

namespace phyllome::vmview {
namespace {

using ::testing::ElementsAre;

constexpr std::uint32_t kXRGB = 0x20020888;  // x8r8g8b8
constexpr std::uint32_t kARGB = 0x20028888;  // a8r8g8b8
constexpr std::uint32_t kXBGR = 0x20030888;  // x8b8g8r8
constexpr std::uint32_t kRGB24 = 0x18020888; // r8g8b8
constexpr std::uint32_t kRGB16 = 0x10020565; // r5g6b5
constexpr std::uint8_t kPad = 0xab;

// Colours every format carries exactly (channels 0 or 0xff).
constexpr std::array<std::uint32_t, 8> kPalette{0x000000, 0xffffff, 0xff0000, 0x00ff00,
                                                0x0000ff, 0xffff00, 0xff00ff, 0x00ffff};

std::uint32_t palette(std::uint32_t x, std::uint32_t y)
{
    return kPalette[(x * 3 + y * 5) % 8];
}

// Any 8-bit colour, for the 32-bit formats.
std::uint32_t pattern(std::uint32_t x, std::uint32_t y)
{
    return ((x * 7 + 1) & 0xff) << 16 | ((y * 13 + 2) & 0xff) << 8 | ((x + y * 3 + 3) & 0xff);
}

using ColourFn = std::function<std::uint32_t(std::uint32_t, std::uint32_t)>;

const PixelFormat &format(std::uint32_t code)
{
    const PixelFormat *f = find_pixman_format(code);
    EXPECT_NE(f, nullptr);
    return *f;
}

// Pixels as QEMU sends them: rows of `stride` bytes, padding filled with kPad.
std::vector<std::uint8_t> frame(std::uint32_t code, std::uint32_t w, std::uint32_t h,
                                std::uint32_t stride, const ColourFn &colour)
{
    const PixelFormat &f = format(code);
    std::vector<std::uint8_t> data(std::size_t{stride} * h, kPad);
    for (std::uint32_t y = 0; y < h; ++y) {
        for (std::uint32_t x = 0; x < w; ++x) {
            encode_pixel(f, colour(x, y),
                         data.data() + std::size_t{y} * stride + x * f.bytes_per_pixel);
        }
    }
    return data;
}

std::vector<std::uint8_t> solid(std::uint32_t code, std::uint32_t w, std::uint32_t h,
                                std::uint32_t rgb)
{
    return frame(code, w, h, w * format(code).bytes_per_pixel,
                 [rgb](std::uint32_t, std::uint32_t) { return rgb; });
}

std::uint32_t pixel(const ConsoleBuffer &b, std::uint32_t x, std::uint32_t y)
{
    const auto s = b.surface();
    EXPECT_TRUE(s);
    EXPECT_LT(x, s->width);
    EXPECT_LT(y, s->height);
    return decode_shadow_pixel(s->drm_format, s->row(y) + x * 4);
}

bool scanout(ConsoleBuffer &b, std::uint32_t code, std::uint32_t w, std::uint32_t h,
             const ColourFn &colour, std::uint32_t padding = 0)
{
    const std::uint32_t stride = w * format(code).bytes_per_pixel + padding;
    const auto data = frame(code, w, h, stride, colour);
    std::string error;
    const bool ok = b.scanout(w, h, stride, code, data, error);
    EXPECT_TRUE(ok) << error;
    return ok;
}

bool update(ConsoleBuffer &b, std::uint32_t code, std::int32_t x, std::int32_t y, std::int32_t w,
            std::int32_t h, std::uint32_t rgb)
{
    const auto data =
        solid(code, static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h), rgb);
    std::string error;
    const bool ok =
        b.update(x, y, w, h, static_cast<std::uint32_t>(w) * format(code).bytes_per_pixel, code,
                 data, error);
    EXPECT_TRUE(ok) << error;
    return ok;
}

bool in(std::uint32_t x, std::uint32_t y, const base::Rect &r)
{
    return static_cast<std::int32_t>(x) >= r.x && static_cast<std::int32_t>(x) < r.x + r.width &&
           static_cast<std::int32_t>(y) >= r.y && static_cast<std::int32_t>(y) < r.y + r.height;
}

std::vector<std::uint8_t> snapshot(const ConsoleBuffer &b)
{
    const auto s = b.surface();
    return std::vector<std::uint8_t>(s->data(), s->data() + s->size_bytes());
}

TEST(ConsoleBuffer, StartsEmpty)
{
    ConsoleBuffer b;
    EXPECT_EQ(b.surface(), nullptr);
    EXPECT_EQ(b.generation(), 0u);
    EXPECT_EQ(b.shown_width(), 0u);
    EXPECT_EQ(b.shown_height(), 0u);
    EXPECT_EQ(b.pixman_format(), 0u);
    EXPECT_FALSE(b.size_check_needed());
    EXPECT_FALSE(b.has_damage());
    EXPECT_TRUE(b.take_damage().empty());
}

TEST(ConsoleBuffer, ScanoutInEveryFormatIgnoresStridePadding)
{
    for (const PixelFormat &f : all_pixel_formats()) {
        SCOPED_TRACE(f.name);
        ConsoleBuffer b;
        ASSERT_TRUE(scanout(b, f.pixman, 13, 7, palette, /*padding=*/11));
        const auto s = b.surface();
        ASSERT_TRUE(s);
        EXPECT_EQ(s->width, 13u);
        EXPECT_EQ(s->height, 7u);
        EXPECT_EQ(s->drm_format, f.shadow_drm_format);
        EXPECT_GE(s->stride, 13u * 4);
        EXPECT_EQ(s->stride % Surface::kAlignment, 0u);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(s->data()) % Surface::kAlignment, 0u);
        for (std::uint32_t y = 0; y < 7; ++y) {
            for (std::uint32_t x = 0; x < 13; ++x) {
                ASSERT_EQ(pixel(b, x, y), palette(x, y)) << x << "," << y;
            }
        }
        EXPECT_EQ(b.shown_width(), 13u);
        EXPECT_EQ(b.shown_height(), 7u);
        EXPECT_EQ(b.pixman_format(), f.pixman);
        EXPECT_EQ(b.generation(), 1u);
        EXPECT_FALSE(b.size_check_needed());
        EXPECT_THAT(b.take_damage(), ElementsAre(base::Rect{0, 0, 13, 7}));
        // Bytes written in the shadow format (4 per pixel), whatever came in.
        EXPECT_EQ(b.counters().pixel_bytes_copied, 13u * 7 * 4);
        EXPECT_EQ(b.counters().messages, 1u);
        EXPECT_EQ(b.counters().messages_rejected, 0u);
    }
}

TEST(ConsoleBuffer, ScanoutKeepsAll8BitValues)
{
    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 40, 30, pattern, 4));
    for (std::uint32_t y = 0; y < 30; ++y) {
        for (std::uint32_t x = 0; x < 40; ++x)
            ASSERT_EQ(pixel(b, x, y), pattern(x, y));
    }
}

TEST(ConsoleBuffer, ScanoutReusesTheSurfaceOfTheSameSizeAndFormat)
{
    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 8, 8, palette));
    const Surface *first = b.surface().get();
    EXPECT_EQ(b.generation(), 1u);
    ASSERT_TRUE(scanout(b, kXRGB, 8, 8, pattern));
    EXPECT_EQ(b.surface().get(), first);
    EXPECT_EQ(pixel(b, 3, 4), pattern(3, 4));
    // Other pixman formats with the same shadow format: still reused.
    ASSERT_TRUE(scanout(b, kARGB, 8, 8, palette));
    ASSERT_TRUE(scanout(b, kRGB16, 8, 8, palette));
    EXPECT_EQ(b.surface().get(), first);
    EXPECT_EQ(b.generation(), 1u);
    // Another shadow format, another size: new allocations.
    ASSERT_TRUE(scanout(b, kXBGR, 8, 8, palette));
    EXPECT_EQ(b.generation(), 2u);
    EXPECT_EQ(b.surface()->drm_format, static_cast<std::uint32_t>(DRM_FORMAT_XBGR8888));
    ASSERT_TRUE(scanout(b, kXBGR, 9, 8, palette));
    EXPECT_EQ(b.generation(), 3u);
    ASSERT_TRUE(scanout(b, kXBGR, 9, 7, palette));
    EXPECT_EQ(b.generation(), 4u);
    EXPECT_EQ(b.counters().messages, 7u);
    // No carried-over content on a Scanout: only the Scanouts' own bytes.
    EXPECT_EQ(b.counters().pixel_bytes_copied, (4u * 64 + 64 + 72 + 63) * 4);
}

TEST(ConsoleBuffer, OldSurfaceOutlivesItsReplacement)
{
    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 8, 8, palette));
    const std::shared_ptr<Surface> shown = b.surface();
    ASSERT_TRUE(scanout(b, kXRGB, 16, 16, pattern));
    EXPECT_NE(b.surface(), shown);
    EXPECT_EQ(decode_shadow_pixel(shown->drm_format, shown->row(7) + 7 * 4), palette(7, 7));
}

TEST(ConsoleBuffer, UpdateChangesExactlyItsRectangle)
{
    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 32, 24, pattern));
    b.take_damage();
    const base::Rect r{5, 6, 7, 4};
    ASSERT_TRUE(update(b, kXRGB, r.x, r.y, r.width, r.height, 0x123456));
    for (std::uint32_t y = 0; y < 24; ++y) {
        for (std::uint32_t x = 0; x < 32; ++x) {
            ASSERT_EQ(pixel(b, x, y), in(x, y, r) ? 0x123456u : pattern(x, y)) << x << "," << y;
        }
    }
    EXPECT_THAT(b.take_damage(), ElementsAre(r));
    EXPECT_EQ(b.counters().pixel_bytes_copied, 32u * 24 * 4 + 7 * 4 * 4);
    EXPECT_EQ(b.counters().messages, 2u);
    EXPECT_EQ(b.generation(), 1u);
    EXPECT_FALSE(b.size_check_needed());
    EXPECT_EQ(b.shown_width(), 32u);
    EXPECT_EQ(b.shown_height(), 24u);
}

TEST(ConsoleBuffer, UpdateHonoursItsStrideInEveryFormat)
{
    for (const PixelFormat &f : all_pixel_formats()) {
        SCOPED_TRACE(f.name);
        ConsoleBuffer b;
        ASSERT_TRUE(scanout(b, f.pixman, 20, 10, [](auto, auto) { return 0x000000u; }));
        const std::uint64_t before = b.counters().pixel_bytes_copied;
        const base::Rect r{19 - 6, 9 - 3, 7, 4}; // touching the right and bottom edges
        const std::uint32_t stride = 7 * f.bytes_per_pixel + 9;
        const auto data = frame(f.pixman, 7, 4, stride, palette);
        std::string error;
        ASSERT_TRUE(b.update(r.x + 0, r.y + 0, 7, 4, stride, f.pixman, data, error)) << error;
        for (std::uint32_t y = 0; y < 10; ++y) {
            for (std::uint32_t x = 0; x < 20; ++x) {
                const std::uint32_t want = in(x, y, r) ? palette(x - 13, y - 6) : 0u;
                ASSERT_EQ(pixel(b, x, y), want) << x << "," << y;
            }
        }
        EXPECT_FALSE(b.size_check_needed());
        EXPECT_EQ(b.generation(), 1u);
        EXPECT_EQ(b.counters().pixel_bytes_copied - before, 7u * 4 * 4);
    }
}

// The verified 7.2 sequence (reference §8.3, §14.2): Scanout 640x480, then
// VGA text mode (720x400) repainted by 25 Updates of 720x16.
TEST(ConsoleBuffer, ResizeGuardGrowsKeepsContentAndAsksForTheSize)
{
    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 640, 480, pattern));
    b.take_damage();
    const Surface *old = b.surface().get();

    ASSERT_TRUE(update(b, kXRGB, 0, 0, 720, 16, 0x00ff00));
    EXPECT_TRUE(b.size_check_needed());
    const auto s = b.surface();
    EXPECT_NE(s.get(), old);
    EXPECT_EQ(b.generation(), 2u);
    EXPECT_EQ(s->width, 720u);
    EXPECT_EQ(s->height, 480u);
    EXPECT_EQ(b.shown_width(), 720u);
    EXPECT_EQ(b.shown_height(), 480u);
    EXPECT_EQ(pixel(b, 0, 0), 0x00ff00u);
    EXPECT_EQ(pixel(b, 719, 15), 0x00ff00u);
    EXPECT_EQ(pixel(b, 100, 16), pattern(100, 16)); // old content kept
    EXPECT_EQ(pixel(b, 639, 479), pattern(639, 479));
    EXPECT_EQ(pixel(b, 640, 16), 0u); // new area black
    EXPECT_EQ(pixel(b, 719, 479), 0u);
    EXPECT_THAT(b.take_damage(), ElementsAre(base::Rect{0, 0, 720, 480}));
    // The Scanout, the carried-over 640x480 and the Update.
    EXPECT_EQ(b.counters().pixel_bytes_copied, 640u * 480 * 4 * 2 + 720 * 16 * 4);

    b.size_checked();
    EXPECT_FALSE(b.size_check_needed());
    // Console.Width/Height say 720x400: crop, no reallocation.
    ASSERT_TRUE(b.set_console_size(720, 400));
    EXPECT_EQ(b.shown_width(), 720u);
    EXPECT_EQ(b.shown_height(), 400u);
    EXPECT_EQ(b.surface(), s);
    EXPECT_EQ(b.generation(), 2u);
    EXPECT_THAT(b.take_damage(), ElementsAre(base::Rect{0, 0, 720, 400}));
    EXPECT_FALSE(b.size_check_needed());

    for (std::int32_t row = 1; row < 25; ++row) {
        ASSERT_TRUE(update(b, kXRGB, 0, row * 16, 720, 16, 0x0000ff));
        EXPECT_FALSE(b.size_check_needed()) << row;
    }
    EXPECT_EQ(b.generation(), 2u);
    EXPECT_EQ(pixel(b, 719, 399), 0x0000ffu);
    EXPECT_EQ(pixel(b, 0, 15), 0x00ff00u);
    EXPECT_EQ(b.counters().messages, 26u);
    // The same size again changes nothing.
    b.take_damage();
    ASSERT_TRUE(b.set_console_size(720, 400));
    EXPECT_FALSE(b.has_damage());
}

TEST(ConsoleBuffer, UpdateBeyondTheCroppedAreaTriggersTheGuard)
{
    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 720, 480, pattern));
    ASSERT_TRUE(b.set_console_size(720, 400));
    b.take_damage();
    // Back to 640x480: rows 400.. are outside the shown area, inside the surface.
    ASSERT_TRUE(update(b, kXRGB, 0, 400, 640, 16, 0xff0000));
    EXPECT_TRUE(b.size_check_needed());
    EXPECT_EQ(b.generation(), 1u); // fits the surface: no reallocation
    EXPECT_EQ(b.shown_width(), 720u);
    EXPECT_EQ(b.shown_height(), 416u);
    EXPECT_EQ(pixel(b, 0, 400), 0xff0000u);
    EXPECT_EQ(pixel(b, 700, 400), pattern(700, 400)); // hidden content was kept
    EXPECT_THAT(b.take_damage(), ElementsAre(base::Rect{0, 0, 720, 416}));
    ASSERT_TRUE(b.set_console_size(640, 480));
    EXPECT_EQ(b.shown_width(), 640u);
    EXPECT_EQ(b.shown_height(), 480u);
    EXPECT_EQ(b.generation(), 1u);
}

TEST(ConsoleBuffer, SetConsoleSizeGrowsTheSurface)
{
    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 4, 4, palette));
    ASSERT_TRUE(b.set_console_size(8, 6));
    EXPECT_EQ(b.generation(), 2u);
    EXPECT_EQ(b.surface()->width, 8u);
    EXPECT_EQ(b.surface()->height, 6u);
    EXPECT_EQ(b.shown_width(), 8u);
    EXPECT_EQ(b.shown_height(), 6u);
    for (std::uint32_t y = 0; y < 6; ++y) {
        for (std::uint32_t x = 0; x < 8; ++x) {
            EXPECT_EQ(pixel(b, x, y), x < 4 && y < 4 ? palette(x, y) : 0u);
        }
    }
    EXPECT_EQ(b.counters().pixel_bytes_copied, 2u * 4 * 4 * 4);
    EXPECT_THAT(b.take_damage(), ElementsAre(base::Rect{0, 0, 8, 6}));
    // Wider only: keeps the height.
    ASSERT_TRUE(b.set_console_size(10, 2));
    EXPECT_EQ(b.surface()->width, 10u);
    EXPECT_EQ(b.surface()->height, 6u);
    EXPECT_EQ(b.shown_height(), 2u);
    EXPECT_EQ(b.generation(), 3u);
}

TEST(ConsoleBuffer, SetConsoleSizeRejectsNonsenseAndNeedsASurface)
{
    ConsoleBuffer empty;
    EXPECT_TRUE(empty.set_console_size(640, 480));
    EXPECT_EQ(empty.surface(), nullptr);
    EXPECT_EQ(empty.generation(), 0u);

    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 4, 4, palette));
    b.take_damage();
    EXPECT_FALSE(b.set_console_size(0, 4));
    EXPECT_FALSE(b.set_console_size(4, 0));
    EXPECT_FALSE(b.set_console_size(16385, 4));
    EXPECT_FALSE(b.set_console_size(4, 0xffffffff));
    EXPECT_EQ(b.shown_width(), 4u);
    EXPECT_EQ(b.shown_height(), 4u);
    EXPECT_EQ(b.generation(), 1u);
    EXPECT_FALSE(b.has_damage());
    EXPECT_TRUE(b.set_console_size(16384, 1));
    EXPECT_EQ(b.surface()->width, 16384u);
}

TEST(ConsoleBuffer, FormatChangeConvertsTheOldContent)
{
    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 4, 4, pattern));
    b.take_damage();
    ASSERT_TRUE(update(b, kXBGR, 1, 1, 1, 1, 0x0000ff));
    EXPECT_TRUE(b.size_check_needed());
    EXPECT_EQ(b.generation(), 2u);
    EXPECT_EQ(b.pixman_format(), kXBGR);
    EXPECT_EQ(b.surface()->drm_format, static_cast<std::uint32_t>(DRM_FORMAT_XBGR8888));
    EXPECT_EQ(b.surface()->width, 4u);
    for (std::uint32_t y = 0; y < 4; ++y) {
        for (std::uint32_t x = 0; x < 4; ++x) {
            EXPECT_EQ(pixel(b, x, y), x == 1 && y == 1 ? 0x0000ffu : pattern(x, y));
        }
    }
    // Raw bytes: XBGR8888 is memory R, G, B, X.
    const std::uint8_t *p = b.surface()->row(1) + 4;
    EXPECT_EQ(p[0], 0x00);
    EXPECT_EQ(p[2], 0xff);
    EXPECT_THAT(b.take_damage(), ElementsAre(base::Rect{0, 0, 4, 4}));
    EXPECT_EQ(b.counters().pixel_bytes_copied, 4u * 4 * 4 * 2 + 4);
}

TEST(ConsoleBuffer, FormatChangeWithTheSameShadowFormatOnlyFlags)
{
    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 4, 4, palette));
    ASSERT_TRUE(update(b, kARGB, 0, 0, 1, 1, 0xffffff));
    EXPECT_TRUE(b.size_check_needed());
    EXPECT_EQ(b.generation(), 1u);
    EXPECT_EQ(b.pixman_format(), kARGB);
    b.size_checked();
    // 16-bit pixels converted into the same XRGB8888 surface.
    ASSERT_TRUE(update(b, kRGB16, 2, 2, 2, 2, 0xff0000));
    EXPECT_TRUE(b.size_check_needed());
    EXPECT_EQ(b.generation(), 1u);
    EXPECT_EQ(pixel(b, 3, 3), 0xff0000u);
    EXPECT_EQ(pixel(b, 1, 1), palette(1, 1));
    b.size_checked();
    ASSERT_TRUE(update(b, kRGB16, 0, 0, 1, 1, 0x00ff00));
    EXPECT_FALSE(b.size_check_needed());
    EXPECT_EQ(b.counters().pixel_bytes_copied, (16u + 1 + 4 + 1) * 4);
}

TEST(ConsoleBuffer, FormatChangeAndGrowthAtOnce)
{
    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 4, 4, pattern));
    ASSERT_TRUE(update(b, kXBGR, 4, 4, 2, 2, 0x123456));
    EXPECT_EQ(b.generation(), 2u);
    EXPECT_EQ(b.surface()->width, 6u);
    EXPECT_EQ(b.surface()->height, 6u);
    EXPECT_EQ(b.surface()->drm_format, static_cast<std::uint32_t>(DRM_FORMAT_XBGR8888));
    EXPECT_EQ(pixel(b, 3, 3), pattern(3, 3));
    EXPECT_EQ(pixel(b, 5, 5), 0x123456u);
    EXPECT_EQ(pixel(b, 5, 0), 0u);
}

TEST(ConsoleBuffer, UpdateBeforeAnyScanoutAllocates)
{
    ConsoleBuffer b;
    ASSERT_TRUE(update(b, kRGB24, 10, 20, 5, 5, 0xffff00));
    EXPECT_TRUE(b.size_check_needed());
    EXPECT_EQ(b.generation(), 1u);
    EXPECT_EQ(b.surface()->width, 15u);
    EXPECT_EQ(b.surface()->height, 25u);
    EXPECT_EQ(b.shown_width(), 15u);
    EXPECT_EQ(b.shown_height(), 25u);
    EXPECT_EQ(pixel(b, 14, 24), 0xffff00u);
    EXPECT_EQ(pixel(b, 9, 24), 0u);
    EXPECT_EQ(b.counters().pixel_bytes_copied, 5u * 5 * 4);
    ASSERT_TRUE(b.set_console_size(720, 400));
    EXPECT_EQ(b.generation(), 2u);
    EXPECT_EQ(pixel(b, 14, 24), 0xffff00u);
}

TEST(ConsoleBuffer, ScanoutEndsAPendingSizeCheck)
{
    ConsoleBuffer b;
    ASSERT_TRUE(update(b, kXRGB, 0, 0, 4, 4, 0xffffff));
    EXPECT_TRUE(b.size_check_needed());
    ASSERT_TRUE(scanout(b, kXRGB, 4, 4, palette));
    EXPECT_FALSE(b.size_check_needed());
    EXPECT_EQ(b.generation(), 1u); // same size and format: reused
}

struct Bad {
    const char *what;
    std::function<bool(ConsoleBuffer &, std::string &)> send;
};

TEST(ConsoleBuffer, RejectedMessagesLeaveEverythingAsItWas)
{
    const auto ok = solid(kXRGB, 16, 16, 0xffffff);
    const std::vector<Bad> bad{
        {"scanout one byte short",
         [&](ConsoleBuffer &b, std::string &e) {
             return b.scanout(16, 16, 64, kXRGB, std::span(ok).first(ok.size() - 1), e);
         }},
        {"scanout width 0",
         [&](auto &b, auto &e) {
             return b.scanout(0, 16, 64, kXRGB, ok, e);
         }},
        {"scanout huge",
         [&](auto &b, auto &e) {
             return b.scanout(0xffffffff, 0xffffffff, 64, kXRGB, ok, e);
         }},
        {"scanout stride too small",
         [&](auto &b, auto &e) {
             return b.scanout(16, 16, 63, kXRGB, ok, e);
         }},
        {"scanout stride huge",
         [&](auto &b, auto &e) {
             return b.scanout(1, 1, 0xfffffff0, kXRGB, ok, e);
         }},
        {"scanout unknown format",
         [&](auto &b, auto &e) {
             return b.scanout(16, 16, 64, 0x20020887, ok, e);
         }},
        {"scanout empty",
         [&](auto &b, auto &e) {
             return b.scanout(16, 16, 64, kXRGB, {}, e);
         }},
        {"update negative x",
         [&](auto &b, auto &e) {
             return b.update(-1, 0, 2, 2, 8, kXRGB, ok, e);
         }},
        {"update negative y",
         [&](auto &b, auto &e) {
             return b.update(0, -1, 2, 2, 8, kXRGB, ok, e);
         }},
        {"update w=h=0xffffffff",
         [&](auto &b, auto &e) {
             return b.update(0, 0, static_cast<std::int32_t>(0xffffffffu),
                             static_cast<std::int32_t>(0xffffffffu), 64, kXRGB, ok, e);
         }},
        {"update zero size",
         [&](auto &b, auto &e) {
             return b.update(0, 0, 0, 0, 0, kXRGB, ok, e);
         }},
        {"update beyond 16384",
         [&](auto &b, auto &e) {
             return b.update(16380, 0, 8, 1, 32, kXRGB, ok, e);
         }},
        {"update INT32_MAX",
         [&](auto &b, auto &e) {
             return b.update(INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, 4, kXRGB, ok, e);
         }},
        {"update one byte short",
         [&](auto &b, auto &e) {
             return b.update(0, 0, 16, 16, 64, kXRGB, std::span(ok).first(ok.size() - 1), e);
         }},
        {"update stride too small",
         [&](auto &b, auto &e) {
             return b.update(0, 0, 16, 16, 60, kXRGB, ok, e);
         }},
        {"update unknown format",
         [&](auto &b, auto &e) {
             return b.update(0, 0, 2, 2, 8, 0x12345678, ok, e);
         }},
        {"update outside and short",
         [&](auto &b, auto &e) {
             return b.update(100, 100, 16, 16, 64, kXRGB, {}, e);
         }},
    };

    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 16, 16, pattern));
    b.take_damage();
    ASSERT_TRUE(update(b, kXRGB, 2, 3, 4, 5, 0x010203));
    b.set_console_size(16, 12);                           // leaves pending damage and a crop
    ASSERT_TRUE(update(b, kXRGB, 0, 12, 1, 1, 0x040506)); // sets the flag
    ASSERT_TRUE(b.size_check_needed());

    const auto surface = b.surface();
    const auto content = snapshot(b);
    const auto generation = b.generation();
    const FrameCounters before = b.counters();
    for (const Bad &m : bad) {
        std::string error;
        EXPECT_FALSE(m.send(b, error)) << m.what;
        EXPECT_FALSE(error.empty()) << m.what;
        EXPECT_EQ(b.surface(), surface) << m.what;
        EXPECT_EQ(snapshot(b), content) << m.what;
    }
    EXPECT_EQ(b.generation(), generation);
    EXPECT_EQ(b.shown_width(), 16u);
    EXPECT_EQ(b.shown_height(), 13u);
    EXPECT_EQ(b.pixman_format(), kXRGB);
    EXPECT_TRUE(b.size_check_needed());
    EXPECT_EQ(b.counters().messages, before.messages);
    EXPECT_EQ(b.counters().pixel_bytes_copied, before.pixel_bytes_copied);
    EXPECT_EQ(b.counters().messages_rejected, bad.size());
    // The growth of the shown area damaged all of it; the Update lies inside.
    EXPECT_THAT(b.take_damage(), ElementsAre(base::Rect{0, 0, 16, 13}));
}

TEST(ConsoleBuffer, RejectedMessagesBeforeAnyScanoutAllocateNothing)
{
    ConsoleBuffer b;
    std::string error;
    const std::vector<std::uint8_t> data(64);
    EXPECT_FALSE(b.update(0, 0, 4, 4, 16, kXRGB, std::span(data).first(63), error));
    EXPECT_EQ(error, "Update data holds 63 bytes, needs 64");
    EXPECT_FALSE(b.scanout(4, 4, 16, 0, data, error));
    EXPECT_EQ(error, "Scanout has unknown pixman format 0x00000000");
    EXPECT_EQ(b.surface(), nullptr);
    EXPECT_EQ(b.generation(), 0u);
    EXPECT_FALSE(b.size_check_needed());
    EXPECT_EQ(b.counters().messages_rejected, 2u);
    EXPECT_EQ(b.counters().messages, 0u);
}

TEST(ConsoleBuffer, DamageCoalescesIntoABoundingBox)
{
    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 64, 64, palette));
    // Inside the full-frame damage: nothing to add.
    ASSERT_TRUE(update(b, kXRGB, 1, 1, 1, 1, 0));
    EXPECT_THAT(b.take_damage(), ElementsAre(base::Rect{0, 0, 64, 64}));

    std::vector<base::Rect> want;
    for (std::int32_t i = 0; i < 16; ++i) {
        ASSERT_TRUE(update(b, kXRGB, 10 + i * 2, 20 + i, 1, 1, 0));
        want.push_back(base::Rect{10 + i * 2, 20 + i, 1, 1});
    }
    EXPECT_EQ(b.take_damage(), want);

    for (std::int32_t i = 0; i < 16; ++i)
        ASSERT_TRUE(update(b, kXRGB, 10 + i * 2, 20 + i, 1, 1, 0));
    ASSERT_TRUE(update(b, kXRGB, 5, 50, 3, 2, 0));
    EXPECT_THAT(b.take_damage(), ElementsAre(base::Rect{5, 20, 36, 32}));
    EXPECT_FALSE(b.has_damage());
    EXPECT_TRUE(b.take_damage().empty());
}

TEST(ConsoleBuffer, ClearDropsTheSurface)
{
    ConsoleBuffer b;
    ASSERT_TRUE(scanout(b, kXRGB, 8, 8, palette));
    const auto kept = b.surface();
    b.clear();
    EXPECT_EQ(b.surface(), nullptr);
    EXPECT_EQ(b.generation(), 2u);
    EXPECT_EQ(b.shown_width(), 0u);
    EXPECT_EQ(b.pixman_format(), 0u);
    EXPECT_FALSE(b.has_damage());
    EXPECT_EQ(decode_shadow_pixel(kept->drm_format, kept->row(2) + 8), palette(2, 2));
    b.clear();
    EXPECT_EQ(b.generation(), 2u);
    ASSERT_TRUE(update(b, kXRGB, 0, 0, 2, 2, 0xffffff));
    EXPECT_EQ(b.generation(), 3u);
    EXPECT_TRUE(b.size_check_needed());
}

TEST(ConsoleBuffer, CompositorCountersShareTheStruct)
{
    ConsoleBuffer b;
    b.counters().uploads += 2;
    b.counters().frames_presented += 1;
    EXPECT_EQ(std::as_const(b).counters().uploads, 2u);
    EXPECT_EQ(b.counters().frames_presented, 1u);
    EXPECT_EQ(b.counters().messages, 0u);
}

} // namespace
} // namespace phyllome::vmview
