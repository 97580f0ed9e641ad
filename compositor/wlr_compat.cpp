#include "compositor/wlr_compat.hpp"

namespace phyllome::compat {

wlr_backend *headless_backend_create(wl_display *display)
{
    return wlr_headless_backend_create(display);
}

wlr_backend *backend_autocreate(wl_display *display, wlr_session **session)
{
    wlr_backend *backend = wlr_backend_autocreate(display);
    if (session)
        *session = backend ? wlr_backend_get_session(backend) : nullptr;
    return backend;
}

wlr_compositor *compositor_create(wl_display *display, wlr_renderer *renderer)
{
    return wlr_compositor_create(display, renderer);
}

wlr_output_layout *output_layout_create(wl_display *)
{
    return wlr_output_layout_create();
}

wlr_box output_layout_box(wlr_output_layout *layout, wlr_output *output)
{
    const wlr_box *box = wlr_output_layout_get_box(layout, output);
    return box ? *box : wlr_box{};
}

SceneParent *scene_root(wlr_scene *scene)
{
    return &scene->node;
}
SceneParent *scene_tree_parent(wlr_scene_tree *tree)
{
    return &tree->node;
}
wlr_scene_node *scene_tree_node(wlr_scene_tree *tree)
{
    return &tree->node;
}

wlr_scene_rect *scene_rect_create(SceneParent *parent, int width, int height, const float color[4])
{
    return wlr_scene_rect_create(parent, width, height, color);
}

void scene_rect_set_color(wlr_scene_rect *rect, const float color[4])
{
    wlr_scene_rect_set_color(rect, color);
}

void scene_buffer_show(wlr_scene_buffer **node, SceneParent *parent, wlr_buffer *buffer)
{
    int x = 0, y = 0;
    bool enabled = true;
    if (*node) {
        x = (*node)->node.state.x;
        y = (*node)->node.state.y;
        enabled = (*node)->node.state.enabled;
        wlr_scene_node_destroy(&(*node)->node);
    }
    *node = wlr_scene_buffer_create(parent, buffer);
    if (*node) {
        wlr_scene_node_set_position(&(*node)->node, x, y);
        wlr_scene_node_set_enabled(&(*node)->node, enabled);
    }
}

void scene_output_add_damage(wlr_scene_output *scene_output, const wlr_box &box)
{
    wlr_box damage = box;
    wlr_output_damage_add_box(scene_output->damage, &damage);
}

wlr_buffer *precommit_buffer(wlr_output *output, void *)
{
    return (output->pending.committed & WLR_OUTPUT_STATE_BUFFER) ? output->pending.buffer : nullptr;
}

bool scene_output_commit(wlr_scene_output *scene_output)
{
    return wlr_scene_output_commit(scene_output);
}

bool scene_output_needs_frame(wlr_scene_output *scene_output)
{
    return scene_output->output->needs_frame ||
           pixman_region32_not_empty(&scene_output->damage->current);
}

void scene_attach_output_layout(wlr_scene *scene, wlr_output_layout *layout)
{
    wlr_scene_attach_output_layout(scene, layout);
}

wlr_scene_output *scene_output_for(wlr_scene *scene, wlr_output *output)
{
    return wlr_scene_get_scene_output(scene, output);
}

namespace {

// wlr_output_test of the pending state, as the backend's commit will judge
// it. 0.15's headless backend has no test hook, so wlr_output_test passes
// anything; its commit accepts only a buffer, a mode, and the optional
// fields (scale, transform, damage; WLR_OUTPUT_STATE_BACKEND_OPTIONAL of
// interfaces/wlr_output.h). 0.17's headless backend can switch outputs
// off (still without a test hook): widen this then.
bool output_test(wlr_output *output, std::string *why)
{
    constexpr uint32_t kHeadlessSupports =
        WLR_OUTPUT_STATE_BUFFER | WLR_OUTPUT_STATE_MODE | WLR_OUTPUT_STATE_DAMAGE |
        WLR_OUTPUT_STATE_SCALE | WLR_OUTPUT_STATE_TRANSFORM | WLR_OUTPUT_STATE_RENDER_FORMAT |
        WLR_OUTPUT_STATE_ADAPTIVE_SYNC_ENABLED;
    if (wlr_output_is_headless(output) && (output->pending.committed & ~kHeadlessSupports)) {
        if (why)
            *why = (output->pending.committed & WLR_OUTPUT_STATE_ENABLED)
                       ? "wlroots 0.15's headless backend cannot switch an output off"
                       : "wlroots 0.15's headless backend cannot change that";
        return false;
    }
    if (!wlr_output_test(output)) {
        if (why)
            *why = "the backend refuses it (mode, scale or transform not supported)";
        return false;
    }
    return true;
}

} // namespace

bool output_apply(wlr_output *output, const OutputState &state, bool test_only, std::string *why)
{
    wlr_output_enable(output, state.enabled);
    if (state.enabled) {
        if (state.mode)
            wlr_output_set_mode(output, state.mode);
        else if (state.custom_mode)
            wlr_output_set_custom_mode(output, state.custom_mode->width, state.custom_mode->height,
                                       state.custom_mode->refresh_mhz);
        wlr_output_set_transform(output, state.transform);
        wlr_output_set_scale(output, state.scale);
    }
    const bool passed = output_test(output, why);
    if (test_only || !passed) {
        wlr_output_rollback(output);
        return passed;
    }
    if (!wlr_output_commit(output)) {
        if (why)
            *why = "the backend refused the commit";
        wlr_output_rollback(output);
        return false;
    }
    return true;
}

bool output_enable_preferred(wlr_output *output)
{
    OutputState state;
    if (wl_list_empty(&output->modes))
        return output_apply(output, state, false);

    state.mode = wlr_output_preferred_mode(output);
    if (state.mode && output_apply(output, state, false))
        return true;
    // The preferred mode can fail (bandwidth, a bad EDID): try the others.
    wlr_output_mode *mode;
    wl_list_for_each(mode, &output->modes, link)
    {
        state.mode = mode;
        if (output_apply(output, state, false))
            return true;
    }
    return false;
}

std::string output_make(const wlr_output *output)
{
    return output->make;
}
std::string output_model(const wlr_output *output)
{
    return output->model;
}
std::string output_serial(const wlr_output *output)
{
    return output->serial;
}

wlr_keyboard *keyboard_of(wlr_input_device *device)
{
    return device->type == WLR_INPUT_DEVICE_KEYBOARD ? device->keyboard : nullptr;
}

wlr_pointer *pointer_of(wlr_input_device *device)
{
    return device->type == WLR_INPUT_DEVICE_POINTER ? device->pointer : nullptr;
}

wlr_touch *touch_of(wlr_input_device *device)
{
    return device->type == WLR_INPUT_DEVICE_TOUCH ? device->touch : nullptr;
}

wlr_tablet *tablet_of(wlr_input_device *device)
{
    return device->type == WLR_INPUT_DEVICE_TABLET_TOOL ? device->tablet : nullptr;
}

unsigned device_vendor(const wlr_input_device *device)
{
    return device->vendor;
}
unsigned device_product(const wlr_input_device *device)
{
    return device->product;
}

void output_cursor_set_pixels(wlr_output_cursor *cursor, const uint8_t *pixels, int stride,
                              int width, int height, int hot_x, int hot_y)
{
    if (!pixels) {
        wlr_output_cursor_set_image(cursor, nullptr, 0, 0, 0, 0, 0);
        return;
    }
    wlr_output_cursor_set_image(cursor, pixels, stride, static_cast<uint32_t>(width),
                                static_cast<uint32_t>(height), hot_x, hot_y);
}

} // namespace phyllome::compat
