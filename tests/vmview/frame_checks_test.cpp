// vmview/frame_checks: every check at its boundaries (just inside, just
// outside), with overflow attempts and negative values.
#include <drm_fourcc.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "vmview/frame_checks.hpp"

namespace phyllome::vmview {
namespace {

using ::testing::HasSubstr;

constexpr std::uint32_t kXRGB = 0x20020888;  // x8r8g8b8, 4 bytes
constexpr std::uint32_t kRGB24 = 0x18020888; // r8g8b8, 3 bytes
constexpr std::uint32_t kRGB16 = 0x10020565; // r5g6b5, 2 bytes
constexpr std::int64_t kU32Max = 0xffffffff;
constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kI64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

// --- Scanout ---------------------------------------------------------------

TEST(CheckScanout, AcceptsExactAndPaddedFrames)
{
    EXPECT_EQ(check_scanout(640, 480, 2560, kXRGB, 2560 * 480), std::nullopt);
    EXPECT_EQ(check_scanout(1, 1, 4, kXRGB, 4), std::nullopt);
    // The last row needs no padding.
    EXPECT_EQ(check_scanout(10, 3, 64, kXRGB, 64 * 2 + 40), std::nullopt);
    EXPECT_EQ(check_scanout(10, 3, 30, kRGB24, 90), std::nullopt);
    EXPECT_EQ(check_scanout(10, 3, 20, kRGB16, 60), std::nullopt);
    EXPECT_EQ(check_scanout(kMaxSide, kMaxSide, kMaxSide * 4, kXRGB,
                            std::uint64_t{kMaxSide} * kMaxSide * 4),
              std::nullopt);
    EXPECT_EQ(check_scanout(1, 1, kMaxStride, kXRGB, 4), std::nullopt);
    EXPECT_EQ(check_scanout(1, 2, kMaxStride, kXRGB, kMaxStride + 4), std::nullopt);
}

TEST(CheckScanout, RejectsBadSizes)
{
    EXPECT_THAT(check_scanout(0, 480, 2560, kXRGB, 1 << 24).value_or(""), HasSubstr("width 0"));
    EXPECT_THAT(check_scanout(640, 0, 2560, kXRGB, 1 << 24).value_or(""), HasSubstr("height 0"));
    EXPECT_TRUE(check_scanout(kMaxSide + 1, 1, (kMaxSide + 1) * 4, kXRGB, 1 << 24));
    EXPECT_TRUE(check_scanout(1, kMaxSide + 1, 4, kXRGB, 1 << 24));
    EXPECT_TRUE(check_scanout(kU32Max, kU32Max, kU32Max, kXRGB, kU64Max));
    EXPECT_TRUE(check_scanout(-1, -1, 4, kXRGB, kU64Max));
    EXPECT_TRUE(check_scanout(kI64Max, 1, kI64Max, kXRGB, kU64Max));
    EXPECT_TRUE(check_scanout(kI64Min, 1, 4, kXRGB, kU64Max));
}

TEST(CheckScanout, RejectsUnknownFormats)
{
    EXPECT_THAT(check_scanout(1, 1, 4, 0x20020887, 4).value_or(""),
                HasSubstr("unknown pixman format 0x20020887"));
    EXPECT_TRUE(check_scanout(1, 1, 4, 0, 4));
    EXPECT_TRUE(check_scanout(1, 1, 4, DRM_FORMAT_XRGB8888, 4)); // a fourcc is not a pixman code
}

TEST(CheckScanout, RejectsBadStrides)
{
    EXPECT_THAT(check_scanout(640, 480, 2559, kXRGB, 1 << 24).value_or(""),
                HasSubstr("stride 2559"));
    EXPECT_EQ(check_scanout(640, 480, 1920, kRGB24, 1920 * 480), std::nullopt);
    EXPECT_TRUE(check_scanout(640, 480, 1919, kRGB24, 1 << 24));
    EXPECT_TRUE(check_scanout(1, 1, kMaxStride + 1, kXRGB, kU64Max));
    EXPECT_TRUE(check_scanout(1, 1, kU32Max, kXRGB, kU64Max));
    EXPECT_TRUE(check_scanout(1, 1, -4, kXRGB, kU64Max));
    EXPECT_TRUE(check_scanout(1, 1, 0, kXRGB, kU64Max));
}

TEST(CheckScanout, RejectsShortData)
{
    EXPECT_THAT(check_scanout(640, 480, 2560, kXRGB, 2560 * 480 - 1).value_or(""),
                HasSubstr("holds 1228799 bytes, needs 1228800"));
    EXPECT_TRUE(check_scanout(10, 3, 64, kXRGB, 64 * 2 + 39));
    EXPECT_TRUE(check_scanout(1, 1, 4, kXRGB, 3));
    EXPECT_TRUE(check_scanout(1, 1, 4, kXRGB, 0));
    EXPECT_TRUE(check_scanout(kMaxSide, kMaxSide, kMaxStride, kXRGB,
                              std::uint64_t{kMaxStride} * (kMaxSide - 1) + kMaxSide * 4 - 1));
    EXPECT_EQ(check_scanout(kMaxSide, kMaxSide, kMaxStride, kXRGB,
                            std::uint64_t{kMaxStride} * (kMaxSide - 1) + kMaxSide * 4),
              std::nullopt);
}

// --- Update ----------------------------------------------------------------

TEST(CheckUpdate, AcceptsTightAndPaddedRectangles)
{
    // The verified 7.2 example: x=0 y=384 w=9 h=16 stride=36 len=576.
    EXPECT_EQ(check_update(0, 384, 9, 16, 36, kXRGB, 576), std::nullopt);
    EXPECT_EQ(check_update(0, 0, 720, 16, 2880, kXRGB, 46080), std::nullopt);
    EXPECT_EQ(check_update(5, 6, 3, 2, 100, kXRGB, 112), std::nullopt);
    EXPECT_EQ(check_update(kMaxSide - 1, kMaxSide - 1, 1, 1, 4, kXRGB, 4), std::nullopt);
    EXPECT_EQ(check_update(0, 0, kMaxSide, kMaxSide, kMaxSide * 2, kRGB16,
                           std::uint64_t{kMaxSide} * kMaxSide * 2),
              std::nullopt);
}

TEST(CheckUpdate, RejectsNegativeAndOversizedRectangles)
{
    EXPECT_THAT(check_update(-1, 0, 1, 1, 4, kXRGB, 4).value_or(""), HasSubstr("x -1"));
    EXPECT_THAT(check_update(0, -1, 1, 1, 4, kXRGB, 4).value_or(""), HasSubstr("y -1"));
    EXPECT_TRUE(check_update(0, 0, -1, 1, 4, kXRGB, 4));
    EXPECT_TRUE(check_update(0, 0, 1, -1, 4, kXRGB, 4));
    EXPECT_TRUE(check_update(0, 0, 0, 1, 4, kXRGB, 4));
    EXPECT_TRUE(check_update(0, 0, 1, 0, 4, kXRGB, 4));
    EXPECT_TRUE(check_update(INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX, 4, kXRGB, kU64Max));
    // x + width and y + height up to kMaxSide.
    EXPECT_THAT(check_update(kMaxSide - 1, 0, 2, 1, 8, kXRGB, 8).value_or(""),
                HasSubstr("beyond 16384"));
    EXPECT_TRUE(check_update(0, kMaxSide - 1, 1, 2, 4, kXRGB, 8));
    EXPECT_TRUE(check_update(kMaxSide, 0, 1, 1, 4, kXRGB, 4));
    EXPECT_TRUE(check_update(0, kMaxSide, 1, 1, 4, kXRGB, 4));
    EXPECT_TRUE(check_update(1, 0, kMaxSide, 1, kMaxSide * 4, kXRGB, kU64Max));
    // Values that would overflow 32-bit sums or products.
    EXPECT_TRUE(check_update(kU32Max, kU32Max, kU32Max, kU32Max, kU32Max, kXRGB, kU64Max));
    EXPECT_TRUE(check_update(INT32_MAX, 0, INT32_MAX, 1, 4, kXRGB, kU64Max));
    EXPECT_TRUE(check_update(0, 0, 0x40000001, 1, 4, kXRGB, kU64Max)); // * 4 wraps in 32 bits
    EXPECT_TRUE(check_update(kI64Max, kI64Max, kI64Max, kI64Max, kI64Max, kXRGB, kU64Max));
}

TEST(CheckUpdate, RejectsBadFormatStrideAndData)
{
    EXPECT_TRUE(check_update(0, 0, 1, 1, 4, 0x12345678, 4));
    EXPECT_TRUE(check_update(0, 0, 9, 16, 35, kXRGB, 576));
    EXPECT_TRUE(check_update(0, 0, 1, 2, kMaxStride + 1, kXRGB, kU64Max));
    EXPECT_TRUE(check_update(0, 0, 1, 2, -1, kXRGB, kU64Max));
    EXPECT_THAT(check_update(0, 384, 9, 16, 36, kXRGB, 575).value_or(""),
                HasSubstr("holds 575 bytes, needs 576"));
    EXPECT_TRUE(check_update(0, 0, 1, 1, 4, kXRGB, 0));
    EXPECT_EQ(check_update(0, 0, 3, 2, 9, kRGB24, 18), std::nullopt);
    EXPECT_TRUE(check_update(0, 0, 3, 2, 9, kRGB24, 17));
    EXPECT_TRUE(check_update(0, 0, 3, 2, 8, kRGB24, 18));
}

// --- ScanoutMap ------------------------------------------------------------

TEST(CheckMap, AcceptsARangeInsideTheFile)
{
    EXPECT_EQ(check_map(2560 * 480, 0, 640, 480, 2560, kXRGB), std::nullopt);
    EXPECT_EQ(check_map(100 + 2560 * 480, 100, 640, 480, 2560, kXRGB), std::nullopt);
    // Last row unpadded; unaligned offset.
    EXPECT_EQ(check_map(7 + 64 + 40, 7, 10, 2, 64, kXRGB), std::nullopt);
}

TEST(CheckMap, RejectsShortFilesAndOverflowingOffsets)
{
    EXPECT_THAT(check_map(2560 * 480 - 1, 0, 640, 480, 2560, kXRGB).value_or(""),
                HasSubstr("holds 1228799 bytes"));
    EXPECT_TRUE(check_map(100 + 2560 * 480 - 1, 100, 640, 480, 2560, kXRGB));
    EXPECT_TRUE(check_map(0, 0, 1, 1, 4, kXRGB));
    EXPECT_TRUE(check_map(kU64Max, kU64Max, 1, 1, 4, kXRGB)); // offset + need wraps
    EXPECT_EQ(check_map(kU64Max, kU64Max - 4, 1, 1, 4, kXRGB), std::nullopt);
    EXPECT_TRUE(check_map(kU64Max, kU64Max - 3, 1, 1, 4, kXRGB));
    EXPECT_TRUE(check_map(16, 13, 1, 1, 4, kXRGB));
    EXPECT_EQ(check_map(16, 12, 1, 1, 4, kXRGB), std::nullopt);
}

TEST(CheckMap, RejectsBadGeometryAndFormats)
{
    EXPECT_TRUE(check_map(kU64Max, 0, 0, 1, 4, kXRGB));
    EXPECT_TRUE(check_map(kU64Max, 0, 1, 0, 4, kXRGB));
    EXPECT_TRUE(check_map(kU64Max, 0, kMaxSide + 1, 1, kMaxStride, kXRGB));
    EXPECT_TRUE(check_map(kU64Max, 0, kU32Max, kU32Max, kU32Max, kXRGB));
    EXPECT_TRUE(check_map(kU64Max, 0, -1, 1, 4, kXRGB));
    EXPECT_TRUE(check_map(kU64Max, 0, 2, 1, 7, kXRGB));
    EXPECT_TRUE(check_map(kU64Max, 0, 1, 1, kMaxStride + 1, kXRGB));
    EXPECT_TRUE(check_map(kU64Max, 0, 1, 1, 4, 0xdeadbeef));
}

// --- ScanoutDMABUF ---------------------------------------------------------

TEST(CheckDmabuf, AcceptsTheFourSinglePlaneFormats)
{
    const auto accepted = accepted_dmabuf_formats();
    ASSERT_EQ(accepted.size(), 4u);
    for (const std::uint32_t f :
         {DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_XBGR8888, DRM_FORMAT_ABGR8888}) {
        EXPECT_NE(std::find(accepted.begin(), accepted.end(), f), accepted.end());
        EXPECT_EQ(check_dmabuf(1920, 1080, 7680, f, DRM_FORMAT_MOD_LINEAR, 0), std::nullopt);
    }
    // Any modifier; the size is checked only when known.
    EXPECT_EQ(check_dmabuf(1920, 1080, 7680, DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_INVALID, 0),
              std::nullopt);
    EXPECT_EQ(
        check_dmabuf(1920, 1080, 8192, DRM_FORMAT_XRGB8888, I915_FORMAT_MOD_X_TILED, 8192 * 1080),
        std::nullopt);
    EXPECT_EQ(check_dmabuf(3, 2, 64, DRM_FORMAT_XRGB8888, 0, 64 + 12), std::nullopt);
}

TEST(CheckDmabuf, RejectsOtherFormatsNamingTheAcceptedOnes)
{
    const auto reason = check_dmabuf(64, 64, 256, DRM_FORMAT_NV12, 0, 0);
    ASSERT_TRUE(reason);
    EXPECT_THAT(*reason, HasSubstr("'NV12'"));
    EXPECT_THAT(*reason, HasSubstr("XR24, AR24, XB24, AB24"));
    EXPECT_TRUE(check_dmabuf(64, 64, 256, DRM_FORMAT_BGRX8888, 0, 0));
    EXPECT_TRUE(check_dmabuf(64, 64, 256, DRM_FORMAT_RGB565, 0, 0));
    EXPECT_TRUE(check_dmabuf(64, 64, 256, DRM_FORMAT_XRGB2101010, 0, 0));
    EXPECT_TRUE(check_dmabuf(64, 64, 256, 0, 0, 0));
    EXPECT_TRUE(check_dmabuf(64, 64, 256, 0x20020888, 0, 0)); // a pixman code
}

TEST(CheckDmabuf, RejectsBadGeometryAndSmallBuffers)
{
    constexpr std::uint32_t f = DRM_FORMAT_XRGB8888;
    EXPECT_TRUE(check_dmabuf(0, 1, 4, f, 0, 0));
    EXPECT_TRUE(check_dmabuf(1, 0, 4, f, 0, 0));
    EXPECT_TRUE(check_dmabuf(kMaxSide + 1, 1, kMaxStride, f, 0, 0));
    EXPECT_TRUE(check_dmabuf(kU32Max, kU32Max, kU32Max, f, 0, 0));
    EXPECT_TRUE(check_dmabuf(-1, 1, 4, f, 0, 0));
    EXPECT_TRUE(check_dmabuf(1920, 1080, 7679, f, 0, 0));
    EXPECT_TRUE(check_dmabuf(1, 1, kMaxStride + 1, f, 0, 0));
    EXPECT_THAT(check_dmabuf(3, 2, 64, f, 0, 64 + 11).value_or(""),
                HasSubstr("holds 75 bytes, needs 76"));
    EXPECT_TRUE(check_dmabuf(1920, 1080, 7680, f, 0, 7680 * 1080 - 1));
    EXPECT_EQ(check_dmabuf(1920, 1080, 7680, f, 0, 7680 * 1080), std::nullopt);
}

// --- CursorDefine ----------------------------------------------------------

TEST(CheckCursor, Boundaries)
{
    EXPECT_EQ(check_cursor(32, 32, 0, 0, 32 * 32 * 4), std::nullopt);
    EXPECT_EQ(check_cursor(32, 32, 31, 31, 32 * 32 * 4), std::nullopt);
    EXPECT_EQ(check_cursor(1, 1, 0, 0, 4), std::nullopt);
    EXPECT_EQ(check_cursor(512, 512, 511, 0, 512 * 512 * 4), std::nullopt);
    EXPECT_TRUE(check_cursor(513, 1, 0, 0, 513 * 4));
    EXPECT_TRUE(check_cursor(1, 513, 0, 0, 513 * 4));
    EXPECT_TRUE(check_cursor(0, 1, 0, 0, 0));
    EXPECT_TRUE(check_cursor(1, 0, 0, 0, 0));
    EXPECT_TRUE(check_cursor(-1, -1, 0, 0, 4));
    EXPECT_TRUE(check_cursor(kU32Max, kU32Max, 0, 0, 4));
    EXPECT_TRUE(check_cursor(INT32_MIN, INT32_MIN, 0, 0, 0));
    EXPECT_THAT(check_cursor(32, 32, 32, 0, 32 * 32 * 4).value_or(""), HasSubstr("hot_x 32"));
    EXPECT_THAT(check_cursor(32, 32, 0, 32, 32 * 32 * 4).value_or(""), HasSubstr("hot_y 32"));
    EXPECT_TRUE(check_cursor(32, 32, -1, 0, 32 * 32 * 4));
    EXPECT_TRUE(check_cursor(32, 32, 0, -1, 32 * 32 * 4));
    EXPECT_TRUE(check_cursor(32, 32, 0, 0, 32 * 32 * 4 - 1));
    EXPECT_THAT(check_cursor(32, 32, 0, 0, 32 * 32 * 4 + 1).value_or(""),
                HasSubstr("needs exactly 4096"));
    EXPECT_TRUE(check_cursor(32, 32, 0, 0, 0));
}

// --- UpdateMap / UpdateDMABUF damage ---------------------------------------

TEST(CheckDamage, InsideTheBuffer)
{
    EXPECT_EQ(check_damage(0, 0, 640, 480, 640, 480), std::nullopt);
    EXPECT_EQ(check_damage(639, 479, 1, 1, 640, 480), std::nullopt);
    EXPECT_EQ(check_damage(10, 20, 30, 40, 640, 480), std::nullopt);
}

TEST(CheckDamage, ZeroSizeIsANoOp)
{
    EXPECT_EQ(check_damage(0, 0, 0, 0, 640, 480), std::nullopt);
    EXPECT_EQ(check_damage(10, 10, 0, 5, 640, 480), std::nullopt);
    EXPECT_EQ(check_damage(10, 10, 5, 0, 640, 480), std::nullopt);
    EXPECT_EQ(check_damage(5000, 5000, 0, 0, 640, 480), std::nullopt);
}

TEST(CheckDamage, RejectsOutsideAndNegative)
{
    EXPECT_THAT(check_damage(0, 0, 641, 480, 640, 480).value_or(""), HasSubstr("outside"));
    EXPECT_TRUE(check_damage(0, 0, 640, 481, 640, 480));
    EXPECT_TRUE(check_damage(640, 0, 1, 1, 640, 480));
    EXPECT_TRUE(check_damage(0, 480, 1, 1, 640, 480));
    EXPECT_TRUE(check_damage(1, 0, 640, 1, 640, 480));
    EXPECT_THAT(check_damage(-1, 0, 1, 1, 640, 480).value_or(""), HasSubstr("negative"));
    EXPECT_TRUE(check_damage(0, -1, 1, 1, 640, 480));
    EXPECT_TRUE(check_damage(0, 0, -1, 1, 640, 480));
    EXPECT_TRUE(check_damage(0, 0, 1, -1, 640, 480));
    EXPECT_TRUE(check_damage(0, 0, -5, 0, 640, 480));
    EXPECT_TRUE(check_damage(INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, 640, 480));
    EXPECT_TRUE(check_damage(1, 1, kI64Max, kI64Max, 640, 480));
    EXPECT_TRUE(check_damage(kI64Max, 0, 1, 1, kI64Max, 480));
    EXPECT_TRUE(check_damage(0, 0, 1, 1, 0, 0)); // no buffer
}

} // namespace
} // namespace phyllome::vmview
