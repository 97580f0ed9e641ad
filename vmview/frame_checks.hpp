// Validation of every frame message QEMU's D-Bus display sends, done before
// any memory is touched. Each check returns the reason for a rejection, or
// nullopt when the message is fine. Geometry is taken as int64_t so that
// callers pass D-Bus `u` and `i` values alike without conversion: negative
// values are rejected, and all arithmetic is 64-bit after range checks, so
// no input can overflow it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/rect.hpp"

namespace phyllome::vmview {

// Largest frame side accepted, in pixels.
inline constexpr std::int64_t kMaxSide = 16384;
// Largest stride accepted, in bytes: a kMaxSide-wide frame at 8 bytes per
// pixel (twice the widest format) leaves room for any sane padding.
inline constexpr std::int64_t kMaxStride = kMaxSide * 8;
// Largest cursor side accepted, in pixels.
inline constexpr std::int64_t kMaxCursorSide = 512;

// Scanout(u width, u height, u stride, u pixman_format, ay data): width and
// height in 1..kMaxSide, a known pixman format, width * bpp <= stride <=
// kMaxStride, data_len >= stride * (height - 1) + width * bpp.
std::optional<std::string> check_scanout(std::int64_t width, std::int64_t height,
                                         std::int64_t stride, std::uint32_t pixman_format,
                                         std::uint64_t data_len);

// Update(i x, i y, i width, i height, u stride, u pixman_format, ay data):
// x, y >= 0, width and height >= 1, x + width and y + height <= kMaxSide, a
// known pixman format, width * bpp <= stride <= kMaxStride, data_len >=
// stride * (height - 1) + width * bpp. Whether the rectangle lies inside the
// current surface is not checked here: that is the resize guard's business
// (ConsoleBuffer::update).
std::optional<std::string> check_update(std::int64_t x, std::int64_t y, std::int64_t width,
                                        std::int64_t height, std::int64_t stride,
                                        std::uint32_t pixman_format, std::uint64_t data_len);

// ScanoutMap(h handle, u offset, u width, u height, u stride, u
// pixman_format): the Scanout rules for the geometry and format, and the file
// (file_size bytes, from fstat) must hold offset + stride * (height - 1) +
// width * bpp bytes. The offset need not be page-aligned.
std::optional<std::string> check_map(std::uint64_t file_size, std::uint64_t offset,
                                     std::int64_t width, std::int64_t height, std::int64_t stride,
                                     std::uint32_t pixman_format);

// The DMA-BUF fourccs accepted by check_dmabuf: single-plane 32-bit RGB,
// DRM_FORMAT_XRGB8888, ARGB8888, XBGR8888 and ABGR8888.
std::span<const std::uint32_t> accepted_dmabuf_formats();

// ScanoutDMABUF(h dmabuf, u width, u height, u stride, u fourcc, t modifier,
// b y0_top): width and height in 1..kMaxSide, an accepted fourcc,
// width * 4 <= stride <= kMaxStride. The modifier is not restricted (the
// renderer's import decides). When file_size > 0 (known, e.g. from fstat of
// a memfd stand-in or lseek on a DMA-BUF) it must hold
// stride * (height - 1) + width * 4 bytes; file_size 0 skips that check.
std::optional<std::string> check_dmabuf(std::int64_t width, std::int64_t height,
                                        std::int64_t stride, std::uint32_t fourcc,
                                        std::uint64_t modifier, std::uint64_t file_size);

// CursorDefine(i width, i height, i hot_x, i hot_y, ay data): width and
// height in 1..kMaxCursorSide, the hot spot inside the image (0 <= hot_x <
// width, 0 <= hot_y < height), data_len == width * height * 4 exactly.
std::optional<std::string> check_cursor(std::int64_t width, std::int64_t height, std::int64_t hot_x,
                                        std::int64_t hot_y, std::uint64_t data_len);

// UpdateMap / UpdateDMABUF(i x, i y, i width, i height): no negative value,
// and a non-empty rectangle must lie inside the buffer
// (buffer_width x buffer_height). A zero width or height is accepted: a
// no-op, not an error (the caller skips it).
std::optional<std::string> check_damage(std::int64_t x, std::int64_t y, std::int64_t width,
                                        std::int64_t height, std::int64_t buffer_width,
                                        std::int64_t buffer_height);

} // namespace phyllome::vmview
