#include "calls.hpp"

#include <utility>

namespace fake_qemu {

void send_scanout(Listener &listener, uint32_t width, uint32_t height, uint32_t stride,
                  uint32_t format, const uint8_t *data, size_t length, CallDone done)
{
    listener.call(
        kListenerInterface, "Scanout",
        [&](sd_bus_message *m) {
            int r = sd_bus_message_append(m, "uuuu", width, height, stride, format);
            return r < 0 ? r : sd_bus_message_append_array(m, 'y', data, length);
        },
        kReplyTimeoutUs, std::move(done));
}

void send_update(Listener &listener, int32_t x, int32_t y, int32_t width, int32_t height,
                 uint32_t stride, uint32_t format, const uint8_t *data, size_t length,
                 CallDone done)
{
    listener.call(
        kListenerInterface, "Update",
        [&](sd_bus_message *m) {
            int r = sd_bus_message_append(m, "iiiiuu", x, y, width, height, stride, format);
            return r < 0 ? r : sd_bus_message_append_array(m, 'y', data, length);
        },
        kReplyTimeoutUs, std::move(done));
}

void send_scanout_map(Listener &listener, int fd, uint32_t offset, uint32_t width, uint32_t height,
                      uint32_t stride, uint32_t format, CallDone done)
{
    listener.call(
        kMapInterface, "ScanoutMap",
        [&](sd_bus_message *m) {
            return sd_bus_message_append(m, "huuuuu", fd, offset, width, height, stride, format);
        },
        kReplyTimeoutUs, std::move(done));
}

void send_update_map(Listener &listener, const Rect &rect, CallDone done)
{
    listener.call(
        kMapInterface, "UpdateMap",
        [&](sd_bus_message *m) {
            return sd_bus_message_append(m, "iiii", rect.x, rect.y, rect.width, rect.height);
        },
        kReplyTimeoutUs, std::move(done));
}

void send_scanout_dmabuf(Listener &listener, int fd, uint32_t width, uint32_t height,
                         uint32_t stride, uint32_t fourcc, uint64_t modifier, bool y0_top,
                         CallDone done)
{
    listener.call(
        kListenerInterface, "ScanoutDMABUF",
        [&](sd_bus_message *m) {
            return sd_bus_message_append(m, "huuuutb", fd, width, height, stride, fourcc, modifier,
                                         int(y0_top));
        },
        kReplyTimeoutUs, std::move(done));
}

void send_scanout_dmabuf2(Listener &listener, int fd, uint32_t width, uint32_t height,
                          uint32_t stride, uint32_t fourcc, uint64_t modifier, bool y0_top,
                          CallDone done)
{
    listener.call(
        kDmabuf2Interface, "ScanoutDMABUF2",
        [&](sd_bus_message *m) {
            const uint32_t offsets[1] = {0}, strides[1] = {stride};
            int r = sd_bus_message_append(m, "ah", 1, fd);
            if (r >= 0)
                r = sd_bus_message_append(m, "uuuu", 0u, 0u, width, height);
            if (r >= 0)
                r = sd_bus_message_append_array(m, 'u', offsets, sizeof(offsets));
            if (r >= 0)
                r = sd_bus_message_append_array(m, 'u', strides, sizeof(strides));
            if (r >= 0)
                r = sd_bus_message_append(m, "uuuutb", 1u, fourcc, width, height, modifier,
                                          int(y0_top));
            return r;
        },
        kReplyTimeoutUs, std::move(done));
}

void send_update_dmabuf(Listener &listener, const Rect &rect, CallDone done)
{
    listener.call(
        kListenerInterface, "UpdateDMABUF",
        [&](sd_bus_message *m) {
            return sd_bus_message_append(m, "iiii", rect.x, rect.y, rect.width, rect.height);
        },
        kAckTimeoutUs, std::move(done));
}

void send_disable(Listener &listener, CallDone done)
{
    listener.call(
        kListenerInterface, "Disable", [](sd_bus_message *) { return 0; }, kReplyTimeoutUs,
        std::move(done));
}

void send_mouse_set(Listener &listener, const MousePosition &mouse, CallDone done)
{
    listener.call(
        kListenerInterface, "MouseSet",
        [&](sd_bus_message *m) {
            return sd_bus_message_append(m, "iii", mouse.x, mouse.y, mouse.on);
        },
        kReplyTimeoutUs, std::move(done));
}

void send_cursor_define(Listener &listener, int32_t width, int32_t height, int32_t hot_x,
                        int32_t hot_y, const uint8_t *data, size_t length, CallDone done)
{
    listener.call(
        kListenerInterface, "CursorDefine",
        [&](sd_bus_message *m) {
            int r = sd_bus_message_append(m, "iiii", width, height, hot_x, hot_y);
            return r < 0 ? r : sd_bus_message_append_array(m, 'y', data, length);
        },
        kReplyTimeoutUs, std::move(done));
}

void send_surface(Listener &listener, const Surface &surface, CallDone done)
{
    send_scanout(listener, surface.width, surface.height, surface.stride, surface.format,
                 surface.pixels(), surface.bytes(), std::move(done));
}

void send_surface_map(Listener &listener, const Surface &surface, CallDone done)
{
    send_scanout_map(listener, surface.memory->fd(), surface.offset, surface.width, surface.height,
                     surface.stride, surface.format, std::move(done));
}

void send_dmabuf(Listener &listener, const Dmabuf &buffer, bool version2, CallDone done)
{
    if (version2)
        send_scanout_dmabuf2(listener, buffer.memory->fd(), buffer.width, buffer.height,
                             buffer.stride, buffer.fourcc, buffer.modifier, buffer.y0_top,
                             std::move(done));
    else
        send_scanout_dmabuf(listener, buffer.memory->fd(), buffer.width, buffer.height,
                            buffer.stride, buffer.fourcc, buffer.modifier, buffer.y0_top,
                            std::move(done));
}

void send_cursor(Listener &listener, const Cursor &cursor, CallDone done)
{
    send_cursor_define(listener, cursor.width, cursor.height, cursor.hot_x, cursor.hot_y,
                       cursor.data.data(), cursor.data.size(), std::move(done));
}

} // namespace fake_qemu
