// Scaling a VM frame on the CPU, for the pixman renderer: wlroots 0.15's
// pixman renderer draws scene buffers at their own size whatever their
// destination size, so a frame that must be scaled (fit, stretch, integer)
// is scaled here into a buffer of the output's size. One scaled copy of the
// damaged part per update: the cost of having no GPU.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "input/placement.hpp"
#include "vmview/frame.hpp"
#include "vmview/frame_checks.hpp"

namespace phyllome {

class ScaledMemory final : public vmview::PixelMemory {
public:
    ScaledMemory(uint32_t width, uint32_t height)
        : width_(width), height_(height), pixels_(size_t{width} * height)
    {
    }
    const uint8_t *data() const override
    {
        return reinterpret_cast<const uint8_t *>(pixels_.data());
    }
    uint32_t width() const override { return width_; }
    uint32_t height() const override { return height_; }
    uint32_t stride() const override { return width_ * 4; }
    uint32_t drm_format() const override;
    uint32_t *pixels() { return pixels_.data(); }

private:
    uint32_t width_, height_;
    std::vector<uint32_t> pixels_;
};

// Pixels as a renderer reads them from a wlr_buffer.
struct PixelView {
    const uint8_t *data;
    uint32_t drm_format;
    uint32_t stride;
    uint32_t width, height;
};

// Scales the frame's source rectangle into `target` (the placement's
// destination size), redrawing only what `damage` (pixels relative to the
// frame's origin) touches;
// returns the destination-relative rectangle redrawn. `flip`: the source is
// stored bottom row first. Nothing is drawn for formats pixman cannot read.
base::Rect scale_frame(const PixelView &source, const vmview::Frame &frame,
                       const input::Placement &placement, bool flip, const base::Rect &damage,
                       ScaledMemory &target);

} // namespace phyllome
