// One display of the PC (a monitor, a nested window or a headless output):
// its mode, its place in the layout and what is drawn on it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/event_source.hpp"
#include "base/listener.hpp"
#include "compositor/console_view.hpp"
#include "compositor/status_card.hpp"
#include "compositor/wlr_compat.hpp"

namespace phyllome {

class Server;

class Output {
public:
    Output(Server &server, wlr_output *output);
    ~Output();
    Output(const Output &) = delete;
    Output &operator=(const Output &) = delete;

    wlr_output *wlr() const { return output_; }
    std::string name() const { return output_->name; }
    bool has_shown_frame() const { return shown_frame_; }

    // Follows the output's place in the layout (or its absence) and redraws
    // the card if the size or the text changed.
    void update();

    // Shows a VM console on this output instead of the status card (null:
    // the card again). The card comes back whenever the console has no
    // frame to show.
    void show_console(vmview::Console *console, config::Scaling scaling);
    vmview::Console *console() const { return console_view_ ? &console_view_->console() : nullptr; }
    // The identify overlay: a card naming the seat and VM that own this
    // screen, drawn by the compositor above everything (the guest cannot
    // draw or hide it), for `milliseconds`.
    void identify(const StatusCardText &text, int milliseconds);
    // The input hint, drawn the same way and kept until cleared (nullopt):
    // says that the seat's input is released and how to grab it again.
    void show_input_hint(const std::optional<StatusCardText> &text);
    // A one-line banner at the top centre, drawn the same way, for
    // `milliseconds` (a new one replaces the old): what the clipboard moved.
    void banner(const std::string &text, int milliseconds);

    // The output's size as the person sees it: pixels, rotated as the
    // output is, whatever its scale, and millimetres rotated the same way.
    struct SeenSize {
        int width = 0, height = 0;
        int width_mm = 0, height_mm = 0;
    };
    SeenSize seen_size() const;
    // Where the console's frame is on this output, in output pixels (the
    // mode's, rotated as the output is; empty when none shows).
    input::Placement console_placement() const
    {
        return console_view_ && console_view_->showing() ? console_view_->placement()
                                                         : input::Placement{};
    }

    // Switches the monitor off or on as the user's tools (wlopm, an idle
    // daemon, wlr-randr) ask: from then on the guest's display no longer
    // decides it, until the guest switches its display off or on again.
    void set_power_by_user(bool on);
    // The session switched the monitor off because the guest shown on it
    // switched its display off.
    bool off_for_guest() const { return off_for_guest_; }

private:
    void on_frame();
    void on_commit(bool with_buffer);
    void update_scene();
    // A guest that switches its display off (QEMU's Disable) switches the
    // monitor off after a grace period (a mode change or a GL scanout let
    // go of is only a moment without a frame); its next frame switches the
    // monitor on again.
    void follow_guest_display();
    void apply_guest_power();
    // Keeps mode, rotation, scale and place; false when refused.
    bool set_power(bool on, const char *why);
    // Calls on_placement_changed if the placement differs from the last one
    // reported.
    void check_placement();
    // Draws a card above everything on this output into `*node`.
    void draw_overlay(wlr_scene_buffer **node, const StatusCardText &text);
    // Puts `image` above everything at `card` (output pixels) into `*node`.
    void show_overlay(wlr_scene_buffer **node, CardImage image, const CardGeometry &card);

    Server &server_;
    wlr_output *output_;
    bool shown_frame_ = false;
    bool rendering_ = false; // inside our frame handler's commit

    wlr_scene_tree *tree_ = nullptr;       // everything drawn on this output
    wlr_scene_rect *background_ = nullptr; // fills the output
    wlr_scene_buffer *card_ = nullptr;     // the status card, centred

    // What the card currently shows, to redraw only on a change.
    std::unique_ptr<ConsoleView> console_view_;
    config::Scaling scaling_ = config::Scaling::Fit;
    input::Placement reported_placement_;

    std::optional<StatusCardText> card_text_;
    int card_pixel_width_ = 0, card_pixel_height_ = 0;
    CardGeometry card_geometry_{}; // where that card is, in output pixels

    wlr_scene_buffer *identify_ = nullptr;
    base::TimerSource identify_timer_; // takes the identify overlay away
    wlr_scene_buffer *input_hint_ = nullptr;
    wlr_scene_buffer *banner_ = nullptr;
    base::TimerSource banner_timer_; // takes the banner away
    std::optional<StatusCardText> input_hint_text_;

    bool guest_display_off_ = false; // as last seen: act on changes only
    bool off_for_guest_ = false;
    base::TimerSource guest_power_timer_;

    base::Listener frame_;
    std::optional<compat::OutputSignals> signals_; // commits and size changes
    base::Listener destroy_;
};

} // namespace phyllome
