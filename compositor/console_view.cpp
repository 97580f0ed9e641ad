#include "compositor/console_view.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "compositor/vm_buffer.hpp"
#include "compositor/wlr_compat.hpp"

namespace phyllome {

ConsoleView::ConsoleView(vmview::Console &console, wlr_output *output, wlr_scene *scene,
                         wlr_scene_tree *parent, config::Scaling scaling, bool pixman_renderer,
                         Handlers handlers)
    : console_(console), output_(output), scene_(scene), scaling_(scaling),
      pixman_renderer_(pixman_renderer)
{
    tree_ = wlr_scene_tree_create(compat::scene_tree_parent(parent));
    const float black[4] = {0.0f, 0.0f, 0.0f, 1.0f};
    for (wlr_scene_rect *&bar : letterbox_)
        bar = compat::scene_rect_create(compat::scene_tree_parent(tree_), 0, 0, black);
    cursor_ = wlr_output_cursor_create(output_);
    console_.set_observer(this);
    rebuild_node();
    cursor_changed(console_);
    handlers_ = std::move(handlers);
}

ConsoleView::~ConsoleView()
{
    console_.set_observer(nullptr);
    if (cursor_)
        wlr_output_cursor_destroy(cursor_);
    wlr_scene_node_destroy(compat::scene_tree_node(tree_));
    if (frame_buffer_)
        wlr_buffer_drop(frame_buffer_);
    if (scaled_buffer_)
        wlr_buffer_drop(scaled_buffer_);
    // A frame waiting for the screen will not get there through this view.
    console_.frame_presented();
}

void ConsoleView::relayout(int output_width, int output_height, config::Scaling scaling)
{
    output_width_ = output_width;
    output_height_ = output_height;
    scaling_ = scaling;
    place();
}

void ConsoleView::frame_replaced(vmview::Console &)
{
    rebuild_node();
}

void ConsoleView::rebuild_node()
{
    const vmview::Frame &frame = console_.frame();
    const void *source = frame.kind == vmview::Frame::Kind::Memory ? frame.memory.get()
                         : frame.kind == vmview::Frame::Kind::DmaBuf
                             ? static_cast<const void *>(frame.dmabuf.get())
                             : nullptr;
    if (source != frame_source_) {
        if (frame_buffer_)
            wlr_buffer_drop(frame_buffer_);
        frame_buffer_ = nullptr;
        if (frame.kind == vmview::Frame::Kind::Memory)
            frame_buffer_ = memory_buffer_create(frame.memory);
        else if (frame.kind == vmview::Frame::Kind::DmaBuf)
            frame_buffer_ = dmabuf_buffer_create(frame.dmabuf);
        frame_source_ = source;
    }
    const bool was_showing = showing();
    if (!frame_buffer_) {
        if (frame_node_)
            wlr_scene_node_destroy(&frame_node_->node);
        frame_node_ = nullptr;
        for (wlr_scene_rect *bar : letterbox_)
            wlr_scene_node_set_enabled(&bar->node, false);
        if (was_showing && handlers_.showing_changed)
            handlers_.showing_changed();
        return;
    }
    compat::scene_buffer_show(&frame_node_, compat::scene_tree_parent(tree_), frame_buffer_);
    showing_scaled_ = false;
    if (frame.kind == vmview::Frame::Kind::Memory && !pixman_renderer_) {
        // GLES2 copies CPU pixels into a texture when the node is made.
        auto &counters = console_.counters();
        counters.uploads++;
        counters.upload_bytes += uint64_t{frame.memory->stride()} * frame.memory->height();
    }
    mark_damaged();
    place();
    if (!was_showing && handlers_.showing_changed)
        handlers_.showing_changed();
    else if (handlers_.placed)
        handlers_.placed();
}

void ConsoleView::place()
{
    if (!frame_node_ || output_width_ <= 0 || output_height_ <= 0)
        return;
    const vmview::Frame &frame = console_.frame();
    placement_ =
        input::place_frame(frame.width, frame.height, output_width_, output_height_, scaling_);
    const base::Rect &dest = placement_.dest;
    const base::Rect &source = placement_.source;

    if (needs_cpu_scaling()) {
        show_scaled();
        return;
    }
    if (showing_scaled_) {
        compat::scene_buffer_show(&frame_node_, compat::scene_tree_parent(tree_), frame_buffer_);
        showing_scaled_ = false;
    }
    const wlr_box layout = to_layout(dest);
    wlr_scene_node_set_position(&frame_node_->node, layout.x, layout.y);
    wlr_scene_buffer_set_dest_size(frame_node_, layout.width, layout.height);
    // Only what QEMU shows of the buffer: the frame's rectangle (and, with
    // scaling "none" on a small output, the part that fits).
    const bool whole_buffer = frame.x == 0 && frame.y == 0 && source.x == 0 && source.y == 0 &&
                              static_cast<int>(frame.width) == frame_buffer_->width &&
                              static_cast<int>(frame.height) == frame_buffer_->height &&
                              source.width == static_cast<int32_t>(frame.width) &&
                              source.height == static_cast<int32_t>(frame.height);
    if (whole_buffer) {
        wlr_scene_buffer_set_source_box(frame_node_, nullptr);
    } else {
        const wlr_fbox box{static_cast<double>(frame.x) + source.x,
                           static_cast<double>(frame.y) + source.y,
                           static_cast<double>(source.width), static_cast<double>(source.height)};
        wlr_scene_buffer_set_source_box(frame_node_, &box);
    }
    const bool flipped = frame.kind == vmview::Frame::Kind::DmaBuf && frame.dmabuf->y0_top;
    wlr_scene_buffer_set_transform(frame_node_, flipped ? WL_OUTPUT_TRANSFORM_FLIPPED_180
                                                        : WL_OUTPUT_TRANSFORM_NORMAL);

    place_letterbox();
    cursor_changed(console_);
}

wlr_box ConsoleView::to_layout(const base::Rect &rect) const
{
    // Rounded at both edges, so that neighbouring rectangles meet exactly.
    const double scale = output_->scale > 0 ? output_->scale : 1.0;
    const int x = static_cast<int>(std::lround(rect.x / scale));
    const int y = static_cast<int>(std::lround(rect.y / scale));
    return wlr_box{x, y, static_cast<int>(std::lround((rect.x + rect.width) / scale)) - x,
                   static_cast<int>(std::lround((rect.y + rect.height) / scale)) - y};
}

void ConsoleView::place_letterbox()
{
    // Black bars where the frame leaves the output uncovered, never under
    // the frame: the pixman renderer of wlroots 0.15 fills a whole
    // rectangle again for each damaged region it touches (an 8 MiB memset
    // per frame for an output-sized one at 1920x1080), and a frame that
    // covers the output must be its only node for direct scan-out.
    const wlr_box dest = to_layout(placement_.dest);
    const wlr_box output = to_layout({0, 0, output_width_, output_height_});
    const int right = dest.x + dest.width, bottom = dest.y + dest.height;
    const wlr_box bars[4] = {
        {0, 0, output.width, dest.y},                       // above
        {0, bottom, output.width, output.height - bottom},  // below
        {0, dest.y, dest.x, dest.height},                   // left
        {right, dest.y, output.width - right, dest.height}, // right
    };
    for (std::size_t i = 0; i < letterbox_.size(); ++i) {
        const wlr_box &bar = bars[i];
        const bool shown = bar.width > 0 && bar.height > 0;
        wlr_scene_node_set_enabled(&letterbox_[i]->node, shown);
        if (!shown)
            continue;
        wlr_scene_node_set_position(&letterbox_[i]->node, bar.x, bar.y);
        wlr_scene_rect_set_size(letterbox_[i], bar.width, bar.height);
    }
}

bool ConsoleView::needs_cpu_scaling() const
{
    const base::Rect &dest = placement_.dest;
    const base::Rect &source = placement_.source;
    return pixman_renderer_ && (dest.width != source.width || dest.height != source.height);
}

void ConsoleView::show_scaled()
{
    const base::Rect &dest = placement_.dest;
    if (!scaled_ || scaled_->width() != static_cast<uint32_t>(dest.width) ||
        scaled_->height() != static_cast<uint32_t>(dest.height)) {
        if (scaled_buffer_)
            wlr_buffer_drop(scaled_buffer_);
        scaled_ = std::make_shared<ScaledMemory>(static_cast<uint32_t>(dest.width),
                                                 static_cast<uint32_t>(dest.height));
        scaled_buffer_ = memory_buffer_create(scaled_);
        showing_scaled_ = false;
    }
    const vmview::Frame &frame = console_.frame();
    rescale({0, 0, static_cast<int32_t>(frame.width), static_cast<int32_t>(frame.height)});
    if (!showing_scaled_) {
        compat::scene_buffer_show(&frame_node_, compat::scene_tree_parent(tree_), scaled_buffer_);
        showing_scaled_ = true;
    }
    // The scaled buffer has the frame's size in output pixels: on a scaled
    // output the scene draws it 1:1 into a node of that size in layout
    // coordinates.
    const wlr_box layout = to_layout(dest);
    wlr_scene_node_set_position(&frame_node_->node, layout.x, layout.y);
    wlr_scene_buffer_set_dest_size(frame_node_, layout.width, layout.height);
    place_letterbox();
    damage_output_dest({0, 0, dest.width, dest.height});
    cursor_changed(console_);
}

void ConsoleView::rescale(const base::Rect &frame_damage)
{
    if (!scaled_ || !frame_buffer_)
        return;
    void *data = nullptr;
    uint32_t format = 0;
    size_t stride = 0;
    if (!wlr_buffer_begin_data_ptr_access(frame_buffer_, WLR_BUFFER_DATA_PTR_ACCESS_READ, &data,
                                          &format, &stride))
        return;
    const PixelView view{static_cast<const uint8_t *>(data), format, static_cast<uint32_t>(stride),
                         static_cast<uint32_t>(frame_buffer_->width),
                         static_cast<uint32_t>(frame_buffer_->height)};
    const vmview::Frame &frame = console_.frame();
    const bool flip = frame.kind == vmview::Frame::Kind::DmaBuf && frame.dmabuf->y0_top;
    const base::Rect drawn = scale_frame(view, frame, placement_, flip, frame_damage, *scaled_);
    wlr_buffer_end_data_ptr_access(frame_buffer_);
    console_.counters().pixel_bytes_copied += uint64_t(drawn.width) * uint64_t(drawn.height) * 4;
    if (showing_scaled_)
        damage_output_dest(drawn);
}

void ConsoleView::damage_output_dest(const base::Rect &rect)
{
    wlr_scene_output *scene_output = wlr_scene_get_scene_output(scene_, output_);
    if (!scene_output || rect.width <= 0 || rect.height <= 0)
        return;
    // The scaled buffer is the destination rectangle, pixel for pixel; its
    // placement is in output pixels, which are the output buffer's own (but
    // for its rotation).
    const wlr_box in_buffer{rect.x, rect.y, rect.width, rect.height};
    wlr_box box{placement_.dest.x + rect.x, placement_.dest.y + rect.y, rect.width, rect.height};
    if (output_->transform != WL_OUTPUT_TRANSFORM_NORMAL)
        box = wlr_box{0, 0, output_->width, output_->height};
    compat::scene_buffer_damaged(frame_node_, scene_output, in_buffer, box);
}

void ConsoleView::damage_output(const base::Rect &rect)
{
    wlr_scene_output *scene_output = wlr_scene_get_scene_output(scene_, output_);
    const base::Rect &dest = placement_.dest;
    const base::Rect &source = placement_.source;
    if (!scene_output || source.width <= 0 || source.height <= 0)
        return;
    // Frame pixels to output pixels, rounded outwards.
    const double sx = static_cast<double>(dest.width) / source.width;
    const double sy = static_cast<double>(dest.height) / source.height;
    const double x0 = dest.x + (rect.x - source.x) * sx;
    const double y0 = dest.y + (rect.y - source.y) * sy;
    const double x1 = x0 + rect.width * sx, y1 = y0 + rect.height * sy;
    wlr_box box{static_cast<int>(std::floor(x0)), static_cast<int>(std::floor(y0)), 0, 0};
    box.width = static_cast<int>(std::ceil(x1)) - box.x;
    box.height = static_cast<int>(std::ceil(y1)) - box.y;
    if (output_->transform != WL_OUTPUT_TRANSFORM_NORMAL)
        box = wlr_box{0, 0, output_->width, output_->height}; // rare: repaint it all
    // The rectangle in the buffer: the frame starts at (frame.x, frame.y)
    // in it; a bottom-up DMA-BUF is damaged whole (rare).
    const vmview::Frame &frame = console_.frame();
    wlr_box in_buffer{static_cast<int>(frame.x) + rect.x, static_cast<int>(frame.y) + rect.y,
                      rect.width, rect.height};
    if (frame.kind == vmview::Frame::Kind::DmaBuf && frame.dmabuf->y0_top)
        in_buffer = wlr_box{static_cast<int>(frame.x), static_cast<int>(frame.y),
                            static_cast<int>(frame.width), static_cast<int>(frame.height)};
    compat::scene_buffer_damaged(frame_node_, scene_output, in_buffer, box);
}

void ConsoleView::frame_damaged(vmview::Console &, std::span<const base::Rect> damage)
{
    if (!frame_node_)
        return;
    const vmview::Frame &frame = console_.frame();
    if (frame.kind == vmview::Frame::Kind::Memory && !pixman_renderer_) {
        // GLES2 textures copy CPU pixels: a new node uploads the frame
        // again, once per output frame however many updates came.
        upload_pending_ = true;
        mark_damaged();
        wlr_output_schedule_frame(output_);
        return;
    }
    // pixman (CPU pixels) and GLES2 (DMA-BUF) read the buffer's memory
    // where it is: repainting the damaged part shows the new pixels.
    for (const base::Rect &rect : damage) {
        if (showing_scaled_)
            rescale(rect);
        else
            damage_output(rect);
    }
    mark_damaged();
}

void ConsoleView::mark_damaged()
{
    // The first damage after a commit starts the latency clock: later
    // messages before the next commit ride on the same output frame.
    if (!damaged_since_commit_)
        first_damage_ = std::chrono::steady_clock::now();
    damaged_since_commit_ = true;
}

void ConsoleView::before_frame()
{
    if (upload_pending_) {
        upload_pending_ = false;
        rebuild_node();
    }
}

void ConsoleView::committing(wlr_buffer *buffer)
{
    if (buffer && buffer == frame_buffer_)
        console_.counters().direct_scanouts++;
    if (damaged_since_commit_) {
        damaged_since_commit_ = false;
        auto &counters = console_.counters();
        const auto latency = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now() - first_damage_)
                                 .count();
        counters.present_latency_ns_last = static_cast<uint64_t>(latency);
        counters.present_latency_ns_max =
            std::max(counters.present_latency_ns_max, counters.present_latency_ns_last);
        counters.present_latency_ns_total += counters.present_latency_ns_last;
        counters.frames_presented++;
        console_.frame_presented();
    }
}

