// The CPU shadow buffer of one console on QEMU's Scanout/Update path (gl=off,
// no Unix.Map): pixels land here once, in a format the compositor shows
// directly, and the compositor reads them from here (a wlr_buffer over
// Surface::data() for the pixman renderer, damaged-rectangle uploads for
// GLES). Pure logic: no wlroots, no D-Bus.
//
// Copies: a Scanout copies its surface once, row by row, honouring its
// stride and converting 16/24/10-bit formats (pixel_format.hpp); an Update
// copies only its rectangle, once. A Scanout of the size and format of the
// current surface reuses it; a new allocation happens only on a size or
// format change, and increments generation().
//
// The resize guard (reference §8.3): QEMU does not send a Scanout after a
// surface switch on this path, so an Update that reaches outside the shown
// area, or that comes in another pixman format, is taken as a resize. The
// surface grows (or is reallocated in the new shadow format) to hold the
// Update, keeping its old content where it fits (converted if need be), the
// shown area grows to include the Update, and size_check_needed() asks the
// caller to re-read Console.Width/Height, whose value it then gives to
// set_console_size(). A shrink is not visible in Updates: the caller also
// passes every PropertiesChanged of Width/Height to set_console_size().
//
// Every message is checked (frame_checks.hpp) before anything is touched; a
// rejected one leaves the surface, its content, the shown size, the damage
// and the flags exactly as they were.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vmview/frame_checks.hpp"
#include "vmview/frame_counters.hpp"

namespace phyllome::vmview {

// One shadow allocation: width x height pixels of a 32-bit DRM format
// (pixel_format.hpp's shadow_drm_format), rows of `stride` bytes. The
// storage is 64-byte aligned, the stride a multiple of 64, and a new surface
// is all zero (black). Its size and format never change; the compositor
// keeps a shared_ptr to the surface it shows, so replacing it in the
// ConsoleBuffer never frees memory that is still shown.
struct Surface {
    static constexpr std::size_t kAlignment = 64;

    Surface(std::uint32_t width, std::uint32_t height, std::uint32_t drm_format);

    const std::uint32_t width;
    const std::uint32_t height;
    const std::uint32_t stride; // bytes
    const std::uint32_t drm_format;

    std::uint8_t *data() { return storage_.get(); }
    const std::uint8_t *data() const { return storage_.get(); }
    std::uint8_t *row(std::uint32_t y) { return data() + std::size_t{y} * stride; }
    const std::uint8_t *row(std::uint32_t y) const { return data() + std::size_t{y} * stride; }
    std::size_t size_bytes() const { return std::size_t{stride} * height; }

private:
    struct Free {
        void operator()(std::uint8_t *p) const;
    };
    std::unique_ptr<std::uint8_t[], Free> storage_;
};

class ConsoleBuffer {
public:
    // More damage rectangles than this, between two take_damage() calls,
    // collapse into their bounding box.
    static constexpr std::size_t kMaxDamageRects = 16;

    // Scanout(u width, u height, u stride, u pixman_format, ay data): replaces
    // the whole frame; the shown size becomes width x height, everything is
    // damaged and a pending size check is dropped (a Scanout is
    // authoritative). On rejection returns false and sets error.
    bool scanout(std::uint32_t width, std::uint32_t height, std::uint32_t stride,
                 std::uint32_t pixman_format, std::span<const std::uint8_t> data,
                 std::string &error);

    // Update(i x, i y, i width, i height, u stride, u pixman_format, ay data):
    // copies the rectangle and damages it; applies the resize guard (above)
    // when it lies outside the shown area or changes the format, or when no
    // Scanout came before. On rejection returns false and sets error.
    bool update(std::int32_t x, std::int32_t y, std::int32_t width, std::int32_t height,
                std::uint32_t stride, std::uint32_t pixman_format,
                std::span<const std::uint8_t> data, std::string &error);

    // The console's authoritative size (Console.Width/Height, read after
    // size_check_needed() or from PropertiesChanged). Crops the shown area to
    // it (the content outside is kept, in case it comes back) or, when larger
    // than the surface, grows the surface keeping its content. Without a
    // surface there is nothing to size: the next Scanout defines it. Returns
    // false, changing nothing, for 0 or more than kMaxSide.
    bool set_console_size(std::uint32_t width, std::uint32_t height);

    // Disable: drops the surface (the compositor shows the status card) and
    // the damage; generation() increments if there was a surface.
    void clear();

    // nullptr before the first accepted Scanout/Update and after clear().
    std::shared_ptr<Surface> surface() const { return surface_; }
    // Increments whenever surface() changes to another allocation (or none).
    std::uint64_t generation() const { return generation_; }
    // The pixman format of the last accepted message; 0 without a surface.
    std::uint32_t pixman_format() const { return pixman_format_; }

    // The part of the surface to show, from (0, 0): never larger than the
    // surface; 0 x 0 without one.
    std::uint32_t shown_width() const { return shown_width_; }
    std::uint32_t shown_height() const { return shown_height_; }

    // Set by the resize guard: re-read Console.Width/Height and pass them to
    // set_console_size(). size_checked() clears it once the read is on its way.
    bool size_check_needed() const { return size_check_needed_; }
    void size_checked() { size_check_needed_ = false; }

    // The damage accumulated since the last call, in surface pixels, inside
    // the surface; at most kMaxDamageRects rectangles. A Scanout, a
    // reallocation that converts content and a change of the shown size damage
    // the whole shown area.
    std::vector<base::Rect> take_damage();
    bool has_damage() const { return !damage_.empty(); }

    // This console's counters: messages, messages_rejected and
    // pixel_bytes_copied are counted here; the compositor counts the rest in
    // the same struct.
    const FrameCounters &counters() const { return counters_; }
    FrameCounters &counters() { return counters_; }

private:
    bool reject(std::string reason, std::string &error);
    void reallocate(std::uint32_t width, std::uint32_t height, std::uint32_t drm_format);
    void damage_all();
    void add_damage(const base::Rect &rect);

    std::shared_ptr<Surface> surface_;
    std::uint64_t generation_ = 0;
    std::uint32_t pixman_format_ = 0;
    std::uint32_t shown_width_ = 0;
    std::uint32_t shown_height_ = 0;
    bool size_check_needed_ = false;
    std::vector<base::Rect> damage_;
    FrameCounters counters_;
};

} // namespace phyllome::vmview
