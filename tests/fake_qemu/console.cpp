#include "console.hpp"

#include <cstring>

namespace fake_qemu {

std::unique_ptr<Surface> make_surface(uint32_t width, uint32_t height, uint32_t format,
                                      uint32_t stride, uint32_t offset, const Quadrants &colours,
                                      std::string *error)
{
    auto surface = std::make_unique<Surface>();
    surface->memory =
        SharedMemory::create("fake-qemu-surface", size_t(offset) + size_t(stride) * height, error);
    if (!surface->memory)
        return nullptr;
    surface->offset = offset;
    surface->width = width;
    surface->height = height;
    surface->stride = stride;
    surface->format = format;
    if (surface->memory->size() > 0)
        std::memset(surface->memory->data(), kPadding, surface->memory->size());
    fill_quadrants(surface->pixels(), stride, format, width, height, colours);
    return surface;
}

namespace {

// The memory rows that hold picture rows [y, y + height).
int32_t buffer_row(const Dmabuf &buffer, int32_t y, int32_t height)
{
    return buffer.y0_top ? int32_t(buffer.height) - y - height : y;
}

} // namespace

std::unique_ptr<Dmabuf> make_dmabuf(uint32_t width, uint32_t height, uint32_t fourcc,
                                    const Quadrants &colours, bool y0_top, uint64_t modifier,
                                    std::string *error)
{
    auto buffer = std::make_unique<Dmabuf>();
    buffer->width = width;
    buffer->height = height;
    buffer->stride = width * 4;
    buffer->fourcc = fourcc;
    buffer->modifier = modifier;
    buffer->y0_top = y0_top;
    buffer->memory =
        SharedMemory::create("fake-qemu-dmabuf", size_t(buffer->stride) * height, error);
    if (!buffer->memory)
        return nullptr;
    const int32_t w = int32_t(width), h = int32_t(height), hw = w / 2, hh = h / 2;
    paint_dmabuf(*buffer, {0, 0, hw, hh}, colours[0]);
    paint_dmabuf(*buffer, {hw, 0, w - hw, hh}, colours[1]);
    paint_dmabuf(*buffer, {0, hh, hw, h - hh}, colours[2]);
    paint_dmabuf(*buffer, {hw, hh, w - hw, h - hh}, colours[3]);
    return buffer;
}

Rect paint_dmabuf(Dmabuf &buffer, const Rect &picture, uint32_t rgb)
{
    const Rect memory{picture.x, buffer_row(buffer, picture.y, picture.height), picture.width,
                      picture.height};
    const auto format = pixman_format_for_fourcc(buffer.fourcc);
    if (format && buffer.memory->data())
        fill_rect(buffer.memory->data(), buffer.stride, *format, uint32_t(memory.x),
                  uint32_t(memory.y), uint32_t(memory.width), uint32_t(memory.height), rgb);
    return memory;
}

Cursor make_cursor(int32_t width, int32_t height, int32_t hot_x, int32_t hot_y, uint32_t rgb)
{
    Cursor cursor{width, height, hot_x, hot_y, {}};
    cursor.data.resize(size_t(width) * size_t(height) * 4);
    fill_rect(cursor.data.data(), size_t(width) * 4, 0x20028888 /* a8r8g8b8 */, 0, 0,
              uint32_t(width), uint32_t(height), rgb);
    return cursor;
}

} // namespace fake_qemu
