// The fake QEMU: the main connection, the current listener, and the console
// state a newly registered listener is sent.
#pragma once

#include "audio.hpp"
#include "clipboard.hpp"
#include "console.hpp"
#include "display.hpp"
#include "listener.hpp"
#include "options.hpp"
#include "sdbus.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fake_qemu {

// QEMU waits for the handshake and the GetAll without limit (25 s for the
// GetAll); a test must not hang that long.
inline constexpr uint64_t kListenerSetupTimeoutUs = 10'000'000;

class Fake final : public DisplayHooks {
public:
    Fake(const Options &options, sd_event *event);
    ~Fake();
    Fake(const Fake &) = delete;
    Fake &operator=(const Fake &) = delete;

    bool start(std::string *error); // the main connection on options.fd

    const Options &options() const { return options_; }
    Display &display() { return *display_; }
    // The D-Bus audio, only with --audio (a dbus audiodev).
    Audio *audio() { return audio_.get(); }
    // The D-Bus clipboard, only with --clipboard.
    Clipboard *clipboard() { return clipboard_.get(); }
    // The registered listener if its connection is still open.
    Listener *listener();

    Surface &surface() { return *surface_; }
    // Changes with every new surface, so late replies can tell theirs is gone.
    uint64_t surface_serial() const { return surface_serial_; }
    // A new 2D surface becomes the scanout; it supersedes any DMA-BUF.
    void set_surface(std::unique_ptr<Surface> surface);
    // Whether the listener maps the current surface (a ScanoutMap of it succeeded).
    bool surface_mapped() const { return surface_mapped_; }
    void set_surface_mapped() { surface_mapped_ = true; }
    // A new surface of that size and the current format, announced only by the
    // Width/Height properties: QEMU's resize bug (reference §8.3).
    bool resize_silently(uint32_t width, uint32_t height, std::string *error);

    Dmabuf *dmabuf() { return dmabuf_.get(); }
    void set_dmabuf(std::unique_ptr<Dmabuf> buffer);
    // Disable(): the listener lets go of its buffer and mapping.
    void disable();

    void set_cursor(Cursor cursor) { cursor_ = std::move(cursor); }
    void set_mouse(const MousePosition &mouse) { mouse_ = mouse; }

    // Runs done once a listener is registered, its GetAll answered and its
    // initial frames replied to (at once if that is already so).
    void when_listener_ready(std::function<void()> done);

    void register_listener(int listener_fd) override;
    void guest_resized(uint32_t width, uint32_t height) override;

private:
    void send_initial_frames();
    void initial_call_done(uint64_t generation);
    static int on_main_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_post(sd_event_source *source, void *userdata);

    Options options_;
    sd_event *event_;
    BusPtr bus_;
    SlotPtr disconnect_slot_;
    SourcePtr post_;
    std::unique_ptr<Display> display_;
    std::unique_ptr<Audio> audio_;
    std::unique_ptr<Clipboard> clipboard_;
    std::unique_ptr<Listener> listener_;
    uint64_t generation_ = 0; // bumped per registration; stale replies are ignored
    int initial_pending_ = 0;
    bool ready_ = false;
    std::vector<std::function<void()>> waiters_;

    std::unique_ptr<Surface> surface_;
    uint64_t surface_serial_ = 0;
    bool surface_mapped_ = false;
    std::unique_ptr<Dmabuf> dmabuf_;
    std::optional<Cursor> cursor_;
    MousePosition mouse_;
};

} // namespace fake_qemu
