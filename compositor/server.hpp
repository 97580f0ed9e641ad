// The compositor: owns the Wayland display, the wlroots backend, renderer
// and allocator, every output, and the globals clients may bind.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/event_source.hpp"
#include "base/listener.hpp"
#include "compositor/output_size.hpp"
#include "compositor/status_card.hpp"
#include "compositor/wlr_compat.hpp"

namespace phyllome {

class Output;
class OutputManagement;
class OutputPower;

class Server {
public:
    struct Settings {
        // Headless outputs to create; empty: wlroots picks the backend.
        std::vector<OutputSize> headless;
        // What an output's status card says; called again after
        // refresh_cards().
        std::function<StatusCardText(const std::string &output_name)> card_text;
        // Called after outputs were added, removed or reconfigured.
        std::function<void()> on_outputs_changed;
        // Called once, when every output has shown its first frame.
        std::function<void(const std::string &socket)> on_ready;
        // Called (from inside frame handling: defer real work) when the
        // place of a console's frame on an output changed.
        std::function<void()> on_console_placement_changed;
        // How long a guest's display stays off before its monitor is
        // switched off.
        int guest_display_off_delay_ms = 2000;
    };

    // Sets everything up; start() then starts the backend, once whoever
    // listens to its new outputs and input devices is in place. Throws
    // std::runtime_error with a one-line message when something cannot be
    // had. No setting is called before start().
    explicit Server(Settings settings);
    void start();
    // Calls no setting.
    ~Server();
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    // Dispatches events until terminate().
    void run();
    void terminate();

    const std::string &socket() const { return socket_; }
    wl_display *display() const { return display_; }
    wl_event_loop *event_loop() const { return wl_display_get_event_loop(display_); }
    wlr_backend *backend() const { return backend_; }
    // The libseat session of a DRM backend (virtual terminals); null when
    // headless or nested.
    wlr_session *session() const { return session_; }
    wlr_renderer *renderer() const { return renderer_; }
    wlr_allocator *allocator() const { return allocator_; }
    wlr_scene *scene() const { return scene_; }
    wlr_output_layout *layout() const { return layout_; }
    // Places an output in the layout and the scene: at `position`, or right
    // of the others.
    void place_output(wlr_output *output,
                      std::optional<compat::LayoutPosition> position = std::nullopt);
    const std::vector<std::unique_ptr<Output>> &outputs() const { return outputs_; }
    // The outputs' names, in the order they came.
    std::vector<std::string> output_names() const;
    // The output of that name; null when there is none (any more).
    Output *find_output(const std::string &name) const;

    // Asks card_text again for every output and redraws what changed.
    void refresh_cards();
    // Switches to virtual terminal `vt` (DRM backend only; nothing
    // otherwise).
    void change_vt(unsigned vt);

    // Called by outputs.
    int guest_display_off_delay_ms() const { return settings_.guest_display_off_delay_ms; }
    StatusCardText card_text_for(const Output &output) const;
    void output_shown_frame(Output &output);
    void outputs_changed();
    void console_placement_changed();
    void remove_output(Output &output);

private:
    void add_output(wlr_output *output);
    void check_ready();

    Settings settings_;
    wl_display *display_ = nullptr;
    wlr_backend *backend_ = nullptr;
    wlr_session *session_ = nullptr;
    wlr_renderer *renderer_ = nullptr;
    wlr_allocator *allocator_ = nullptr;
    wlr_output_layout *layout_ = nullptr;
    wlr_scene *scene_ = nullptr;
    unsigned headless_outputs_made_ = 0;          // names them HEADLESS-1, -2, ...
    compat::SceneLayout *scene_layout_ = nullptr; // the scene's view of layout_ (0.18+)
    std::unique_ptr<OutputManagement> output_management_;
    std::unique_ptr<OutputPower> output_power_;
    std::vector<std::unique_ptr<Output>> outputs_;
    std::string socket_;
    bool started_ = false;
    bool ready_ = false;
    uid_t session_uid_;

    base::SignalSource sigterm_;
    base::SignalSource sigint_;

    base::Listener new_output_;
    base::Listener layout_change_;
    base::Listener backend_destroy_;
    base::Listener session_active_;
};

} // namespace phyllome
