#include "vmview/pixel_format.hpp"

#include <drm_fourcc.h>

#include <array>
#include <bit>
#include <cstring>

namespace phyllome::vmview {

static_assert(std::endian::native == std::endian::little,
              "pixman codes are native-endian; the DRM mapping here assumes little-endian");

namespace {

// PIXMAN_FORMAT(bpp, type, a, r, g, b); types: ARGB 2, ABGR 3, BGRA 8, RGBA 9.
constexpr std::uint32_t pixman_code(std::uint32_t bpp, std::uint32_t type, std::uint32_t a,
                                    std::uint32_t r, std::uint32_t g, std::uint32_t b)
{
    return bpp << 24 | type << 16 | a << 12 | r << 8 | g << 4 | b;
}

constexpr std::uint32_t kX8R8G8B8 = pixman_code(32, 2, 0, 8, 8, 8);
constexpr std::uint32_t kA8R8G8B8 = pixman_code(32, 2, 8, 8, 8, 8);
constexpr std::uint32_t kX8B8G8R8 = pixman_code(32, 3, 0, 8, 8, 8);
constexpr std::uint32_t kA8B8G8R8 = pixman_code(32, 3, 8, 8, 8, 8);
constexpr std::uint32_t kB8G8R8X8 = pixman_code(32, 8, 0, 8, 8, 8);
constexpr std::uint32_t kB8G8R8A8 = pixman_code(32, 8, 8, 8, 8, 8);
constexpr std::uint32_t kR8G8B8X8 = pixman_code(32, 9, 0, 8, 8, 8);
constexpr std::uint32_t kR8G8B8A8 = pixman_code(32, 9, 8, 8, 8, 8);
constexpr std::uint32_t kR8G8B8 = pixman_code(24, 2, 0, 8, 8, 8);
constexpr std::uint32_t kB8G8R8 = pixman_code(24, 3, 0, 8, 8, 8);
constexpr std::uint32_t kR5G6B5 = pixman_code(16, 2, 0, 5, 6, 5);
constexpr std::uint32_t kB5G6R5 = pixman_code(16, 3, 0, 5, 6, 5);
constexpr std::uint32_t kX1R5G5B5 = pixman_code(16, 2, 0, 5, 5, 5);
constexpr std::uint32_t kA1R5G5B5 = pixman_code(16, 2, 1, 5, 5, 5);
constexpr std::uint32_t kX2R10G10B10 = pixman_code(32, 2, 0, 10, 10, 10);
constexpr std::uint32_t kA2R10G10B10 = pixman_code(32, 2, 2, 10, 10, 10);
constexpr std::uint32_t kX2B10G10R10 = pixman_code(32, 3, 0, 10, 10, 10);
constexpr std::uint32_t kA2B10G10R10 = pixman_code(32, 3, 2, 10, 10, 10);

static_assert(kX8R8G8B8 == 0x20020888 && kR5G6B5 == 0x10020565 && kA2B10G10R10 == 0x20032aaa);

constexpr std::array<PixelFormat, 18> kFormats{{
    {kX8R8G8B8, "x8r8g8b8", 4, DRM_FORMAT_XRGB8888, false, DRM_FORMAT_XRGB8888},
    {kA8R8G8B8, "a8r8g8b8", 4, DRM_FORMAT_XRGB8888, false, DRM_FORMAT_ARGB8888},
    {kX8B8G8R8, "x8b8g8r8", 4, DRM_FORMAT_XBGR8888, false, DRM_FORMAT_XBGR8888},
    {kA8B8G8R8, "a8b8g8r8", 4, DRM_FORMAT_XBGR8888, false, DRM_FORMAT_ABGR8888},
    {kB8G8R8X8, "b8g8r8x8", 4, DRM_FORMAT_BGRX8888, false, DRM_FORMAT_BGRX8888},
    {kB8G8R8A8, "b8g8r8a8", 4, DRM_FORMAT_BGRX8888, false, DRM_FORMAT_BGRA8888},
    {kR8G8B8X8, "r8g8b8x8", 4, DRM_FORMAT_RGBX8888, false, DRM_FORMAT_RGBX8888},
    {kR8G8B8A8, "r8g8b8a8", 4, DRM_FORMAT_RGBX8888, false, DRM_FORMAT_RGBA8888},
    {kR8G8B8, "r8g8b8", 3, DRM_FORMAT_XRGB8888, true, DRM_FORMAT_RGB888},
    {kB8G8R8, "b8g8r8", 3, DRM_FORMAT_XRGB8888, true, DRM_FORMAT_BGR888},
    {kR5G6B5, "r5g6b5", 2, DRM_FORMAT_XRGB8888, true, DRM_FORMAT_RGB565},
    {kB5G6R5, "b5g6r5", 2, DRM_FORMAT_XRGB8888, true, DRM_FORMAT_BGR565},
    {kX1R5G5B5, "x1r5g5b5", 2, DRM_FORMAT_XRGB8888, true, DRM_FORMAT_XRGB1555},
    {kA1R5G5B5, "a1r5g5b5", 2, DRM_FORMAT_XRGB8888, true, DRM_FORMAT_ARGB1555},
    {kX2R10G10B10, "x2r10g10b10", 4, DRM_FORMAT_XRGB8888, true, DRM_FORMAT_XRGB2101010},
    {kA2R10G10B10, "a2r10g10b10", 4, DRM_FORMAT_XRGB8888, true, DRM_FORMAT_ARGB2101010},
    {kX2B10G10R10, "x2b10g10r10", 4, DRM_FORMAT_XRGB8888, true, DRM_FORMAT_XBGR2101010},
    {kA2B10G10R10, "a2b10g10r10", 4, DRM_FORMAT_XRGB8888, true, DRM_FORMAT_ABGR2101010},
}};

std::uint16_t load16(const std::uint8_t *p)
{
    std::uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

std::uint32_t load32(const std::uint8_t *p)
{
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

void store16(std::uint8_t *p, std::uint32_t v)
{
    const auto w = static_cast<std::uint16_t>(v);
    std::memcpy(p, &w, sizeof w);
}

void store32(std::uint8_t *p, std::uint32_t v)
{
    std::memcpy(p, &v, sizeof v);
}

// 5- and 6-bit channels: the high bits repeated into the low ones, so that
// 0 stays 0 and full scale becomes 0xff.
constexpr std::uint32_t expand5(std::uint32_t v)
{
    return (v << 3) | (v >> 2);
}
constexpr std::uint32_t expand6(std::uint32_t v)
{
    return (v << 2) | (v >> 4);
}
constexpr std::uint32_t narrow10(std::uint32_t v)
{
    return v >> 2;
}
constexpr std::uint32_t widen8to10(std::uint32_t v)
{
    return (v << 2) | (v >> 6);
}

// An XRGB8888 word; the padding byte is 0xff, like the converters' output
// is expected to be.
constexpr std::uint32_t xrgb(std::uint32_t r, std::uint32_t g, std::uint32_t b)
{
    return 0xff000000u | r << 16 | g << 8 | b;
}

// One conversion loop per format, so that the per-pixel work has no branch.
template <typename Convert>
void convert_row(const std::uint8_t *src, std::uint8_t *dst, std::uint32_t width, std::uint32_t bpp,
                 Convert convert)
{
    for (std::uint32_t i = 0; i < width; ++i, src += bpp, dst += kShadowBytesPerPixel) {
        store32(dst, convert(src));
    }
}

} // namespace

std::span<const PixelFormat> all_pixel_formats()
{
    return kFormats;
}

const PixelFormat *find_pixman_format(std::uint32_t code)
{
    for (const PixelFormat &f : kFormats) {
        if (f.pixman == code)
            return &f;
    }
    return nullptr;
}

const PixelFormat *find_pixman_format(std::string_view name)
{
    constexpr std::string_view kPrefix = "PIXMAN_";
    if (name.starts_with(kPrefix))
        name.remove_prefix(kPrefix.size());
    for (const PixelFormat &f : kFormats) {
        if (name == f.name)
            return &f;
    }
    return nullptr;
}

void copy_rows(const PixelFormat &fmt, const std::uint8_t *src, std::size_t src_stride,
               std::uint8_t *dst, std::size_t dst_stride, std::uint32_t width, std::uint32_t rows)
{
    // Rows with no gap between them on either side are one block: a single
    // memcpy lets libc use its way for large copies (non-temporal stores),
    // which thousands of row-sized copies never reach (1.35x one memcpy at
    // 3840x2160 before, docs/BENCHMARKS.md).
    const std::size_t row_bytes = std::size_t{width} * kShadowBytesPerPixel;
    if (!fmt.convert && src_stride == row_bytes && dst_stride == row_bytes) {
        std::memcpy(dst, src, row_bytes * rows);
        return;
    }
    for (std::uint32_t row = 0; row < rows; ++row)
        copy_row(fmt, src + row * src_stride, dst + row * dst_stride, width);
}

void copy_row(const PixelFormat &fmt, const std::uint8_t *src, std::uint8_t *dst,
              std::uint32_t width)
{
    if (width == 0)
        return;
    if (!fmt.convert) {
        std::memcpy(dst, src, std::size_t{width} * kShadowBytesPerPixel);
        return;
    }
    const std::uint32_t bpp = fmt.bytes_per_pixel;
    switch (fmt.pixman) {
    case kR8G8B8: // memory B, G, R
        convert_row(src, dst, width, bpp,
                    [](const std::uint8_t *p) { return xrgb(p[2], p[1], p[0]); });
        break;
    case kB8G8R8: // memory R, G, B
        convert_row(src, dst, width, bpp,
                    [](const std::uint8_t *p) { return xrgb(p[0], p[1], p[2]); });
        break;
    case kR5G6B5:
        convert_row(src, dst, width, bpp, [](const std::uint8_t *p) {
            const std::uint32_t v = load16(p);
            return xrgb(expand5(v >> 11), expand6((v >> 5) & 0x3f), expand5(v & 0x1f));
        });
        break;
    case kB5G6R5:
        convert_row(src, dst, width, bpp, [](const std::uint8_t *p) {
            const std::uint32_t v = load16(p);
            return xrgb(expand5(v & 0x1f), expand6((v >> 5) & 0x3f), expand5(v >> 11));
        });
        break;
    case kX1R5G5B5:
    case kA1R5G5B5:
        convert_row(src, dst, width, bpp, [](const std::uint8_t *p) {
            const std::uint32_t v = load16(p);
            return xrgb(expand5((v >> 10) & 0x1f), expand5((v >> 5) & 0x1f), expand5(v & 0x1f));
        });
        break;
    case kX2R10G10B10:
    case kA2R10G10B10:
        convert_row(src, dst, width, bpp, [](const std::uint8_t *p) {
            const std::uint32_t v = load32(p);
            return xrgb(narrow10((v >> 20) & 0x3ff), narrow10((v >> 10) & 0x3ff),
                        narrow10(v & 0x3ff));
        });
        break;
    case kX2B10G10R10:
    case kA2B10G10R10:
        convert_row(src, dst, width, bpp, [](const std::uint8_t *p) {
            const std::uint32_t v = load32(p);
            return xrgb(narrow10(v & 0x3ff), narrow10((v >> 10) & 0x3ff),
                        narrow10((v >> 20) & 0x3ff));
        });
        break;
    default: // not a format of kFormats: nothing to convert with
        break;
    }
}

void encode_pixel(const PixelFormat &fmt, std::uint32_t rgb, std::uint8_t *dst)
{
    const std::uint32_t r = (rgb >> 16) & 0xff;
    const std::uint32_t g = (rgb >> 8) & 0xff;
    const std::uint32_t b = rgb & 0xff;
    switch (fmt.pixman) {
    case kX8R8G8B8:
    case kA8R8G8B8:
        store32(dst, 0xffu << 24 | r << 16 | g << 8 | b);
        break;
    case kX8B8G8R8:
    case kA8B8G8R8:
        store32(dst, 0xffu << 24 | b << 16 | g << 8 | r);
        break;
    case kB8G8R8X8:
    case kB8G8R8A8:
        store32(dst, b << 24 | g << 16 | r << 8 | 0xffu);
        break;
    case kR8G8B8X8:
    case kR8G8B8A8:
        store32(dst, r << 24 | g << 16 | b << 8 | 0xffu);
        break;
    case kR8G8B8: // 24-bit word R<<16|G<<8|B, little-endian: B, G, R
        dst[0] = static_cast<std::uint8_t>(b);
        dst[1] = static_cast<std::uint8_t>(g);
        dst[2] = static_cast<std::uint8_t>(r);
        break;
    case kB8G8R8:
        dst[0] = static_cast<std::uint8_t>(r);
        dst[1] = static_cast<std::uint8_t>(g);
        dst[2] = static_cast<std::uint8_t>(b);
        break;
    case kR5G6B5:
        store16(dst, (r >> 3) << 11 | (g >> 2) << 5 | (b >> 3));
        break;
    case kB5G6R5:
        store16(dst, (b >> 3) << 11 | (g >> 2) << 5 | (r >> 3));
        break;
    case kX1R5G5B5:
    case kA1R5G5B5:
        store16(dst, 1u << 15 | (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3));
        break;
    case kX2R10G10B10:
    case kA2R10G10B10:
        store32(dst, 3u << 30 | widen8to10(r) << 20 | widen8to10(g) << 10 | widen8to10(b));
        break;
    case kX2B10G10R10:
    case kA2B10G10R10:
        store32(dst, 3u << 30 | widen8to10(b) << 20 | widen8to10(g) << 10 | widen8to10(r));
        break;
    default:
        break;
    }
}

bool is_shadow_drm_format(std::uint32_t drm_format)
{
    switch (drm_format) {
    case DRM_FORMAT_XRGB8888:
    case DRM_FORMAT_ARGB8888:
    case DRM_FORMAT_XBGR8888:
    case DRM_FORMAT_ABGR8888:
    case DRM_FORMAT_BGRX8888:
    case DRM_FORMAT_BGRA8888:
    case DRM_FORMAT_RGBX8888:
    case DRM_FORMAT_RGBA8888:
        return true;
    default:
        return false;
    }
}

std::uint32_t decode_shadow_pixel(std::uint32_t drm_format, const std::uint8_t *src)
{
    const std::uint32_t v = load32(src);
    switch (drm_format) {
    case DRM_FORMAT_XRGB8888: // [31:0] x:R:G:B
    case DRM_FORMAT_ARGB8888:
        return v & 0xffffff;
    case DRM_FORMAT_XBGR8888: // [31:0] x:B:G:R
    case DRM_FORMAT_ABGR8888:
        return (v & 0xff) << 16 | (v & 0xff00) | ((v >> 16) & 0xff);
    case DRM_FORMAT_BGRX8888: // [31:0] B:G:R:x
    case DRM_FORMAT_BGRA8888:
        return ((v >> 8) & 0xff) << 16 | ((v >> 16) & 0xff) << 8 | (v >> 24);
    case DRM_FORMAT_RGBX8888: // [31:0] R:G:B:x
    case DRM_FORMAT_RGBA8888:
        return v >> 8;
    default:
        return 0;
    }
}

void encode_shadow_pixel(std::uint32_t drm_format, std::uint32_t rgb, std::uint8_t *dst)
{
    const std::uint32_t r = (rgb >> 16) & 0xff;
    const std::uint32_t g = (rgb >> 8) & 0xff;
    const std::uint32_t b = rgb & 0xff;
    switch (drm_format) {
    case DRM_FORMAT_XRGB8888:
    case DRM_FORMAT_ARGB8888:
        store32(dst, 0xffu << 24 | r << 16 | g << 8 | b);
        break;
    case DRM_FORMAT_XBGR8888:
    case DRM_FORMAT_ABGR8888:
        store32(dst, 0xffu << 24 | b << 16 | g << 8 | r);
        break;
    case DRM_FORMAT_BGRX8888:
    case DRM_FORMAT_BGRA8888:
        store32(dst, b << 24 | g << 16 | r << 8 | 0xffu);
        break;
    case DRM_FORMAT_RGBX8888:
    case DRM_FORMAT_RGBA8888:
        store32(dst, r << 24 | g << 16 | b << 8 | 0xffu);
        break;
    default:
        break;
    }
}

} // namespace phyllome::vmview
