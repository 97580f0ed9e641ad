#include "compositor/cpu_scaler.hpp"

#include <algorithm>
#include <cmath>

#include <drm_fourcc.h>
#include <pixman.h>

namespace phyllome {
namespace {

pixman_format_code_t pixman_format_of(uint32_t drm_format)
{
    switch (drm_format) {
    case DRM_FORMAT_XRGB8888:
    case DRM_FORMAT_ARGB8888: // shown opaque, as every VM frame
        return PIXMAN_x8r8g8b8;
    case DRM_FORMAT_XBGR8888:
    case DRM_FORMAT_ABGR8888:
        return PIXMAN_x8b8g8r8;
    case DRM_FORMAT_BGRX8888:
    case DRM_FORMAT_BGRA8888:
        return PIXMAN_b8g8r8x8;
    case DRM_FORMAT_RGBX8888:
    case DRM_FORMAT_RGBA8888:
        return PIXMAN_r8g8b8x8;
    default:
        return static_cast<pixman_format_code_t>(0);
    }
}

} // namespace

uint32_t ScaledMemory::drm_format() const
{
    return DRM_FORMAT_XRGB8888;
}

base::Rect scale_frame(const PixelView &source, const vmview::Frame &frame,
                       const input::Placement &placement, bool flip, const base::Rect &damage,
                       ScaledMemory &target)
{
    const pixman_format_code_t format = pixman_format_of(source.drm_format);
    const base::Rect &src = placement.source;
    const base::Rect &dest = placement.dest;
    if (!format || src.width <= 0 || src.height <= 0 || dest.width <= 0 || dest.height <= 0)
        return {};

    // The damaged frame pixels, as destination pixels (rounded outwards,
    // one more for the bilinear filter's reach).
    const double sx = static_cast<double>(dest.width) / src.width;
    const double sy = static_cast<double>(dest.height) / src.height;
    const int x0 = std::max(0, static_cast<int>(std::floor((damage.x - src.x) * sx)) - 1);
    const int y0 = std::max(0, static_cast<int>(std::floor((damage.y - src.y) * sy)) - 1);
    const int x1 = std::min(
        dest.width, static_cast<int>(std::ceil((damage.x + damage.width - src.x) * sx)) + 1);
    const int y1 = std::min(
        dest.height, static_cast<int>(std::ceil((damage.y + damage.height - src.y) * sy)) + 1);
    if (x1 <= x0 || y1 <= y0)
        return {};

    pixman_image_t *from = pixman_image_create_bits_no_clear(
        format, static_cast<int>(source.width), static_cast<int>(source.height),
        reinterpret_cast<uint32_t *>(const_cast<uint8_t *>(source.data)),
        static_cast<int>(source.stride));
    pixman_image_t *to = pixman_image_create_bits_no_clear(
        PIXMAN_x8r8g8b8, static_cast<int>(target.width()), static_cast<int>(target.height()),
        target.pixels(), static_cast<int>(target.stride()));

    // Destination pixel (x, y) samples frame pixel (frame.x + src.x + x/sx,
    // frame.y + src.y + y/sy), the rows mirrored for a flipped source.
    pixman_f_transform transform;
    pixman_f_transform_init_scale(&transform, 1.0 / sx, flip ? -1.0 / sy : 1.0 / sy);
    const double offset_y = flip ? frame.y + src.y + src.height : frame.y + src.y;
    pixman_f_transform_translate(&transform, nullptr, frame.x + src.x, offset_y);
    pixman_transform fixed;
    pixman_transform_from_pixman_f_transform(&fixed, &transform);
    pixman_image_set_transform(from, &fixed);
    pixman_image_set_filter(from, PIXMAN_FILTER_BILINEAR, nullptr, 0);
    pixman_image_set_repeat(from, PIXMAN_REPEAT_PAD);
    pixman_image_composite32(PIXMAN_OP_SRC, from, nullptr, to, x0, y0, 0, 0, x0, y0, x1 - x0,
                             y1 - y0);
    pixman_image_unref(from);
    pixman_image_unref(to);
    return {x0, y0, x1 - x0, y1 - y0};
}

} // namespace phyllome
