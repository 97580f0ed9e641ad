#include "compositor/output.hpp"

#include <cmath>
#include <utility>

#include "base/log.hpp"
#include "compositor/image_buffer.hpp"
#include "compositor/server.hpp"
#include "compositor/wlr_compat.hpp"

namespace phyllome {
namespace {

void color_from_rgb(uint32_t rgb, float out[4])
{
    out[0] = ((rgb >> 16) & 0xff) / 255.0f;
    out[1] = ((rgb >> 8) & 0xff) / 255.0f;
    out[2] = (rgb & 0xff) / 255.0f;
    out[3] = 1.0f;
}

// Where a card drawn by render_status_card goes: centred, as
// status_card_geometry(text, ...) says, without laying its text out again.
CardGeometry centred_card(const CardImage &image, int output_width, int output_height)
{
    return {(output_width - image.width()) / 2, (output_height - image.height()) / 2, image.width(),
            image.height()};
}

} // namespace

Output::Output(Server &server, wlr_output *output) : server_(server), output_(output)
{
    if (!wlr_output_init_render(output_, server_.allocator(), server_.renderer()))
        base::log_error("Output %s: cannot set up rendering", output_->name);
    if (!compat::output_enable_preferred(output_))
        base::log_error("Output %s: no mode could be enabled", output_->name);
    compat::output_create_global(output_, server_.display());
    // A nested window draws only when its parent compositor asks, which it
    // never does for a window it hides (wlroots 0.18+): the window counts as
    // shown for readiness once it exists.
    if (wlr_output_is_wl(output_) || wlr_output_is_x11(output_))
        shown_frame_ = output_->enabled;

    tree_ = wlr_scene_tree_create(compat::scene_root(server_.scene()));
    float background[4];
    color_from_rgb(kBackgroundColor, background);
    background_ = compat::scene_rect_create(compat::scene_tree_parent(tree_), 0, 0, background);
    identify_timer_ = base::TimerSource(server_.event_loop(), [this] {
        if (identify_)
            wlr_scene_node_destroy(&identify_->node);
        identify_ = nullptr;
    });
    banner_timer_ = base::TimerSource(server_.event_loop(), [this] {
        if (banner_)
            wlr_scene_node_destroy(&banner_->node);
        banner_ = nullptr;
    });

    guest_power_timer_ = base::TimerSource(server_.event_loop(), [this] { apply_guest_power(); });

    frame_.connect(&output_->events.frame, [this](void *) { on_frame(); });
    signals_.emplace(output_, compat::OutputSignals::Handlers{
                                  // Seen before the commit: wlroots 0.15 names no
                                  // buffer in the commit event of a directly
                                  // scanned-out frame.
                                  .precommit =
                                      [this](wlr_buffer *buffer) {
                                          if (console_view_ && buffer)
                                              console_view_->committing(buffer);
                                      },
                                  .committed = [this](bool with_buffer) { on_commit(with_buffer); },
                                  .mode_changed = [this] { server_.outputs_changed(); },
                              });
    destroy_.connect(&output_->events.destroy, [this](void *) {
        server_.remove_output(*this); // deletes this
    });

    base::log_info("Output %s added (%s %s), %dx%d", output_->name,
                   compat::output_make(output_).c_str(), compat::output_model(output_).c_str(),
                   output_->width, output_->height);
    // Placed in the layout last: that emits the layout's change signal,
    // which calls update() on every output, this one included.
    server_.place_output(output_);
}

Output::~Output()
{
    base::log_info("Output %s removed", output_->name);
    console_view_.reset();
    wlr_scene_node_destroy(compat::scene_tree_node(tree_));
}

void Output::update()
{
    update_scene();
    check_placement();
    follow_guest_display();
}

void Output::follow_guest_display()
{
    const bool off = console_view_ && console_view_->console().guest_display_off();
    if (off == guest_display_off_)
        return;
    guest_display_off_ = off;
    // Switched from the loop rather than here: update() runs inside
    // outputs_changed(), which a power switch calls again.
    guest_power_timer_.arm(off ? server_.guest_display_off_delay_ms() : 1);
}

void Output::apply_guest_power()
{
    if (guest_display_off_ && output_->enabled && !off_for_guest_) {
        off_for_guest_ = set_power(false, "the guest switched its display off");
    } else if (!guest_display_off_ && off_for_guest_) {
        off_for_guest_ = false;
        set_power(true, "the guest's display is on again");
    }
}

void Output::set_power_by_user(bool on)
{
    guest_power_timer_.disarm();
    off_for_guest_ = false;
    set_power(on, "asked for by a client");
}

bool Output::set_power(bool on, const char *why)
{
    if (output_->enabled == on)
        return true;
    // The output keeps its mode, rotation and scale, and its place in the
    // layout; only its power changes.
    compat::OutputState state;
    state.enabled = on;
    state.transform = output_->transform;
    state.scale = output_->scale;
    std::string refused;
    if (!compat::output_apply(output_, state, false, &refused)) {
        base::log_info("Output %s: switching it %s refused: %s", output_->name, on ? "on" : "off",
                       refused.c_str());
        return false;
    }
    base::log_info("Output %s switched %s: %s", output_->name, on ? "on" : "off", why);
    server_.outputs_changed();
    return true;
}

Output::SeenSize Output::seen_size() const
{
    SeenSize size;
    wlr_output_transformed_resolution(output_, &size.width, &size.height);
    size.width_mm = output_->phys_width;
    size.height_mm = output_->phys_height;
    if (output_->transform % 2 == 1) // 90 or 270 degrees, flipped or not
        std::swap(size.width_mm, size.height_mm);
    return size;
}

void Output::check_placement()
{
    const input::Placement placement = console_placement();
    if (placement == reported_placement_)
        return;
    reported_placement_ = placement;
    server_.console_placement_changed();
}

void Output::update_scene()
{
    const wlr_box box = compat::output_layout_box(server_.layout(), output_);
    const bool visible = output_->enabled && box.width > 0 && box.height > 0;
    wlr_scene_node_set_enabled(compat::scene_tree_node(tree_), visible);
    if (!visible)
        return;

    wlr_scene_node_set_position(compat::scene_tree_node(tree_), box.x, box.y);
    wlr_scene_rect_set_size(background_, box.width, box.height);

    // A VM frame replaces the card and its background entirely, so that a
    // frame covering the output can be scanned out directly.
    const bool console_showing = console_view_ && console_view_->showing();
    wlr_scene_node_set_enabled(&background_->node, !console_showing);
    if (card_)
        wlr_scene_node_set_enabled(&card_->node, !console_showing);
    // Frames and cards are placed in output pixels (the mode's, rotated as
    // the output is), so that they fill the output at any scale, then put
    // in layout coordinates.
    int pixel_width = 0, pixel_height = 0;
    wlr_output_transformed_resolution(output_, &pixel_width, &pixel_height);
    if (console_view_)
        console_view_->relayout(pixel_width, pixel_height, scaling_);
    if (console_showing)
        return;

    const StatusCardText text = server_.card_text_for(*this);
    if (!card_ || !card_text_ || *card_text_ != text || pixel_width != card_pixel_width_ ||
        pixel_height != card_pixel_height_) {
        CardImage image = render_status_card(text, pixel_width, pixel_height);
        card_geometry_ = centred_card(image, pixel_width, pixel_height);
        wlr_buffer *buffer = image_buffer_create(std::move(image));
        compat::scene_buffer_show(&card_, compat::scene_tree_parent(tree_), buffer);
        wlr_buffer_drop(buffer); // the scene node holds its own reference
        card_text_ = text;
        card_pixel_width_ = pixel_width;
        card_pixel_height_ = pixel_height;
    }
    // Set at every scale, 1 included: the node outlives scale changes.
    const CardGeometry &card = card_geometry_;
    const float scale = output_->scale > 0 ? output_->scale : 1.0f;
    wlr_scene_node_set_position(&card_->node, static_cast<int>(std::lround(card.x / scale)),
                                static_cast<int>(std::lround(card.y / scale)));
    wlr_scene_buffer_set_dest_size(card_, static_cast<int>(std::lround(card.width / scale)),
                                   static_cast<int>(std::lround(card.height / scale)));
}

void Output::show_console(vmview::Console *console, config::Scaling scaling)
{
    scaling_ = scaling;
    if (console == this->console()) {
        update();
        return;
    }
    console_view_.reset();
    if (console) {
        base::log_info("Output %s shows VM console %u (%s)", output_->name, console->info().id,
                       console->info().label.c_str());
        console_view_ = std::make_unique<ConsoleView>(
            *console, output_, server_.scene(), tree_, scaling,
            wlr_renderer_is_pixman(server_.renderer()),
            ConsoleView::Handlers{.showing_changed = [this] { update(); },
                                  .placed = [this] { check_placement(); }});
    }
    update();
}

void Output::draw_overlay(wlr_scene_buffer **node, const StatusCardText &text)
{
    int pixel_width = 0, pixel_height = 0;
    wlr_output_transformed_resolution(output_, &pixel_width, &pixel_height);
    if (pixel_width <= 0 || pixel_height <= 0)
        return;
    CardImage image = render_status_card(text, pixel_width, pixel_height);
    const CardGeometry card = centred_card(image, pixel_width, pixel_height);
    show_overlay(node, std::move(image), card);
}

void Output::show_overlay(wlr_scene_buffer **node, CardImage image, const CardGeometry &card)
{
    wlr_buffer *buffer = image_buffer_create(std::move(image));
    compat::scene_buffer_show(node, compat::scene_tree_parent(tree_), buffer);
    wlr_buffer_drop(buffer);
    const float scale = output_->scale > 0 ? output_->scale : 1.0f;
    wlr_scene_node_set_position(&(*node)->node, static_cast<int>(std::lround(card.x / scale)),
                                static_cast<int>(std::lround(card.y / scale)));
    if (scale != 1.0f)
        wlr_scene_buffer_set_dest_size(*node, static_cast<int>(std::lround(card.width / scale)),
                                       static_cast<int>(std::lround(card.height / scale)));
    wlr_scene_node_raise_to_top(&(*node)->node);
}

void Output::show_input_hint(const std::optional<StatusCardText> &text)
{
    if (text == input_hint_text_)
        return;
    input_hint_text_ = text;
    if (input_hint_) {
        wlr_scene_node_destroy(&input_hint_->node);
        input_hint_ = nullptr;
    }
    if (text)
        draw_overlay(&input_hint_, *text);
}

void Output::identify(const StatusCardText &text, int milliseconds)
{
    const wlr_box box = compat::output_layout_box(server_.layout(), output_);
    if (box.width <= 0 || box.height <= 0)
        return;
    draw_overlay(&identify_, text);
    identify_timer_.arm(milliseconds);
}

void Output::banner(const std::string &text, int milliseconds)
{
    int pixel_width = 0, pixel_height = 0;
    wlr_output_transformed_resolution(output_, &pixel_width, &pixel_height);
    if (pixel_width <= 0 || pixel_height <= 0)
        return;
    CardImage image = render_banner(text, pixel_width, pixel_height);
    show_overlay(&banner_, std::move(image), banner_geometry(pixel_width, pixel_height));
    banner_timer_.arm(milliseconds);
}

void Output::on_frame()
{
    wlr_scene_output *scene_output = wlr_scene_get_scene_output(server_.scene(), output_);
    if (!scene_output)
        return;
    if (console_view_)
        console_view_->before_frame();
    // wlroots 0.15's scene commits a directly scanned-out buffer again on
    // every frame event, damaged or not; on DRM each commit is a page flip
    // whose completion is the next frame event, so a still guest would keep
    // the session busy at the refresh rate. Nothing new: nothing committed.
    if (!compat::scene_output_needs_frame(scene_output))
        return;
    rendering_ = true;
    compat::scene_output_commit(scene_output);
    rendering_ = false;
}

void Output::on_commit(bool with_buffer)
{
    // Only frames of the scene count: enabling an output commits a blank
    // buffer of wlroots' own before anything of ours is drawn.
    if (with_buffer && rendering_ && !shown_frame_) {
        shown_frame_ = true;
        server_.output_shown_frame(*this);
    }
}

} // namespace phyllome
