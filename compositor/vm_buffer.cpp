#include "compositor/vm_buffer.hpp"

#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "base/log.hpp"

namespace phyllome {
namespace {

struct MemoryBuffer {
    wlr_buffer base; // first: wlroots hands us &base
    std::shared_ptr<const vmview::PixelMemory> memory;
};

MemoryBuffer *memory_from_wlr(wlr_buffer *buffer)
{
    MemoryBuffer *self = wl_container_of(buffer, self, base);
    return self;
}

const wlr_buffer_impl kMemoryImpl = {
    .destroy = [](wlr_buffer *buffer) { delete memory_from_wlr(buffer); },
    .get_dmabuf = nullptr,
    .get_shm = nullptr,
    .begin_data_ptr_access =
        [](wlr_buffer *buffer, uint32_t, void **data, uint32_t *format, size_t *stride) {
            // Renderers only read from it: a CPU frame is never the output's
            // render target, since a background node always lies under it.
            const auto &memory = *memory_from_wlr(buffer)->memory;
            *data = const_cast<uint8_t *>(memory.data());
            *format = memory.drm_format();
            *stride = memory.stride();
            return true;
        },
    .end_data_ptr_access = [](wlr_buffer *) {},
};

struct DmaBufBuffer {
    wlr_buffer base;
    std::shared_ptr<const vmview::DmaBuf> dmabuf;
    void *mapping = nullptr; // for the pixman renderer, made on first use
    size_t mapping_size = 0;
};

DmaBufBuffer *dmabuf_from_wlr(wlr_buffer *buffer)
{
    DmaBufBuffer *self = wl_container_of(buffer, self, base);
    return self;
}

void sync_dmabuf(int fd, uint64_t flags)
{
    // Brackets CPU reads of a real DMA-BUF; a memfd stand-in has no such
    // ioctl and needs none.
    dma_buf_sync sync{.flags = flags};
    ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
}

const wlr_buffer_impl kDmaBufImpl = {
    .destroy =
        [](wlr_buffer *buffer) {
            DmaBufBuffer *self = dmabuf_from_wlr(buffer);
            if (self->mapping)
                munmap(self->mapping, self->mapping_size);
            delete self;
        },
    .get_dmabuf =
        [](wlr_buffer *buffer, wlr_dmabuf_attributes *attributes) {
            const vmview::DmaBuf &dmabuf = *dmabuf_from_wlr(buffer)->dmabuf;
            *attributes = wlr_dmabuf_attributes{};
            attributes->width = static_cast<int32_t>(dmabuf.width);
            attributes->height = static_cast<int32_t>(dmabuf.height);
            attributes->format = dmabuf.fourcc;
            attributes->modifier = dmabuf.modifier;
            attributes->n_planes = 1;
            attributes->offset[0] = dmabuf.offset;
            attributes->stride[0] = dmabuf.stride;
            attributes->fd[0] = dmabuf.fd.get(); // borrowed, as wlroots expects
            return true;
        },
    .get_shm = nullptr,
    .begin_data_ptr_access =
        [](wlr_buffer *buffer, uint32_t, void **data, uint32_t *format, size_t *stride) {
            DmaBufBuffer *self = dmabuf_from_wlr(buffer);
            const vmview::DmaBuf &dmabuf = *self->dmabuf;
            if (!self->mapping) {
                // The console checked that the buffer holds this much.
                const size_t size = size_t{dmabuf.offset} + size_t{dmabuf.stride} * dmabuf.height;
                void *mapping = mmap(nullptr, size, PROT_READ, MAP_SHARED, dmabuf.fd.get(), 0);
                if (mapping == MAP_FAILED) {
                    base::log_error("Cannot map a VM's DMA-BUF for the CPU renderer");
                    return false;
                }
                self->mapping = mapping;
                self->mapping_size = size;
            }
            sync_dmabuf(dmabuf.fd.get(), DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
            *data = static_cast<uint8_t *>(self->mapping) + dmabuf.offset;
            *format = dmabuf.fourcc;
            *stride = dmabuf.stride;
            return true;
        },
    .end_data_ptr_access =
        [](wlr_buffer *buffer) {
            DmaBufBuffer *self = dmabuf_from_wlr(buffer);
            sync_dmabuf(self->dmabuf->fd.get(), DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
        },
};

} // namespace

wlr_buffer *memory_buffer_create(std::shared_ptr<const vmview::PixelMemory> memory)
{
    auto *buffer = new MemoryBuffer{};
    const int width = static_cast<int>(memory->width());
    const int height = static_cast<int>(memory->height());
    buffer->memory = std::move(memory);
    wlr_buffer_init(&buffer->base, &kMemoryImpl, width, height);
    return &buffer->base;
}

wlr_buffer *dmabuf_buffer_create(std::shared_ptr<const vmview::DmaBuf> dmabuf)
{
    auto *buffer = new DmaBufBuffer{};
    const int width = static_cast<int>(dmabuf->width);
    const int height = static_cast<int>(dmabuf->height);
    buffer->dmabuf = std::move(dmabuf);
    wlr_buffer_init(&buffer->base, &kDmaBufImpl, width, height);
    return &buffer->base;
}

} // namespace phyllome
