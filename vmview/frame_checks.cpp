#include "vmview/frame_checks.hpp"

#include <drm_fourcc.h>

#include <array>
#include <cstdio>

#include "vmview/pixel_format.hpp"

namespace phyllome::vmview {

namespace {

constexpr std::array<std::uint32_t, 4> kDmabufFormats{DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888,
                                                      DRM_FORMAT_XBGR8888, DRM_FORMAT_ABGR8888};

std::string hex32(std::uint32_t v)
{
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", v);
    return text;
}

// "XR24" for a printable fourcc, else nothing.
std::string fourcc_chars(std::uint32_t v)
{
    std::string s;
    for (int i = 0; i < 4; ++i) {
        const auto c = static_cast<char>((v >> (8 * i)) & 0xff);
        if (c < 0x20 || c > 0x7e)
            return {};
        s += c;
    }
    return s;
}

std::string describe_fourcc(std::uint32_t v)
{
    const std::string chars = fourcc_chars(v);
    return chars.empty() ? hex32(v) : "'" + chars + "' (" + hex32(v) + ")";
}

std::string n(std::int64_t v)
{
    return std::to_string(v);
}
std::string u(std::uint64_t v)
{
    return std::to_string(v);
}

// what: "Scanout", "Update"...; name: "width"...
std::optional<std::string> check_range(const char *what, const char *name, std::int64_t v,
                                       std::int64_t lo, std::int64_t hi)
{
    if (v < lo || v > hi) {
        return std::string(what) + " " + name + " " + n(v) + " outside " + n(lo) + ".." + n(hi);
    }
    return std::nullopt;
}

// Width, height in 1..max_side.
std::optional<std::string> check_size(const char *what, std::int64_t width, std::int64_t height,
                                      std::int64_t max_side)
{
    if (auto e = check_range(what, "width", width, 1, max_side))
        return e;
    return check_range(what, "height", height, 1, max_side);
}

// width * bpp <= stride <= kMaxStride; width already checked.
std::optional<std::string> check_stride(const char *what, std::int64_t width, std::int64_t stride,
                                        std::uint32_t bpp)
{
    const std::int64_t row = width * bpp;
    if (stride < row || stride > kMaxStride) {
        return std::string(what) + " stride " + n(stride) + " outside " + n(row) + ".." +
               n(kMaxStride) + " (width " + n(width) + " x " + n(bpp) + " bytes per pixel)";
    }
    return std::nullopt;
}

// Bytes needed by height rows of width pixels, the last one unpadded; all
// three already checked, so this is at most ~2^31.
std::uint64_t bytes_needed(std::int64_t width, std::int64_t height, std::int64_t stride,
                           std::uint32_t bpp)
{
    return static_cast<std::uint64_t>(stride) * static_cast<std::uint64_t>(height - 1) +
           static_cast<std::uint64_t>(width) * bpp;
}

std::optional<std::string> check_data(const char *what, std::uint64_t have, std::uint64_t need)
{
    if (have < need) {
        return std::string(what) + " data holds " + u(have) + " bytes, needs " + u(need);
    }
    return std::nullopt;
}

const PixelFormat *known_format(std::uint32_t code)
{
    return find_pixman_format(code);
}

std::string unknown_format(const char *what, std::uint32_t code)
{
    return std::string(what) + " has unknown pixman format " + hex32(code);
}

} // namespace

std::optional<std::string> check_scanout(std::int64_t width, std::int64_t height,
                                         std::int64_t stride, std::uint32_t pixman_format,
                                         std::uint64_t data_len)
{
    constexpr const char *kWhat = "Scanout";
    if (auto e = check_size(kWhat, width, height, kMaxSide))
        return e;
    const PixelFormat *fmt = known_format(pixman_format);
    if (!fmt)
        return unknown_format(kWhat, pixman_format);
    if (auto e = check_stride(kWhat, width, stride, fmt->bytes_per_pixel))
        return e;
    return check_data(kWhat, data_len, bytes_needed(width, height, stride, fmt->bytes_per_pixel));
}

std::optional<std::string> check_update(std::int64_t x, std::int64_t y, std::int64_t width,
                                        std::int64_t height, std::int64_t stride,
                                        std::uint32_t pixman_format, std::uint64_t data_len)
{
    constexpr const char *kWhat = "Update";
    if (auto e = check_range(kWhat, "x", x, 0, kMaxSide - 1))
        return e;
    if (auto e = check_range(kWhat, "y", y, 0, kMaxSide - 1))
        return e;
    if (auto e = check_size(kWhat, width, height, kMaxSide))
        return e;
    if (x + width > kMaxSide || y + height > kMaxSide) {
        return std::string(kWhat) + " rectangle " + n(x) + "," + n(y) + " " + n(width) + "x" +
               n(height) + " reaches beyond " + n(kMaxSide) + " pixels";
    }
    const PixelFormat *fmt = known_format(pixman_format);
    if (!fmt)
        return unknown_format(kWhat, pixman_format);
    if (auto e = check_stride(kWhat, width, stride, fmt->bytes_per_pixel))
        return e;
    return check_data(kWhat, data_len, bytes_needed(width, height, stride, fmt->bytes_per_pixel));
}

std::optional<std::string> check_map(std::uint64_t file_size, std::uint64_t offset,
                                     std::int64_t width, std::int64_t height, std::int64_t stride,
                                     std::uint32_t pixman_format)
{
    constexpr const char *kWhat = "ScanoutMap";
    if (auto e = check_size(kWhat, width, height, kMaxSide))
        return e;
    const PixelFormat *fmt = known_format(pixman_format);
    if (!fmt)
        return unknown_format(kWhat, pixman_format);
    if (auto e = check_stride(kWhat, width, stride, fmt->bytes_per_pixel))
        return e;
    const std::uint64_t need = bytes_needed(width, height, stride, fmt->bytes_per_pixel);
    // offset + need > file_size, without overflowing offset + need.
    if (need > file_size || offset > file_size - need) {
        return std::string(kWhat) + " file holds " + u(file_size) + " bytes, needs offset " +
               u(offset) + " + " + u(need);
    }
    return std::nullopt;
}

std::span<const std::uint32_t> accepted_dmabuf_formats()
{
    return kDmabufFormats;
}

std::optional<std::string> check_dmabuf(std::int64_t width, std::int64_t height,
                                        std::int64_t stride, std::uint32_t fourcc,
                                        std::uint64_t modifier, std::uint64_t file_size)
{
    constexpr const char *kWhat = "ScanoutDMABUF";
    (void)modifier; // any modifier may be imported; the renderer decides
    if (auto e = check_size(kWhat, width, height, kMaxSide))
        return e;
    bool known = false;
    for (const std::uint32_t f : kDmabufFormats)
        known = known || f == fourcc;
    if (!known) {
        std::string accepted;
        for (const std::uint32_t f : kDmabufFormats) {
            accepted += (accepted.empty() ? "" : ", ") + fourcc_chars(f);
        }
        return std::string(kWhat) + " has unsupported fourcc " + describe_fourcc(fourcc) +
               "; accepted: " + accepted;
    }
    constexpr std::uint32_t kBpp = 4;
    if (auto e = check_stride(kWhat, width, stride, kBpp))
        return e;
    if (file_size > 0) {
        const std::uint64_t need = bytes_needed(width, height, stride, kBpp);
        if (file_size < need) {
            return std::string(kWhat) + " buffer holds " + u(file_size) + " bytes, needs " +
                   u(need);
        }
    }
    return std::nullopt;
}

std::optional<std::string> check_cursor(std::int64_t width, std::int64_t height, std::int64_t hot_x,
                                        std::int64_t hot_y, std::uint64_t data_len)
{
    constexpr const char *kWhat = "CursorDefine";
    if (auto e = check_size(kWhat, width, height, kMaxCursorSide))
        return e;
    if (auto e = check_range(kWhat, "hot_x", hot_x, 0, width - 1))
        return e;
    if (auto e = check_range(kWhat, "hot_y", hot_y, 0, height - 1))
        return e;
    const auto need = static_cast<std::uint64_t>(width * height * 4);
    if (data_len != need) {
        return std::string(kWhat) + " data holds " + u(data_len) + " bytes, needs exactly " +
               u(need) + " (" + n(width) + " x " + n(height) + " x 4)";
    }
    return std::nullopt;
}

std::optional<std::string> check_damage(std::int64_t x, std::int64_t y, std::int64_t width,
                                        std::int64_t height, std::int64_t buffer_width,
                                        std::int64_t buffer_height)
{
    constexpr const char *kWhat = "damage";
    if (x < 0 || y < 0 || width < 0 || height < 0) {
        return std::string(kWhat) + " rectangle " + n(x) + "," + n(y) + " " + n(width) + "x" +
               n(height) + " has a negative value";
    }
    if (width == 0 || height == 0)
        return std::nullopt;
    // x + width <= buffer_width, without overflowing x + width.
    if (buffer_width < 0 || buffer_height < 0 || x > buffer_width || width > buffer_width - x ||
        y > buffer_height || height > buffer_height - y) {
        return std::string(kWhat) + " rectangle " + n(x) + "," + n(y) + " " + n(width) + "x" +
               n(height) + " outside the " + n(buffer_width) + "x" + n(buffer_height) + " buffer";
    }
    return std::nullopt;
}

} // namespace phyllome::vmview
