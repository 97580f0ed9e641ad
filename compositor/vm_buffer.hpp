// wlr_buffers over what a VM's console shows, without copying: the console's
// CPU pixels (its shadow surface or QEMU's shared memory) and DMA-BUFs.
#pragma once

#include <memory>

#include "compositor/wlr.hpp"
#include "vmview/frame.hpp"

namespace phyllome {

// The buffer keeps the memory alive until wlroots releases it. The caller
// holds the producer reference and gives it up with wlr_buffer_drop().
wlr_buffer *memory_buffer_create(std::shared_ptr<const vmview::PixelMemory> memory);

// Offers the DMA-BUF to renderers that import (GLES2) and, for the pixman
// renderer, maps it on first CPU access.
wlr_buffer *dmabuf_buffer_create(std::shared_ptr<const vmview::DmaBuf> dmabuf);

} // namespace phyllome
