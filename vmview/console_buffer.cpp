#include "vmview/console_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "vmview/pixel_format.hpp"

namespace phyllome::vmview {

namespace {

std::uint32_t aligned_stride(std::uint32_t width)
{
    const std::size_t bytes = std::size_t{width} * kShadowBytesPerPixel;
    const std::size_t a = Surface::kAlignment;
    return static_cast<std::uint32_t>((bytes + a - 1) / a * a);
}

std::uint8_t *allocate_zeroed(std::size_t size)
{
    // At least one byte, so that data() is never null.
    const std::size_t n = std::max<std::size_t>(size, 1);
    auto *p =
        static_cast<std::uint8_t *>(::operator new[](n, std::align_val_t{Surface::kAlignment}));
    std::memset(p, 0, n);
    return p;
}

base::Rect rect(std::uint32_t x, std::uint32_t y, std::uint32_t width, std::uint32_t height)
{
    return base::Rect{static_cast<std::int32_t>(x), static_cast<std::int32_t>(y),
                      static_cast<std::int32_t>(width), static_cast<std::int32_t>(height)};
}

bool contains(const base::Rect &outer, const base::Rect &inner)
{
    return inner.x >= outer.x && inner.y >= outer.y &&
           inner.x + inner.width <= outer.x + outer.width &&
           inner.y + inner.height <= outer.y + outer.height;
}

base::Rect bounding_box(const std::vector<base::Rect> &rects)
{
    std::int32_t x1 = rects.front().x, y1 = rects.front().y;
    std::int32_t x2 = x1 + rects.front().width, y2 = y1 + rects.front().height;
    for (const base::Rect &r : rects) {
        x1 = std::min(x1, r.x);
        y1 = std::min(y1, r.y);
        x2 = std::max(x2, r.x + r.width);
        y2 = std::max(y2, r.y + r.height);
    }
    return base::Rect{x1, y1, x2 - x1, y2 - y1};
}

} // namespace

void Surface::Free::operator()(std::uint8_t *p) const
{
    ::operator delete[](p, std::align_val_t{kAlignment});
}

Surface::Surface(std::uint32_t w, std::uint32_t h, std::uint32_t format)
    : width(w), height(h), stride(aligned_stride(w)), drm_format(format),
      storage_(allocate_zeroed(std::size_t{stride} * h))
{
}

bool ConsoleBuffer::reject(std::string reason, std::string &error)
{
    ++counters_.messages_rejected;
    error = std::move(reason);
    return false;
}

void ConsoleBuffer::reallocate(std::uint32_t width, std::uint32_t height, std::uint32_t drm_format)
{
    auto next = std::make_shared<Surface>(width, height, drm_format);
    if (surface_) {
        const Surface &old = *surface_;
        const std::uint32_t w = std::min(old.width, width);
        const std::uint32_t h = std::min(old.height, height);
        const bool same_format = old.drm_format == drm_format;
        for (std::uint32_t y = 0; y < h; ++y) {
            const std::uint8_t *src = old.row(y);
            std::uint8_t *dst = next->row(y);
            if (same_format) {
                std::memcpy(dst, src, std::size_t{w} * kShadowBytesPerPixel);
            } else {
                for (std::uint32_t x = 0; x < w; ++x) {
                    encode_shadow_pixel(
                        drm_format,
                        decode_shadow_pixel(old.drm_format, src + x * kShadowBytesPerPixel),
                        dst + x * kShadowBytesPerPixel);
                }
            }
        }
        counters_.pixel_bytes_copied += std::uint64_t{w} * h * kShadowBytesPerPixel;
        if (!same_format)
            damage_all();
    }
    surface_ = std::move(next);
    ++generation_;
}

void ConsoleBuffer::damage_all()
{
    damage_.clear();
    if (shown_width_ > 0 && shown_height_ > 0) {
        damage_.push_back(rect(0, 0, shown_width_, shown_height_));
    }
}

void ConsoleBuffer::add_damage(const base::Rect &r)
{
    if (r.empty())
        return;
    if (damage_.size() == 1 && contains(damage_.front(), r))
        return;
    damage_.push_back(r);
    if (damage_.size() > kMaxDamageRects) {
        const base::Rect box = bounding_box(damage_);
        damage_.assign(1, box);
    }
}

std::vector<base::Rect> ConsoleBuffer::take_damage()
{
    std::vector<base::Rect> out;
    out.swap(damage_);
    return out;
}

bool ConsoleBuffer::scanout(std::uint32_t width, std::uint32_t height, std::uint32_t stride,
                            std::uint32_t pixman_format, std::span<const std::uint8_t> data,
                            std::string &error)
{
    if (auto reason = check_scanout(width, height, stride, pixman_format, data.size())) {
        return reject(std::move(*reason), error);
    }
    const PixelFormat &fmt = *find_pixman_format(pixman_format);
    if (!surface_ || surface_->width != width || surface_->height != height ||
        surface_->drm_format != fmt.shadow_drm_format) {
        // Everything is overwritten: nothing to carry over.
        surface_.reset();
        reallocate(width, height, fmt.shadow_drm_format);
    }
    Surface &s = *surface_;
    copy_rows(fmt, data.data(), stride, s.row(0), s.stride, width, height);
    counters_.pixel_bytes_copied += std::uint64_t{width} * height * kShadowBytesPerPixel;
    pixman_format_ = pixman_format;
    shown_width_ = width;
    shown_height_ = height;
    size_check_needed_ = false;
    damage_all();
    ++counters_.messages;
    return true;
}

bool ConsoleBuffer::update(std::int32_t x, std::int32_t y, std::int32_t width, std::int32_t height,
                           std::uint32_t stride, std::uint32_t pixman_format,
                           std::span<const std::uint8_t> data, std::string &error)
{
    if (auto reason = check_update(x, y, width, height, stride, pixman_format, data.size())) {
        return reject(std::move(*reason), error);
    }
    const PixelFormat &fmt = *find_pixman_format(pixman_format);
    // All four are in 0..kMaxSide now.
    const auto ux = static_cast<std::uint32_t>(x);
    const auto uy = static_cast<std::uint32_t>(y);
    const auto uw = static_cast<std::uint32_t>(width);
    const auto uh = static_cast<std::uint32_t>(height);
    const std::uint32_t right = ux + uw;
    const std::uint32_t bottom = uy + uh;

    const bool outside = !surface_ || right > shown_width_ || bottom > shown_height_;
    if (outside || pixman_format != pixman_format_) {
        // The resize guard, reference §8.3.
        const std::uint32_t w = std::max(surface_ ? surface_->width : 0u, right);
        const std::uint32_t h = std::max(surface_ ? surface_->height : 0u, bottom);
        if (!surface_ || w != surface_->width || h != surface_->height ||
            fmt.shadow_drm_format != surface_->drm_format) {
            reallocate(w, h, fmt.shadow_drm_format);
        }
        const std::uint32_t shown_w = std::max(shown_width_, right);
        const std::uint32_t shown_h = std::max(shown_height_, bottom);
        if (shown_w != shown_width_ || shown_h != shown_height_) {
            shown_width_ = shown_w;
            shown_height_ = shown_h;
            damage_all();
        }
        pixman_format_ = pixman_format;
        size_check_needed_ = true;
    }

    Surface &s = *surface_;
    const std::size_t dst_x = std::size_t{ux} * kShadowBytesPerPixel;
    copy_rows(fmt, data.data(), stride, s.row(uy) + dst_x, s.stride, uw, uh);
    counters_.pixel_bytes_copied += std::uint64_t{uw} * uh * kShadowBytesPerPixel;
    add_damage(rect(ux, uy, uw, uh));
    ++counters_.messages;
    return true;
}

bool ConsoleBuffer::set_console_size(std::uint32_t width, std::uint32_t height)
{
    if (width == 0 || height == 0 || width > kMaxSide || height > kMaxSide)
        return false;
    if (!surface_)
        return true;
    if (width > surface_->width || height > surface_->height) {
        reallocate(std::max(width, surface_->width), std::max(height, surface_->height),
                   surface_->drm_format);
    }
    if (width != shown_width_ || height != shown_height_) {
        shown_width_ = width;
        shown_height_ = height;
        damage_all();
    }
    return true;
}

void ConsoleBuffer::clear()
{
    if (surface_)
        ++generation_;
    surface_.reset();
    pixman_format_ = 0;
    shown_width_ = 0;
    shown_height_ = 0;
    size_check_needed_ = false;
    damage_.clear();
}

} // namespace phyllome::vmview
