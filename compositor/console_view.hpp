// A VM console's frame on one output: the scene nodes that show it, placed
// by the VM's scaling setting, kept current as QEMU's messages arrive, with
// the guest's cursor as the output's cursor.
#pragma once

#include <array>
#include <chrono>
#include <functional>

#include "compositor/cpu_scaler.hpp"
#include "compositor/wlr.hpp"
#include "config/config.hpp"
#include "input/placement.hpp"
#include "vmview/console.hpp"

namespace phyllome {

class ConsoleView final : public vmview::ConsoleObserver {
public:
    struct Handlers {
        // showing() changed, so the output can swap card and frame.
        std::function<void()> showing_changed;
        // A new frame was placed (its size may have changed).
        std::function<void()> placed;
    };
    // Builds its nodes under `parent`; `output` is where they are shown.
    // The handlers are called from the first change after construction.
    ConsoleView(vmview::Console &console, wlr_output *output, wlr_scene *scene,
                wlr_scene_tree *parent, config::Scaling scaling, bool pixman_renderer,
                Handlers handlers);
    ~ConsoleView() override;
    ConsoleView(const ConsoleView &) = delete;
    ConsoleView &operator=(const ConsoleView &) = delete;

    vmview::Console &console() const { return console_; }
    // Whether the console has a frame to show (else the status card shows).
    bool showing() const { return frame_node_ != nullptr; }
    const input::Placement &placement() const { return placement_; }

    // The output's size, mode, scale, rotation or the scaling setting
    // changed: place the frame again. The size is in output pixels (the
    // mode's, rotated as the output is), which is what placement() uses.
    void relayout(int output_width, int output_height, config::Scaling scaling);
    // An output commit with a new buffer is happening; `buffer` is what is
    // committed (our frame itself when it is scanned out directly).
    void committing(wlr_buffer *buffer);
    // The output is about to draw a frame: a CPU frame changed since the
    // last one is uploaded now (GLES2).
    void before_frame();

    void frame_replaced(vmview::Console &console) override;
    void frame_damaged(vmview::Console &console, std::span<const base::Rect> damage) override;
    void cursor_changed(vmview::Console &console) override;

private:
    void rebuild_node();
    void mark_damaged();
    void place_letterbox();
    // Output pixels to the layout coordinates scene nodes take (divided by
    // the output's scale).
    wlr_box to_layout(const base::Rect &rect) const;
    void place();
    void damage_output(const base::Rect &frame_rect);
    void damage_output_dest(const base::Rect &dest_rect);
    // The pixman renderer cannot scale scene buffers: scaled frames are
    // drawn into `scaled_` here and shown 1:1.
    bool needs_cpu_scaling() const;
    void show_scaled();
    void rescale(const base::Rect &frame_damage);

    vmview::Console &console_;
    wlr_output *output_;
    wlr_scene *scene_;
    wlr_scene_tree *tree_;
    config::Scaling scaling_;
    const bool pixman_renderer_;
    Handlers handlers_;
    int output_width_ = 0, output_height_ = 0;

    // Black bars (above, below, left, right) around a frame that does not
    // fill the output.
    std::array<wlr_scene_rect *, 4> letterbox_{};
    wlr_scene_buffer *frame_node_ = nullptr;
    wlr_buffer *frame_buffer_ = nullptr; // our producer reference
    const void *frame_source_ = nullptr; // the memory or DMA-BUF it wraps
    input::Placement placement_{};
    bool damaged_since_commit_ = false;
    std::chrono::steady_clock::time_point first_damage_{};

    wlr_output_cursor *cursor_ = nullptr;
    // The image the output cursor shows (kept, so a new one is never
    // mistaken for it); null: hidden.
    std::shared_ptr<const std::vector<uint32_t>> cursor_image_;
    bool upload_pending_ = false;

    std::shared_ptr<ScaledMemory> scaled_;
    wlr_buffer *scaled_buffer_ = nullptr; // our producer reference
    bool showing_scaled_ = false;
};

} // namespace phyllome
