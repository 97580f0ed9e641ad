// Pixel formats QEMU sends (pixman codes and DRM fourccs) and how to fill
// buffers with them, bit-exact to pixman's definitions on a little-endian host.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace fake_qemu {

std::optional<uint32_t> pixman_format_by_name(std::string_view name);
const char *pixman_format_name(uint32_t code);
// Every pixman format name the fake understands, in the reference's order.
const std::array<std::string_view, 18> &pixman_format_names();

inline uint32_t bytes_per_pixel(uint32_t pixman_code)
{
    return ((pixman_code >> 24) + 7) / 8;
}

// Writes one pixel of opaque colour 0xRRGGBB: alpha bits all ones, padding
// ("x") bits zero, channels narrowed by truncation and widened by bit
// replication, as pixman converts from 8 bits per channel.
void encode_pixel(uint32_t pixman_code, uint32_t rgb, uint8_t *out);

void fill_rect(uint8_t *pixels, size_t stride, uint32_t pixman_code, uint32_t x, uint32_t y,
               uint32_t width, uint32_t height, uint32_t rgb);

// Colours of the four quadrants: top-left, top-right, bottom-left, bottom-right.
// The split is at width/2 and height/2.
using Quadrants = std::array<uint32_t, 4>;
void fill_quadrants(uint8_t *pixels, size_t stride, uint32_t pixman_code, uint32_t width,
                    uint32_t height, const Quadrants &colours);

// DRM fourccs the DMA-BUF stand-ins support (XR24, AR24, XB24, AB24).
constexpr uint32_t fourcc(char a, char b, char c, char d)
{
    return uint32_t(uint8_t(a)) | uint32_t(uint8_t(b)) << 8 | uint32_t(uint8_t(c)) << 16 |
           uint32_t(uint8_t(d)) << 24;
}
// The pixman format with the same memory layout, for the supported fourccs.
std::optional<uint32_t> pixman_format_for_fourcc(uint32_t drm_fourcc);

} // namespace fake_qemu
