// vmview/pixel_format: the pixman formats of the reference's table (§8.1),
// their shadow formats, and exact colours through encode -> copy -> decode.
// Expected values are computed here from the spec, not from the code.
#include <drm_fourcc.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "vmview/pixel_format.hpp"

namespace phyllome::vmview {
namespace {

constexpr std::uint32_t pixman(std::uint32_t bpp, std::uint32_t type, std::uint32_t a,
                               std::uint32_t r, std::uint32_t g, std::uint32_t b)
{
    return bpp << 24 | type << 16 | a << 12 | r << 8 | g << 4 | b;
}

// The reference's table, column by column, plus the shadow format required
// by the brief (X variant for 32-bit 8-bit-per-channel, XRGB8888 otherwise).
struct Expected {
    const char *name;
    std::uint32_t code;
    std::uint32_t drm; // the table's "DRM value"
    std::uint32_t bpp;
    std::uint32_t shadow;
    bool convert;
};

constexpr std::uint32_t kXR24 = 0x34325258;
constexpr std::uint32_t kXB24 = 0x34324258;
constexpr std::uint32_t kBX24 = 0x34325842;
constexpr std::uint32_t kRX24 = 0x34325852;

const std::array<Expected, 18> kTable{{
    {"x8r8g8b8", 0x20020888, 0x34325258, 4, kXR24, false},
    {"a8r8g8b8", 0x20028888, 0x34325241, 4, kXR24, false},
    {"x8b8g8r8", 0x20030888, 0x34324258, 4, kXB24, false},
    {"a8b8g8r8", 0x20038888, 0x34324241, 4, kXB24, false},
    {"b8g8r8x8", 0x20080888, 0x34325842, 4, kBX24, false},
    {"b8g8r8a8", 0x20088888, 0x34324142, 4, kBX24, false},
    {"r8g8b8x8", 0x20090888, 0x34325852, 4, kRX24, false},
    {"r8g8b8a8", 0x20098888, 0x34324152, 4, kRX24, false},
    {"r8g8b8", 0x18020888, 0x34324752, 3, kXR24, true},
    {"b8g8r8", 0x18030888, 0x34324742, 3, kXR24, true},
    {"r5g6b5", 0x10020565, 0x36314752, 2, kXR24, true},
    {"b5g6r5", 0x10030565, 0x36314742, 2, kXR24, true},
    {"x1r5g5b5", 0x10020555, 0x35315258, 2, kXR24, true},
    {"a1r5g5b5", 0x10021555, 0x35315241, 2, kXR24, true},
    {"x2r10g10b10", 0x20020aaa, 0x30335258, 4, kXR24, true},
    {"a2r10g10b10", 0x20022aaa, 0x30335241, 4, kXR24, true},
    {"x2b10g10r10", 0x20030aaa, 0x30334258, 4, kXR24, true},
    {"a2b10g10r10", 0x20032aaa, 0x30334241, 4, kXR24, true},
}};

// Channel widths (r, g, b) of each format, from its name.
struct Widths {
    int r, g, b;
};

Widths widths_of(const std::string &name)
{
    if (name.find("10") != std::string::npos)
        return {10, 10, 10};
    if (name.find("6") != std::string::npos)
        return {5, 6, 5};
    if (name.find("5") != std::string::npos)
        return {5, 5, 5};
    return {8, 8, 8};
}

// What the shadow must hold for an 8-bit channel value v that went through
// a channel of `bits` bits (encode keeps the high bits; the 10-bit encode
// replicates them so that v10 >> 2 gives v back).
std::uint32_t expected_channel(std::uint32_t v, int bits)
{
    switch (bits) {
    case 5: {
        const std::uint32_t v5 = v >> 3;
        return (v5 << 3) | (v5 >> 2);
    }
    case 6: {
        const std::uint32_t v6 = v >> 2;
        return (v6 << 2) | (v6 >> 4);
    }
    default:
        return v;
    }
}

std::uint32_t expected_rgb(std::uint32_t rgb, const Widths &w)
{
    return expected_channel((rgb >> 16) & 0xff, w.r) << 16 |
           expected_channel((rgb >> 8) & 0xff, w.g) << 8 | expected_channel(rgb & 0xff, w.b);
}

const std::vector<std::uint32_t> kColours{
    0x000000, 0xffffff, 0xff0000, 0x00ff00, 0x0000ff, 0xffff00, 0x00ffff, 0xff00ff,
    0x123456, 0x89abcd, 0xfedcba, 0x808080, 0x7f7f7f, 0x010203, 0x040404, 0x070707,
    0x080808, 0xf8fcf8, 0xfbfdfb, 0x3f3f3f, 0xc0c0c0, 0x0a141e, 0xe1c2a3, 0x5a5a5a};

TEST(PixelFormat, TableMatchesTheReference)
{
    ASSERT_EQ(all_pixel_formats().size(), kTable.size());
    std::set<std::uint32_t> codes;
    for (const Expected &e : kTable) {
        SCOPED_TRACE(e.name);
        const PixelFormat *f = find_pixman_format(e.code);
        ASSERT_NE(f, nullptr);
        EXPECT_STREQ(f->name, e.name);
        EXPECT_EQ(f->pixman, e.code);
        EXPECT_EQ(f->bytes_per_pixel, e.bpp);
        EXPECT_EQ(f->shadow_drm_format, e.shadow);
        EXPECT_EQ(f->convert, e.convert);
        EXPECT_EQ(f->drm_format, e.drm);
        EXPECT_EQ(find_pixman_format(std::string_view(e.name)), f);
        EXPECT_EQ(find_pixman_format("PIXMAN_" + std::string(e.name)), f);
        codes.insert(f->pixman);
    }
    EXPECT_EQ(codes.size(), kTable.size());
    // The codes follow PIXMAN_FORMAT(bpp, type, a, r, g, b).
    EXPECT_EQ(find_pixman_format(pixman(32, 2, 0, 8, 8, 8))->drm_format, DRM_FORMAT_XRGB8888);
    EXPECT_EQ(find_pixman_format(pixman(32, 9, 8, 8, 8, 8))->drm_format, DRM_FORMAT_RGBA8888);
    EXPECT_EQ(find_pixman_format(pixman(16, 2, 1, 5, 5, 5))->drm_format, DRM_FORMAT_ARGB1555);
    EXPECT_EQ(find_pixman_format(pixman(32, 3, 2, 10, 10, 10))->drm_format, DRM_FORMAT_ABGR2101010);
    EXPECT_EQ(kXR24, DRM_FORMAT_XRGB8888);
    EXPECT_EQ(kXB24, DRM_FORMAT_XBGR8888);
    EXPECT_EQ(kBX24, DRM_FORMAT_BGRX8888);
    EXPECT_EQ(kRX24, DRM_FORMAT_RGBX8888);
}

TEST(PixelFormat, UnknownFormats)
{
    EXPECT_EQ(find_pixman_format(0u), nullptr);
    EXPECT_EQ(find_pixman_format(0xffffffffu), nullptr);
    EXPECT_EQ(find_pixman_format(pixman(8, 1, 8, 0, 0, 0)), nullptr);  // a8
    EXPECT_EQ(find_pixman_format(pixman(32, 2, 0, 8, 8, 7)), nullptr); // not a format
    EXPECT_EQ(find_pixman_format(std::string_view("")), nullptr);
    EXPECT_EQ(find_pixman_format(std::string_view("x8r8g8b8 ")), nullptr);
    EXPECT_EQ(find_pixman_format(std::string_view("X8R8G8B8")), nullptr);
    EXPECT_EQ(find_pixman_format(std::string_view("PIXMAN_")), nullptr);
}

// Every colour, in a row, through encode_pixel -> copy_row ->
// decode_shadow_pixel; source and destination deliberately misaligned.
TEST(PixelFormat, EveryFormatRoundTrips)
{
    for (const PixelFormat &f : all_pixel_formats()) {
        SCOPED_TRACE(f.name);
        const auto width = static_cast<std::uint32_t>(kColours.size());
        std::vector<std::uint8_t> src(1 + width * f.bytes_per_pixel + 8, 0xcd);
        std::vector<std::uint8_t> dst(3 + width * 4 + 8, 0xcd);
        for (std::uint32_t i = 0; i < width; ++i) {
            encode_pixel(f, kColours[i], src.data() + 1 + i * f.bytes_per_pixel);
        }
        copy_row(f, src.data() + 1, dst.data() + 3, width);
        const Widths w = widths_of(f.name);
        for (std::uint32_t i = 0; i < width; ++i) {
            EXPECT_EQ(decode_shadow_pixel(f.shadow_drm_format, dst.data() + 3 + i * 4),
                      expected_rgb(kColours[i], w))
                << "colour " << std::hex << kColours[i];
        }
        // Nothing written outside the row.
        for (std::size_t i = 0; i < 3; ++i)
            EXPECT_EQ(dst[i], 0xcd);
        for (std::size_t i = 3 + width * 4; i < dst.size(); ++i)
            EXPECT_EQ(dst[i], 0xcd);
    }
}

TEST(PixelFormat, StoredFormatsAreCopiedByteForByte)
{
    std::array<std::uint8_t, 16> src{};
    for (std::size_t i = 0; i < src.size(); ++i)
        src[i] = static_cast<std::uint8_t>(i * 17 + 3);
    for (const PixelFormat &f : all_pixel_formats()) {
        if (f.convert)
            continue;
        SCOPED_TRACE(f.name);
        std::array<std::uint8_t, 16> dst{};
        copy_row(f, src.data(), dst.data(), 4);
        EXPECT_EQ(dst, src); // alpha/padding bytes included: shown opaque anyway
    }
}

// copy_rows gives what copy_row gives row by row, whether the rows are one
// block on both sides (a single copy) or not, and writes nothing between the
// destination's rows.
TEST(PixelFormat, CopyRowsMatchesRowByRow)
{
    constexpr std::uint32_t kWidth = 5, kRows = 3;
    std::vector<std::uint8_t> src(64 * kRows);
    for (std::size_t i = 0; i < src.size(); ++i)
        src[i] = static_cast<std::uint8_t>(i * 13 + 7);
    for (const PixelFormat &f : all_pixel_formats()) {
        const std::size_t packed_src = std::size_t{kWidth} * f.bytes_per_pixel;
        const std::size_t packed_dst = std::size_t{kWidth} * kShadowBytesPerPixel;
        for (const std::size_t src_stride : {packed_src, packed_src + 12})
            for (const std::size_t dst_stride : {packed_dst, packed_dst + 8}) {
                SCOPED_TRACE(std::string(f.name) + " src stride " + std::to_string(src_stride) +
                             " dst stride " + std::to_string(dst_stride));
                std::vector<std::uint8_t> expected(dst_stride * kRows, 0xee);
                std::vector<std::uint8_t> got(dst_stride * kRows, 0xee);
                for (std::uint32_t row = 0; row < kRows; ++row)
                    copy_row(f, src.data() + row * src_stride, expected.data() + row * dst_stride,
                             kWidth);
                copy_rows(f, src.data(), src_stride, got.data(), dst_stride, kWidth, kRows);
                EXPECT_EQ(got, expected);
            }
    }
}

TEST(PixelFormat, ConvertedPixelsHaveOpaquePadding)
{
    for (const PixelFormat &f : all_pixel_formats()) {
        if (!f.convert)
            continue;
        SCOPED_TRACE(f.name);
        std::array<std::uint8_t, 4> src{}; // all channel and alpha bits zero
        std::array<std::uint8_t, 4> dst{};
        copy_row(f, src.data(), dst.data(), 1);
        EXPECT_EQ(dst, (std::array<std::uint8_t, 4>{0, 0, 0, 0xff}));
    }
}

// Raw bytes written by hand from the layouts (little-endian words), so that
// the converters are checked independently of encode_pixel.
std::uint32_t convert_one(const char *name, std::initializer_list<std::uint8_t> bytes)
{
    const PixelFormat *f = find_pixman_format(std::string_view(name));
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(bytes.size(), f->bytes_per_pixel);
    std::vector<std::uint8_t> src(bytes);
    std::array<std::uint8_t, 4> dst{};
    copy_row(*f, src.data(), dst.data(), 1);
    return decode_shadow_pixel(f->shadow_drm_format, dst.data());
}

TEST(PixelFormat, ConvertsRawBytes)
{
    // 24-bit: r8g8b8 is the word R<<16|G<<8|B, memory B, G, R.
    EXPECT_EQ(convert_one("r8g8b8", {0x33, 0x22, 0x11}), 0x112233u);
    EXPECT_EQ(convert_one("b8g8r8", {0x11, 0x22, 0x33}), 0x112233u);
    // r5g6b5: R<<11 | G<<5 | B.
    EXPECT_EQ(convert_one("r5g6b5", {0x00, 0xf8}), 0xff0000u);
    EXPECT_EQ(convert_one("r5g6b5", {0xe0, 0x07}), 0x00ff00u);
    EXPECT_EQ(convert_one("r5g6b5", {0x1f, 0x00}), 0x0000ffu);
    // r=16 -> 0x84, g=32 -> 0x82, b=16 -> 0x84.
    EXPECT_EQ(convert_one("r5g6b5", {0x10, 0x84}), 0x848284u);
    // r=1 -> 0x08, g=1 -> 0x04, b=1 -> 0x08.
    EXPECT_EQ(convert_one("r5g6b5", {0x21, 0x08}), 0x080408u);
    EXPECT_EQ(convert_one("b5g6r5", {0x00, 0xf8}), 0x0000ffu);
    EXPECT_EQ(convert_one("b5g6r5", {0x1f, 0x00}), 0xff0000u);
    // x1r5g5b5: x<<15 | R<<10 | G<<5 | B; the top bit is ignored.
    EXPECT_EQ(convert_one("x1r5g5b5", {0x00, 0x7c}), 0xff0000u);
    EXPECT_EQ(convert_one("x1r5g5b5", {0xe0, 0x83}), 0x00ff00u);
    EXPECT_EQ(convert_one("a1r5g5b5", {0x1f, 0x00}), 0x0000ffu);
    // r=0x10 -> 0x84, g=0x01 -> 0x08, b=0x1e -> 0xf7.
    EXPECT_EQ(convert_one("a1r5g5b5", {0x3e, 0xc0}), 0x8408f7u);
    // x2r10g10b10: x<<30 | R<<20 | G<<10 | B; 10 -> 8 bits keeps the high 8.
    // R = 0x3ff, G = 0x200, B = 0x003 -> ff, 80, 00.
    EXPECT_EQ(convert_one("x2r10g10b10", {0x03, 0x00, 0xf8, 0x3f}), 0xff8000u);
    // R = 0x155, G = 0x0aa, B = 0x3fc, top bits set -> 55, 2a, ff.
    EXPECT_EQ(convert_one("a2r10g10b10", {0xfc, 0xab, 0x52, 0xd5}), 0x552affu);
    EXPECT_EQ(convert_one("x2b10g10r10", {0x03, 0x00, 0xf8, 0x3f}), 0x0080ffu);
    EXPECT_EQ(convert_one("a2b10g10r10", {0xfc, 0xab, 0x52, 0xd5}), 0xff2a55u);
    // 32-bit stored formats, decoded through their shadow format.
    EXPECT_EQ(convert_one("x8r8g8b8", {0x33, 0x22, 0x11, 0x00}), 0x112233u);
    EXPECT_EQ(convert_one("a8b8g8r8", {0x11, 0x22, 0x33, 0x00}), 0x112233u);
    EXPECT_EQ(convert_one("b8g8r8x8", {0x00, 0x11, 0x22, 0x33}), 0x112233u);
    EXPECT_EQ(convert_one("r8g8b8a8", {0x00, 0x33, 0x22, 0x11}), 0x112233u);
}

std::vector<std::uint8_t> encoded(const char *name, std::uint32_t rgb)
{
    const PixelFormat *f = find_pixman_format(std::string_view(name));
    std::vector<std::uint8_t> out(f->bytes_per_pixel);
    encode_pixel(*f, rgb, out.data());
    return out;
}

TEST(PixelFormat, EncodesAsQemuSends)
{
    using B = std::vector<std::uint8_t>;
    EXPECT_EQ(encoded("x8r8g8b8", 0x112233), (B{0x33, 0x22, 0x11, 0xff}));
    EXPECT_EQ(encoded("a8b8g8r8", 0x112233), (B{0x11, 0x22, 0x33, 0xff}));
    EXPECT_EQ(encoded("b8g8r8a8", 0x112233), (B{0xff, 0x11, 0x22, 0x33}));
    EXPECT_EQ(encoded("r8g8b8x8", 0x112233), (B{0xff, 0x33, 0x22, 0x11}));
    EXPECT_EQ(encoded("r8g8b8", 0x112233), (B{0x33, 0x22, 0x11}));
    EXPECT_EQ(encoded("b8g8r8", 0x112233), (B{0x11, 0x22, 0x33}));
    EXPECT_EQ(encoded("r5g6b5", 0xff0000), (B{0x00, 0xf8}));
    EXPECT_EQ(encoded("b5g6r5", 0xff0000), (B{0x1f, 0x00}));
    EXPECT_EQ(encoded("x1r5g5b5", 0x0000ff), (B{0x1f, 0x80}));
    EXPECT_EQ(encoded("a1r5g5b5", 0x000000), (B{0x00, 0x80}));
    // 0xff -> 0x3ff, 0x80 -> 0x202, 0x00 -> 0; alpha bits 0b11.
    EXPECT_EQ(encoded("x2r10g10b10", 0xff8000), (B{0x00, 0x08, 0xf8, 0xff}));
    EXPECT_EQ(encoded("a2b10g10r10", 0x0080ff), (B{0x00, 0x08, 0xf8, 0xff}));
}

TEST(PixelFormat, ShadowPixels)
{
    const std::array<std::uint32_t, 8> formats{
        DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_XBGR8888, DRM_FORMAT_ABGR8888,
        DRM_FORMAT_BGRX8888, DRM_FORMAT_BGRA8888, DRM_FORMAT_RGBX8888, DRM_FORMAT_RGBA8888};
    for (const std::uint32_t f : formats) {
        EXPECT_TRUE(is_shadow_drm_format(f));
        for (const std::uint32_t c : kColours) {
            std::array<std::uint8_t, 4> px{};
            encode_shadow_pixel(f, c, px.data());
            EXPECT_EQ(decode_shadow_pixel(f, px.data()), c);
        }
    }
    // DRM layouts are little-endian: XRGB8888 is memory B, G, R, X...
    const std::array<std::uint8_t, 4> px{0x11, 0x22, 0x33, 0x44};
    EXPECT_EQ(decode_shadow_pixel(DRM_FORMAT_XRGB8888, px.data()), 0x332211u);
    EXPECT_EQ(decode_shadow_pixel(DRM_FORMAT_XBGR8888, px.data()), 0x112233u);
    EXPECT_EQ(decode_shadow_pixel(DRM_FORMAT_BGRX8888, px.data()), 0x223344u);
    EXPECT_EQ(decode_shadow_pixel(DRM_FORMAT_RGBX8888, px.data()), 0x443322u);
    EXPECT_EQ(decode_shadow_pixel(DRM_FORMAT_RGB565, px.data()), 0u);
    EXPECT_FALSE(is_shadow_drm_format(DRM_FORMAT_RGB888));
    std::array<std::uint8_t, 4> untouched{1, 2, 3, 4};
    encode_shadow_pixel(DRM_FORMAT_RGB565, 0xffffff, untouched.data());
    EXPECT_EQ(untouched, (std::array<std::uint8_t, 4>{1, 2, 3, 4}));
}

TEST(PixelFormat, ZeroWidthCopiesNothing)
{
    for (const PixelFormat &f : all_pixel_formats()) {
        std::array<std::uint8_t, 4> dst{9, 9, 9, 9};
        copy_row(f, nullptr, dst.data(), 0);
        EXPECT_EQ(dst, (std::array<std::uint8_t, 4>{9, 9, 9, 9})) << f.name;
    }
}

} // namespace
} // namespace phyllome::vmview
