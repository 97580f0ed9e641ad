#include "compositor/server.hpp"

#include <algorithm>
#include <csignal>
#include <stdexcept>
#include <unistd.h>

#include "base/log.hpp"
#include "compositor/global_policy.hpp"
#include "compositor/output.hpp"
#include "compositor/output_management.hpp"
#include "compositor/output_power.hpp"
#include "compositor/wlr_compat.hpp"

namespace phyllome {
namespace {

bool filter_global(const wl_client *client, const wl_global *global, void *data)
{
    const uid_t session_uid = *static_cast<const uid_t *>(data);
    uid_t uid = 0;
    gid_t gid = 0;
    pid_t pid = 0;
    wl_client_get_credentials(const_cast<wl_client *>(client), &pid, &uid, &gid);
    return client_may_bind(wl_global_get_interface(global)->name, uid, session_uid);
}

} // namespace

Server::Server(Settings settings) : settings_(std::move(settings)), session_uid_(getuid())
{
    display_ = wl_display_create();
    if (!display_)
        throw std::runtime_error("cannot create the Wayland display");
    wl_display_set_global_filter(display_, filter_global, &session_uid_);

    wl_event_loop *loop = event_loop();
    const auto terminate_on = [this](int signal_number) {
        return [this, signal_number] {
            base::log_info("Signal %d: stopping", signal_number);
            wl_display_terminate(display_);
        };
    };
    sigterm_ = base::SignalSource(loop, SIGTERM, terminate_on(SIGTERM));
    sigint_ = base::SignalSource(loop, SIGINT, terminate_on(SIGINT));

    backend_ = settings_.headless.empty() ? compat::backend_autocreate(display_, &session_)
                                          : compat::headless_backend_create(display_);
    if (!backend_)
        throw std::runtime_error(
            settings_.headless.empty()
                ? "no display backend could be started: run it from a virtual terminal or a "
                  "display manager (DRM through libseat), inside a Wayland or X11 desktop, or "
                  "with --headless WxH"
                : "cannot create the headless backend");

    // The nested backend of wlroots 0.18 destroys itself when the parent
    // compositor goes away: the session ends, touching it no more.
    backend_destroy_.connect(&backend_->events.destroy, [this](void *) {
        base::log_info("The display backend is gone: stopping");
        backend_destroy_.disconnect();
        new_output_.disconnect();
        session_active_.disconnect();
        session_ = nullptr;
        backend_ = nullptr;
        wl_display_terminate(display_);
    });

    if (session_) {
        // libseat (logind or seatd) gives the displays and input devices back
        // when the user switches to another virtual terminal: wlroots stops
        // drawing and removes the input devices (so InputDevices releases
        // every key held in a VM), and takes both again on return. The VMs
        // run on throughout; nothing here needs to change for it.
        session_active_.connect(&session_->events.active, [this](void *) {
            base::log_info(
                "%s", session_->active
                          ? "Back on this virtual terminal: displays and input taken again"
                          : "Another virtual terminal took the displays and input; the VMs run on");
        });
    }

    // wlroots picks GLES2 when it finds a DRM device and pixman otherwise.
    renderer_ = wlr_renderer_autocreate(backend_);
    if (!renderer_)
        throw std::runtime_error("no renderer could be created (neither GLES2 nor pixman)");
    wlr_renderer_init_wl_display(renderer_, display_);
    allocator_ = wlr_allocator_autocreate(backend_, renderer_);
    if (!allocator_)
        throw std::runtime_error("no buffer allocator could be created");

    compat::compositor_create(display_, renderer_);
    layout_ = compat::output_layout_create(display_);
    scene_ = wlr_scene_create();
    scene_layout_ = compat::scene_attach_output_layout(scene_, layout_);
    wlr_xdg_output_manager_v1_create(display_, layout_);
    wlr_screencopy_manager_v1_create(display_);
    output_management_ = std::make_unique<OutputManagement>(*this);
    output_power_ = std::make_unique<OutputPower>(*this);

    new_output_.connect(&backend_->events.new_output,
                        [this](void *data) { add_output(static_cast<wlr_output *>(data)); });
    layout_change_.connect(&layout_->events.change, [this](void *) { outputs_changed(); });

    const char *socket = wl_display_add_socket_auto(display_);
    if (!socket)
        throw std::runtime_error("cannot create a Wayland socket in $XDG_RUNTIME_DIR");
    socket_ = socket;
}

void Server::start()
{
    if (started_)
        return;
    if (!wlr_backend_start(backend_))
        throw std::runtime_error("the display backend failed to start");
    // Added after the start, so outputs arrive (and are named) in order.
    for (const OutputSize &size : settings_.headless)
        wlr_headless_add_output(backend_, static_cast<unsigned>(size.width),
                                static_cast<unsigned>(size.height));
    started_ = true;
    base::log_info("Running on WAYLAND_DISPLAY=%s with the %s renderer", socket_.c_str(),
                   wlr_renderer_is_pixman(renderer_) ? "pixman" : "GLES2");
    check_ready();
}

Server::~Server()
{
    // Whoever the settings call back may be gone already.
    settings_ = {};
    if (display_)
        wl_display_destroy_clients(display_);
    // Every listener on the backend goes before it (wlroots 0.19+ asserts so).
    session_active_.disconnect(); // the backend owns the session
    backend_destroy_.disconnect();
    new_output_.disconnect();
    // Destroying the backend destroys its outputs, whose handlers remove
    // them from outputs_.
    if (backend_)
        wlr_backend_destroy(backend_);
    outputs_.clear();
    layout_change_.disconnect();
    output_management_.reset();
    output_power_.reset();
    // The layout first: the scene listens to it and 0.15 does not let go
    // when the scene is destroyed.
    if (layout_)
        wlr_output_layout_destroy(layout_);
    if (scene_)
        compat::scene_destroy(scene_);
    if (allocator_)
        wlr_allocator_destroy(allocator_);
    if (renderer_)
        wlr_renderer_destroy(renderer_);
    // Before the display, which destroys their loop.
    sigterm_ = {};
    sigint_ = {};
    if (display_)
        wl_display_destroy(display_);
}

void Server::run()
{
    wl_display_run(display_);
}

void Server::terminate()
{
    wl_display_terminate(display_);
}

void Server::refresh_cards()
{
    for (const auto &output : outputs_)
        output->update();
}

StatusCardText Server::card_text_for(const Output &output) const
{
    if (settings_.card_text)
        return settings_.card_text(output.name());
    return StatusCardText{.vm = {}, .state = {}, .seat = {}, .output = output.name(), .hint = {}};
}

void Server::add_output(wlr_output *output)
{
    // A VR headset or similar is offered for leasing, never shown.
    if (output->non_desktop) {
        base::log_info("Output %s is non-desktop: ignored", output->name);
        return;
    }
    if (wlr_output_is_headless(output))
        compat::name_headless_output(output, ++headless_outputs_made_);
    outputs_.push_back(std::make_unique<Output>(*this, output));
    outputs_changed();
}

void Server::place_output(wlr_output *output, std::optional<compat::LayoutPosition> position)
{
    compat::output_layout_add(layout_, scene_, scene_layout_, output, position);
}

void Server::remove_output(Output &output)
{
    auto it = std::find_if(outputs_.begin(), outputs_.end(),
                           [&](const auto &o) { return o.get() == &output; });
    if (it == outputs_.end())
        return;
    // A nested window closed by the user is the developer's way to end the
    // session; real monitors come and go while it runs on.
    const bool nested = wlr_output_is_wl(output.wlr()) || wlr_output_is_x11(output.wlr());
    outputs_.erase(it);
    if (nested && outputs_.empty()) {
        base::log_info("Last nested window closed: stopping");
        terminate();
    }
    outputs_changed();
    // An output that had not yet shown a frame may have been the last one
    // readiness was waiting for.
    check_ready();
}

void Server::outputs_changed()
{
    for (const auto &output : outputs_)
        output->update();
    if (output_management_)
        output_management_->publish();
    if (settings_.on_outputs_changed)
        settings_.on_outputs_changed();
}

std::vector<std::string> Server::output_names() const
{
    std::vector<std::string> names;
    for (const auto &output : outputs_)
        names.push_back(output->name());
    return names;
}

Output *Server::find_output(const std::string &name) const
{
    for (const auto &output : outputs_)
        if (output->name() == name)
            return output.get();
    return nullptr;
}

void Server::console_placement_changed()
{
    if (settings_.on_console_placement_changed)
        settings_.on_console_placement_changed();
}

void Server::change_vt(unsigned vt)
{
    if (session_)
        wlr_session_change_vt(session_, vt);
}

void Server::output_shown_frame(Output &)
{
    check_ready();
}

void Server::check_ready()
{
    if (ready_ || !started_)
        return;
    const bool all_shown = std::all_of(outputs_.begin(), outputs_.end(), [](const auto &o) {
        return o->has_shown_frame() || !o->wlr()->enabled;
    });
    if (!all_shown)
        return;
    ready_ = true;
    base::log_info("Ready: %zu output(s) showing", outputs_.size());
    if (settings_.on_ready)
        settings_.on_ready(socket_);
}

} // namespace phyllome
