// The calls QEMU makes on a listener, with the reference's exact signatures.
#pragma once

#include "console.hpp"
#include "listener.hpp"

#include <cstddef>
#include <cstdint>

namespace fake_qemu {

// QEMU ignores 2D replies; the fake waits for them so each command's result
// line follows the client's answer, but never longer than this.
inline constexpr uint64_t kReplyTimeoutUs = 10'000'000;
// QEMU's DBUS_DEFAULT_TIMEOUT: how long it waits for the UpdateDMABUF ack.
inline constexpr uint64_t kAckTimeoutUs = 1'000'000;

void send_scanout(Listener &listener, uint32_t width, uint32_t height, uint32_t stride,
                  uint32_t format, const uint8_t *data, size_t length, CallDone done);
void send_update(Listener &listener, int32_t x, int32_t y, int32_t width, int32_t height,
                 uint32_t stride, uint32_t format, const uint8_t *data, size_t length,
                 CallDone done);
void send_scanout_map(Listener &listener, int fd, uint32_t offset, uint32_t width, uint32_t height,
                      uint32_t stride, uint32_t format, CallDone done);
void send_update_map(Listener &listener, const Rect &rect, CallDone done);
void send_scanout_dmabuf(Listener &listener, int fd, uint32_t width, uint32_t height,
                         uint32_t stride, uint32_t fourcc, uint64_t modifier, bool y0_top,
                         CallDone done);
// One plane at offset 0, scanout rectangle = the whole width x height backing.
void send_scanout_dmabuf2(Listener &listener, int fd, uint32_t width, uint32_t height,
                          uint32_t stride, uint32_t fourcc, uint64_t modifier, bool y0_top,
                          CallDone done);
void send_update_dmabuf(Listener &listener, const Rect &rect, CallDone done);
void send_disable(Listener &listener, CallDone done);
void send_mouse_set(Listener &listener, const MousePosition &mouse, CallDone done);
void send_cursor_define(Listener &listener, int32_t width, int32_t height, int32_t hot_x,
                        int32_t hot_y, const uint8_t *data, size_t length, CallDone done);

// Shortcuts for the console's current state.
void send_surface(Listener &listener, const Surface &surface, CallDone done);
void send_surface_map(Listener &listener, const Surface &surface, CallDone done);
void send_dmabuf(Listener &listener, const Dmabuf &buffer, bool version2, CallDone done);
void send_cursor(Listener &listener, const Cursor &cursor, CallDone done);

} // namespace fake_qemu
