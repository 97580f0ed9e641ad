#include "pixels.hpp"

#include <cstring>

namespace fake_qemu {
namespace {

struct Format {
    std::string_view name;
    uint32_t code;
};

// Codes are PIXMAN_FORMAT(bpp, type, a, r, g, b).
constexpr std::array<Format, 18> kFormats{{
    {"x8r8g8b8", 0x20020888},
    {"a8r8g8b8", 0x20028888},
    {"x8b8g8r8", 0x20030888},
    {"a8b8g8r8", 0x20038888},
    {"b8g8r8x8", 0x20080888},
    {"b8g8r8a8", 0x20088888},
    {"r8g8b8x8", 0x20090888},
    {"r8g8b8a8", 0x20098888},
    {"r8g8b8", 0x18020888},
    {"b8g8r8", 0x18030888},
    {"r5g6b5", 0x10020565},
    {"b5g6r5", 0x10030565},
    {"x1r5g5b5", 0x10020555},
    {"a1r5g5b5", 0x10021555},
    {"x2r10g10b10", 0x20020aaa},
    {"a2r10g10b10", 0x20022aaa},
    {"x2b10g10r10", 0x20030aaa},
    {"a2b10g10r10", 0x20032aaa},
}};

constexpr uint32_t kTypeArgb = 2, kTypeAbgr = 3, kTypeBgra = 8, kTypeRgba = 9;

uint32_t scale_channel(uint32_t value8, uint32_t bits)
{
    if (bits == 0)
        return 0;
    if (bits <= 8)
        return value8 >> (8 - bits);
    return (value8 << (bits - 8) | value8 >> (16 - bits)) & ((1u << bits) - 1);
}

} // namespace

std::optional<uint32_t> pixman_format_by_name(std::string_view name)
{
    for (const auto &format : kFormats) {
        if (format.name == name)
            return format.code;
    }
    return std::nullopt;
}

const char *pixman_format_name(uint32_t code)
{
    for (const auto &format : kFormats) {
        if (format.code == code)
            return format.name.data();
    }
    return nullptr;
}

const std::array<std::string_view, 18> &pixman_format_names()
{
    static const auto names = [] {
        std::array<std::string_view, 18> out{};
        for (size_t i = 0; i < kFormats.size(); ++i)
            out[i] = kFormats[i].name;
        return out;
    }();
    return names;
}

void encode_pixel(uint32_t code, uint32_t rgb, uint8_t *out)
{
    const uint32_t bpp = code >> 24, type = (code >> 16) & 0xff;
    const uint32_t a = (code >> 12) & 0xf, r = (code >> 8) & 0xf, g = (code >> 4) & 0xf,
                   b = code & 0xf;
    // Channel positions as pixman's get_shifts() lays them out.
    uint32_t as = 0, rs = 0, gs = 0, bs = 0;
    switch (type) {
    case kTypeArgb:
        bs = 0, gs = b, rs = b + g, as = b + g + r;
        break;
    case kTypeAbgr:
        rs = 0, gs = r, bs = r + g, as = r + g + b;
        break;
    case kTypeBgra:
        bs = bpp - b, gs = bs - g, rs = gs - r, as = rs - a;
        break;
    case kTypeRgba:
        rs = bpp - r, gs = rs - g, bs = gs - b, as = bs - a;
        break;
    default:
        break;
    }
    uint32_t word = scale_channel((rgb >> 16) & 0xff, r) << rs |
                    scale_channel((rgb >> 8) & 0xff, g) << gs | scale_channel(rgb & 0xff, b) << bs;
    if (a)
        word |= ((1u << a) - 1) << as;
    for (uint32_t i = 0; i < bytes_per_pixel(code); ++i)
        out[i] = uint8_t(word >> (8 * i));
}

void fill_rect(uint8_t *pixels, size_t stride, uint32_t code, uint32_t x, uint32_t y,
               uint32_t width, uint32_t height, uint32_t rgb)
{
    const uint32_t bpp = bytes_per_pixel(code);
    uint8_t pixel[4];
    encode_pixel(code, rgb, pixel);
    for (uint32_t row = 0; row < height; ++row) {
        uint8_t *p = pixels + (size_t(y) + row) * stride + size_t(x) * bpp;
        for (uint32_t col = 0; col < width; ++col, p += bpp)
            std::memcpy(p, pixel, bpp);
    }
}

void fill_quadrants(uint8_t *pixels, size_t stride, uint32_t code, uint32_t width, uint32_t height,
                    const Quadrants &colours)
{
    const uint32_t half_w = width / 2, half_h = height / 2;
    fill_rect(pixels, stride, code, 0, 0, half_w, half_h, colours[0]);
    fill_rect(pixels, stride, code, half_w, 0, width - half_w, half_h, colours[1]);
    fill_rect(pixels, stride, code, 0, half_h, half_w, height - half_h, colours[2]);
    fill_rect(pixels, stride, code, half_w, half_h, width - half_w, height - half_h, colours[3]);
}

std::optional<uint32_t> pixman_format_for_fourcc(uint32_t drm_fourcc)
{
    switch (drm_fourcc) {
    case fourcc('X', 'R', '2', '4'):
        return 0x20020888; // x8r8g8b8
    case fourcc('A', 'R', '2', '4'):
        return 0x20028888; // a8r8g8b8
    case fourcc('X', 'B', '2', '4'):
        return 0x20030888; // x8b8g8r8
    case fourcc('A', 'B', '2', '4'):
        return 0x20038888; // a8b8g8r8
    default:
        return std::nullopt;
    }
}

} // namespace fake_qemu
