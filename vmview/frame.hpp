// What a console shows, as the compositor needs it: pixels it can wrap
// without copying (the console's shadow surface, or QEMU's shared memory),
// or a DMA-BUF it imports.
#pragma once

#include <cstdint>
#include <memory>

#include "base/unique_fd.hpp"

namespace phyllome::vmview {

// CPU pixels in a DRM format, alive as long as a reference is held.
class PixelMemory {
public:
    virtual ~PixelMemory() = default;
    virtual const uint8_t *data() const = 0;
    virtual uint32_t width() const = 0;
    virtual uint32_t height() const = 0;
    virtual uint32_t stride() const = 0;
    virtual uint32_t drm_format() const = 0;
};

// A single-plane buffer from the guest's GPU (or a memfd standing in for
// one in tests). The fd is owned here and closed with it.
struct DmaBuf {
    base::UniqueFd fd;
    uint32_t width = 0, height = 0, stride = 0, offset = 0;
    uint32_t fourcc = 0;
    uint64_t modifier = 0;
    bool y0_top = false; // the image is stored bottom row first: show it flipped
};

struct Frame {
    enum class Kind { None, Memory, DmaBuf };
    Kind kind = Kind::None;
    std::shared_ptr<const PixelMemory> memory; // Kind::Memory
    std::shared_ptr<const DmaBuf> dmabuf;      // Kind::DmaBuf
    // The part of the buffer that is the console: the 7.2 resize guard can
    // make the buffer larger than what QEMU shows, and ScanoutDMABUF2 names
    // a rectangle inside a larger buffer.
    uint32_t x = 0, y = 0, width = 0, height = 0;
};

} // namespace phyllome::vmview
