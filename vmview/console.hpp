// One console of a VM (one virtual screen): the Listener QEMU calls with
// its frames, on a peer-to-peer D-Bus connection of its own, and what the
// compositor needs to show them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <systemd/sd-bus.h>
#include <wayland-server-core.h>

#include "base/event_source.hpp"
#include "base/unique_fd.hpp"
#include "vmview/bus_source.hpp"
#include "vmview/console_buffer.hpp"
#include "vmview/frame.hpp"
#include "vmview/frame_counters.hpp"

namespace phyllome::vmview {

class Console;

// The compositor's side: told what changed, it decides what to redraw.
class ConsoleObserver {
public:
    virtual ~ConsoleObserver() = default;
    // The frame object changed (a first frame, a new size, format, mapping
    // or DMA-BUF, or Disable): rebuild what shows it.
    virtual void frame_replaced(Console &console) = 0;
    // Pixels changed inside the current frame (frame coordinates).
    virtual void frame_damaged(Console &console, std::span<const base::Rect> damage) = 0;
    virtual void cursor_changed(Console &console) = 0;
};

struct Cursor {
    std::shared_ptr<const std::vector<uint32_t>> pixels; // ARGB8888 words, width*height
    int32_t width = 0, height = 0, hot_x = 0, hot_y = 0;
    int32_t x = 0, y = 0; // hot spot position in frame pixels, from MouseSet
    bool visible = false;
};

class Console {
public:
    // Properties as read from QEMU's Console object.
    struct Info {
        uint32_t id = 0;
        std::string label;
        uint32_t head = 0;
        uint32_t width = 0, height = 0;
    };

    // `listener_fd` is our end of the socketpair whose other end went to
    // QEMU with RegisterListener; QEMU is the authentication server on it.
    struct Handlers {
        // The resize guard needs Width and Height read again from the main
        // connection (the owner's).
        std::function<void()> size_check;
        // The listener connection ended.
        std::function<void()> disconnected;
    };
    Console(wl_event_loop *loop, Info info, std::string vm_name, base::UniqueFd listener_fd,
            Handlers handlers);
    ~Console();
    Console(const Console &) = delete;
    Console &operator=(const Console &) = delete;

    const Info &info() const { return info_; }
    const Frame &frame() const { return frame_; }
    const Cursor &cursor() const { return cursor_; }
    const FrameCounters &counters() const;
    FrameCounters &counters();
    bool connected() const { return connected_; }
    // QEMU said Disable (the guest switched its display off, or let go of
    // its GL scanout) and no frame has come since.
    bool guest_display_off() const { return guest_display_off_; }

    void set_observer(ConsoleObserver *observer) { observer_ = observer; }

    // The current frame is on screen, or was replaced before it got there:
    // acknowledges a pending UpdateDMABUF so QEMU lets the guest go on.
    void frame_presented();

    // Console.Width/Height as QEMU reports them (the resize guard's answer,
    // or PropertiesChanged).
    void set_console_size(uint32_t width, uint32_t height);

private:
    static const sd_bus_vtable kListenerVtable[];
    static const sd_bus_vtable kMapVtable[];
    static const sd_bus_vtable kDmabuf2Vtable[];

    static int on_scanout(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_update(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_scanout_dmabuf(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_update_dmabuf(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_scanout_dmabuf2(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_disable(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_mouse_set(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_cursor_define(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_scanout_map(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_update_map(sd_bus_message *m, void *data, sd_bus_error *error);
    static int get_interfaces(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *data,
                              sd_bus_error *error);

    // Replies with an error and logs it (rate-limited); `counted`: the shadow
    // buffer already counted the rejection.
    int reject(sd_bus_error *error, const char *message_name, const std::string &reason,
               bool counted = false);
    void show_shadow_buffer(bool replaced);
    void set_dmabuf(DmaBuf dmabuf, uint32_t x, uint32_t y, uint32_t width, uint32_t height);
    void acknowledge_pending();

    wl_event_loop *loop_;
    Info info_;
    std::string vm_name_;
    Handlers handlers_;
    sd_bus *bus_ = nullptr;
    std::unique_ptr<BusSource> source_;
    bool connected_ = true;
    ConsoleObserver *observer_ = nullptr;

    ConsoleBuffer shadow_;
    uint64_t shadow_generation_ = 0;
    std::shared_ptr<const PixelMemory> shadow_memory_;
    Frame frame_;
    bool guest_display_off_ = false;
    Cursor cursor_;

    // The Unix.Map path: QEMU's surface in shared memory. Formats the
    // renderers cannot show are copied into the shadow buffer instead.
    std::shared_ptr<const PixelMemory> map_memory_;
    uint32_t map_pixman_format_ = 0;
    uint32_t map_offset_ = 0;
    bool map_copies_ = false;

    // The UpdateDMABUF being held until its frame is on screen.
    sd_bus_message *pending_ack_ = nullptr;
    base::TimerSource ack_timer_; // acknowledges it anyway if it is never shown
};

} // namespace phyllome::vmview