void ConsoleView::cursor_changed(vmview::Console &)
{
    if (!cursor_)
        return;
    const vmview::Cursor &cursor = console_.cursor();
    const bool visible = cursor.visible && cursor.pixels && frame_node_;
    // The image is set only when it changes: the guest moves its cursor far
    // more often than it redefines it.
    auto image = visible ? cursor.pixels : nullptr;
    if (image != cursor_image_) {
        compat::output_cursor_set_pixels(
            cursor_, image ? reinterpret_cast<const uint8_t *>(image->data()) : nullptr,
            cursor.width * 4, cursor.width, cursor.height, cursor.hot_x, cursor.hot_y);
        cursor_image_ = std::move(image);
    }
    if (!visible)
        return;
    // The guest's position is in frame pixels: place it where the frame is.
    const base::Rect &dest = placement_.dest;
    const base::Rect &source = placement_.source;
    if (source.width <= 0 || source.height <= 0)
        return;
    const double x =
        dest.x + (cursor.x - source.x) * static_cast<double>(dest.width) / source.width;
    const double y =
        dest.y + (cursor.y - source.y) * static_cast<double>(dest.height) / source.height;
    // wlroots takes the position in layout units and scales it itself.
    const double scale = output_->scale > 0 ? output_->scale : 1.0;
    wlr_output_cursor_move(cursor_, x / scale, y / scale);
}

} // namespace phyllome
