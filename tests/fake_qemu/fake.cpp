#include "fake.hpp"

#include "calls.hpp"
#include "output.hpp"

#include <cstdio>
#include <cstring>
#include <systemd/sd-id128.h>

namespace fake_qemu {
namespace {
constexpr uint32_t kX8r8g8b8 = 0x20020888; // QEMU-allocated surfaces
}

Fake::Fake(const Options &options, sd_event *event) : options_(options), event_(event)
{
}

Fake::~Fake()
{
    // The listeners' pending calls report into commands; end them first.
    listener_.reset();
    audio_.reset();
}

bool Fake::start(std::string *error)
{
    surface_ = make_surface(options_.width, options_.height, kX8r8g8b8, options_.width * 4, 0,
                            {kBackground, kBackground, kBackground, kBackground}, error);
    if (!surface_)
        return false;

    sd_bus *raw = nullptr;
    int r = sd_bus_new(&raw);
    if (r < 0) {
        *error = std::string("sd_bus_new: ") + strerror(-r);
        return false;
    }
    bus_.reset(raw);
    sd_id128_t guid{};
    sd_bus_slot *slot = nullptr;
    display_ = std::make_unique<Display>(raw, options_, *this);
    if (options_.audio)
        audio_ = std::make_unique<Audio>(raw, event_, options_);
    if (options_.clipboard)
        clipboard_ = std::make_unique<Clipboard>(raw, options_);
    // QEMU is the authentication server of the p2p main connection too.
    if ((r = sd_bus_set_fd(raw, options_.fd, options_.fd)) < 0 ||
        (r = sd_id128_randomize(&guid)) < 0 || (r = sd_bus_set_server(raw, 1, guid)) < 0 ||
        (r = sd_bus_negotiate_fds(raw, 1)) < 0 || (r = sd_bus_set_description(raw, "main")) < 0 ||
        (r = display_->export_objects()) < 0 || (audio_ && (r = audio_->export_object()) < 0) ||
        (clipboard_ && (r = clipboard_->export_object()) < 0) || (r = sd_bus_start(raw)) < 0 ||
        (r = sd_bus_attach_event(raw, event_, SD_EVENT_PRIORITY_NORMAL)) < 0 ||
        (r = sd_bus_match_signal(raw, &slot, nullptr, "/org/freedesktop/DBus/Local",
                                 "org.freedesktop.DBus.Local", "Disconnected", on_main_disconnected,
                                 this)) < 0) {
        *error = std::string("main connection: ") + strerror(-r);
        return false;
    }
    disconnect_slot_.reset(slot);
    sd_event_source *post = nullptr;
    if ((r = sd_event_add_post(event_, &post, on_post, this)) < 0) {
        *error = std::string("sd_event_add_post: ") + strerror(-r);
        return false;
    }
    post_.reset(post);
    return true;
}

// sd-bus 252 as a server leaves a message that arrived in the same read as
// the client's BEGIN (GDBus clients send them back to back) in its buffer
// until more bytes come, which never happens while the client waits for the
// answer. Processing once more after every loop iteration picks it up.
int Fake::on_post(sd_event_source *, void *userdata)
{
    auto *self = static_cast<Fake *>(userdata);
    while (sd_bus_process(self->bus_.get(), nullptr) > 0) {
    }
    // Looked up only now: the main connection may just have replaced it.
    while (self->listener_ && sd_bus_process(self->listener_->bus(), nullptr) > 0) {
    }
    if (self->audio_)
        self->audio_->process_listeners();
    return 0;
}

int Fake::on_main_disconnected(sd_bus_message *, void *userdata, sd_bus_error *)
{
    auto *self = static_cast<Fake *>(userdata);
    print_line("closed");
    stop_output();
    sd_event_exit(self->event_, 0);
    return 0;
}

Listener *Fake::listener()
{
    return listener_ && listener_->connected() ? listener_.get() : nullptr;
}

void Fake::set_surface(std::unique_ptr<Surface> surface)
{
    surface_ = std::move(surface);
    ++surface_serial_;
    surface_mapped_ = false;
    dmabuf_.reset();
    display_->set_size(surface_->width, surface_->height);
}

bool Fake::resize_silently(uint32_t width, uint32_t height, std::string *error)
{
    const uint32_t format = surface_->format;
    auto surface = make_surface(width, height, format, width * bytes_per_pixel(format), 0,
                                {kBackground, kBackground, kBackground, kBackground}, error);
    if (!surface)
        return false;
    set_surface(std::move(surface));
    return true;
}

void Fake::set_dmabuf(std::unique_ptr<Dmabuf> buffer)
{
    dmabuf_ = std::move(buffer);
    surface_mapped_ = false;
    display_->set_size(dmabuf_->width, dmabuf_->height);
}

void Fake::disable()
{
    dmabuf_.reset();
    surface_mapped_ = false;
}

void Fake::when_listener_ready(std::function<void()> done)
{
    if (ready_ && listener())
        done();
    else
        waiters_.push_back(std::move(done));
}

void Fake::register_listener(int listener_fd)
{
    std::string error;
    auto listener =
        Listener::connect(listener_fd, event_, options_.version, kListenerSetupTimeoutUs, &error);
    if (!listener) {
        fprintf(stderr, "fake-qemu: listener not registered: %s\n", error.c_str());
        return;
    }
    // p2p registrations share one key in QEMU, so the new one replaces the old.
    ++generation_;
    ready_ = false;
    surface_mapped_ = false;
    listener_ = std::move(listener);
    send_initial_frames();
}

void Fake::guest_resized(uint32_t width, uint32_t height)
{
    std::string error;
    if (!resize_silently(width, height, &error))
        fprintf(stderr, "fake-qemu: resize to %ux%u failed: %s\n", width, height, error.c_str());
}

// What QEMU sends a new listener: the current scanout, then from 8.0 the
// cursor. ScanoutMap is used when the listener took Unix.Map; if the client
// refuses it QEMU falls back to Scanout for that listener.
void Fake::send_initial_frames()
{
    Listener &target = *listener_;
    const uint64_t generation = generation_;
    auto step = [this, generation](const CallResult &) {
        initial_call_done(generation);
    };
    initial_pending_ = 1; // held until every call below has been sent
    if (dmabuf_) {
        ++initial_pending_;
        send_dmabuf(target, *dmabuf_, target.uses_dmabuf2(), step);
    } else if (target.uses_map()) {
        ++initial_pending_;
        const uint64_t serial = surface_serial_;
        auto mapped = [this, generation, serial, step](const CallResult &result) {
            if (generation != generation_)
                return;
            if (result.ok) {
                surface_mapped_ = serial == surface_serial_;
            } else if (Listener *current = listener()) {
                ++initial_pending_;
                send_surface(*current, *surface_, step);
            }
            initial_call_done(generation);
        };
        send_surface_map(target, *surface_, mapped);
    } else {
        ++initial_pending_;
        send_surface(target, *surface_, step);
    }
    if (options_.version.sends_cursor_on_register() && cursor_) {
        initial_pending_ += 2;
        send_cursor(target, *cursor_, step);
        send_mouse_set(target, mouse_, step);
    }
    initial_call_done(generation);
}

void Fake::initial_call_done(uint64_t generation)
{
    if (generation != generation_ || --initial_pending_ > 0)
        return;
    ready_ = true;
    auto waiters = std::move(waiters_);
    waiters_.clear();
    for (auto &done : waiters)
        done();
}

} // namespace fake_qemu
