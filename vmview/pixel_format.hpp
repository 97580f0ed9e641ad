// The pixel formats QEMU's D-Bus display sends on its CPU paths (Scanout,
// Update, ScanoutMap): pixman format codes, and how each one is kept in a
// console's shadow surface. See the reference, qemu-dbus-display.md §8.1.
//
// Pixman codes describe native-endian words; DRM fourccs describe
// little-endian memory. This code assumes a little-endian host (checked at
// compile time), where the 32-bit formats coincide byte for byte with a DRM
// fourcc and are stored as they come. Their alpha channel is undefined for a
// guest framebuffer, so they are shown through the opaque (X) variant. The
// 24-, 16- and 10-bit formats are converted to DRM_FORMAT_XRGB8888 while
// copying: 5- and 6-bit channels by replicating their high bits, 10-bit ones
// by keeping their 8 high bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace phyllome::vmview {

struct PixelFormat {
    std::uint32_t pixman;            // pixman format code, e.g. 0x20020888
    const char *name;                // pixman's name without "PIXMAN_", e.g. "x8r8g8b8"
    std::uint32_t bytes_per_pixel;   // in QEMU's data: 2, 3 or 4
    std::uint32_t shadow_drm_format; // DRM fourcc of the shadow surface (always opaque)
    bool convert;                    // true: converted to XRGB8888 while copying
    std::uint32_t drm_format;        // the exact DRM equivalent of the pixman format
};

// Every format of the reference's table (18), 32-bit ones first.
std::span<const PixelFormat> all_pixel_formats();

// nullptr when unknown. The name may carry pixman's "PIXMAN_" prefix.
const PixelFormat *find_pixman_format(std::uint32_t code);
const PixelFormat *find_pixman_format(std::string_view name);

// Bytes per pixel of every shadow format.
inline constexpr std::uint32_t kShadowBytesPerPixel = 4;

// Copies `width` pixels of one row from QEMU's data (fmt) into a shadow
// surface row (fmt.shadow_drm_format): a memcpy for stored formats, a
// conversion for the others. src needs width * fmt.bytes_per_pixel bytes,
// dst width * 4; no alignment is required of either.
void copy_row(const PixelFormat &fmt, const std::uint8_t *src, std::uint8_t *dst,
              std::uint32_t width);

// copy_row for `rows` rows, each `src_stride` and `dst_stride` bytes after
// the one before.
void copy_rows(const PixelFormat &fmt, const std::uint8_t *src, std::size_t src_stride,
               std::uint8_t *dst, std::size_t dst_stride, std::uint32_t width, std::uint32_t rows);

// Writes one pixel of colour rgb (0xRRGGBB) in fmt, as QEMU would send it:
// channels narrower than 8 bits keep their high bits, 10-bit channels
// replicate their 2 high bits into the low ones, alpha/padding bits are all
// ones. For tests and the fake QEMU peer.
void encode_pixel(const PixelFormat &fmt, std::uint32_t rgb, std::uint8_t *dst);

// Reads one pixel of a 32-bit, 8-bit-per-channel DRM format (XRGB8888,
// XBGR8888, BGRX8888, RGBX8888 and their A variants; alpha ignored) as
// 0xRRGGBB. 0 for any other format.
std::uint32_t decode_shadow_pixel(std::uint32_t drm_format, const std::uint8_t *src);

// The inverse of decode_shadow_pixel for the same formats; the padding (or
// alpha) byte is written as 0xff. Writes nothing for another format.
void encode_shadow_pixel(std::uint32_t drm_format, std::uint32_t rgb, std::uint8_t *dst);

// Whether decode_shadow_pixel/encode_shadow_pixel know drm_format.
bool is_shadow_drm_format(std::uint32_t drm_format);

} // namespace phyllome::vmview
