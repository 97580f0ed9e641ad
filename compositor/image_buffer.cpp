#include "compositor/image_buffer.hpp"

#include <cairo.h>

namespace phyllome {
namespace {

struct ImageBuffer {
    wlr_buffer base; // first: wlroots hands us &base
    cairo_surface_t *surface;
};

ImageBuffer *from_wlr(wlr_buffer *buffer)
{
    ImageBuffer *image = wl_container_of(buffer, image, base);
    return image;
}

void destroy(wlr_buffer *buffer)
{
    ImageBuffer *image = from_wlr(buffer);
    cairo_surface_destroy(image->surface);
    delete image;
}

bool begin_data_ptr_access(wlr_buffer *buffer, uint32_t, void **data, uint32_t *format,
                           size_t *stride)
{
    // Read and write are both granted: the pixman renderer binds buffers for
    // both when a screencopy client reads a directly scanned-out buffer.
    ImageBuffer *image = from_wlr(buffer);
    *data = cairo_image_surface_get_data(image->surface);
    *format = DRM_FORMAT_ARGB8888;
    *stride = static_cast<size_t>(cairo_image_surface_get_stride(image->surface));
    return true;
}

void end_data_ptr_access(wlr_buffer *)
{
}

const wlr_buffer_impl kImpl = {
    .destroy = destroy,
    .get_dmabuf = nullptr,
    .get_shm = nullptr,
    .begin_data_ptr_access = begin_data_ptr_access,
    .end_data_ptr_access = end_data_ptr_access,
};

} // namespace

wlr_buffer *image_buffer_create(CardImage image)
{
    auto *buffer = new ImageBuffer{};
    const int width = image.width(), height = image.height();
    buffer->surface = image.release();
    wlr_buffer_init(&buffer->base, &kImpl, width, height);
    return &buffer->base;
}

} // namespace phyllome
