// The seam for wlroots 0.15 (Debian 12).
#include "compositor/wlr_compat.hpp"

#include <cstdlib>
#include <cstring>

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

namespace {

void scene_output_add_damage(wlr_scene_output *scene_output, const wlr_box &box)
{
    wlr_box damage = box;
    wlr_output_damage_add_box(scene_output->damage, &damage);
}

} // namespace

void scene_buffer_damaged(wlr_scene_buffer *, wlr_scene_output *scene_output, const wlr_box &,
                          const wlr_box &output_box)
{
    if (scene_output)
        scene_output_add_damage(scene_output, output_box);
}

OutputSignals::OutputSignals(wlr_output *output, Handlers handlers)
    : output_(output), handlers_(std::move(handlers))
{
    precommit_.connect(&output_->events.precommit, [this](void *) {
        const bool with_buffer = output_->pending.committed & WLR_OUTPUT_STATE_BUFFER;
        handlers_.precommit(with_buffer ? output_->pending.buffer : nullptr);
    });
    commit_.connect(&output_->events.commit, [this](void *data) {
        const auto *event = static_cast<const wlr_output_event_commit *>(data);
        handlers_.committed(event->committed & WLR_OUTPUT_STATE_BUFFER);
    });
    // Also emitted outside commits: a nested window resized by the user.
    mode_.connect(&output_->events.mode, [this](void *) { handlers_.mode_changed(); });
}

void scene_destroy(wlr_scene *scene)
{
    wlr_scene_node_destroy(&scene->node);
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

SceneLayout *scene_attach_output_layout(wlr_scene *scene, wlr_output_layout *layout)
{
    wlr_scene_attach_output_layout(scene, layout);
    return nullptr;
}

void output_layout_add(wlr_output_layout *layout, wlr_scene *, SceneLayout *, wlr_output *output,
                       std::optional<LayoutPosition> position)
{
    if (position)
        wlr_output_layout_add(layout, output, position->x, position->y);
    else
        wlr_output_layout_add_auto(layout, output);
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

void name_headless_output(wlr_output *, unsigned)
{
}

void output_create_global(wlr_output *, wl_display *)
{
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

std::optional<InputDeviceKind> device_kind(const wlr_input_device *device)
{
    switch (device->type) {
    case WLR_INPUT_DEVICE_KEYBOARD:
        return InputDeviceKind::Keyboard;
    case WLR_INPUT_DEVICE_POINTER:
        return InputDeviceKind::Pointer;
    case WLR_INPUT_DEVICE_TOUCH:
        return InputDeviceKind::Touch;
    case WLR_INPUT_DEVICE_TABLET_TOOL:
        return InputDeviceKind::Tablet;
    default:
        return std::nullopt;
    }
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

const char *device_output_name(wlr_input_device *device)
{
    return device->output_name;
}

KeyEvent key_event(const void *data)
{
    const auto &event = *static_cast<const wlr_event_keyboard_key *>(data);
    return {event.keycode, event.state == WL_KEYBOARD_KEY_STATE_PRESSED};
}

PointerMotionEvent motion_event(const void *data)
{
    const auto &event = *static_cast<const wlr_event_pointer_motion *>(data);
    return {event.delta_x, event.delta_y, event.unaccel_dx, event.unaccel_dy};
}

AbsolutePosition absolute_event(const void *data)
{
    const auto &event = *static_cast<const wlr_event_pointer_motion_absolute *>(data);
    return {event.x, event.y};
}

ButtonEvent button_event(const void *data)
{
    const auto &event = *static_cast<const wlr_event_pointer_button *>(data);
    return {event.button, event.state == WLR_BUTTON_PRESSED};
}

ScrollEvent scroll_event(const void *data)
{
    const auto &event = *static_cast<const wlr_event_pointer_axis *>(data);
    ScrollEvent scroll;
    scroll.axis = event.orientation == WLR_AXIS_ORIENTATION_HORIZONTAL
                      ? input::ScrollAxis::Horizontal
                      : input::ScrollAxis::Vertical;
    // 0.15 gives wheels in whole detents.
    if (event.source == WLR_AXIS_SOURCE_WHEEL && event.delta_discrete != 0) {
        scroll.unit = input::ScrollUnit::V120;
        scroll.value = event.delta_discrete * 120.0;
    } else {
        scroll.unit = input::ScrollUnit::Pixels;
        scroll.value = event.delta;
    }
    return scroll;
}

TouchEvent touch_down_event(const void *data)
{
    const auto &event = *static_cast<const wlr_event_touch_down *>(data);
    return {event.touch_id, event.x, event.y};
}

TouchEvent touch_motion_event(const void *data)
{
    const auto &event = *static_cast<const wlr_event_touch_motion *>(data);
    return {event.touch_id, event.x, event.y};
}

int32_t touch_up_id(const void *data)
{
    return static_cast<const wlr_event_touch_up *>(data)->touch_id;
}

int32_t touch_cancel_id(const void *data)
{
    return static_cast<const wlr_event_touch_cancel *>(data)->touch_id;
}

TabletAxisEvent tablet_axis_event(const void *data)
{
    const auto &event = *static_cast<const wlr_event_tablet_tool_axis *>(data);
    return {(event.updated_axes & WLR_TABLET_TOOL_AXIS_X) != 0,
            (event.updated_axes & WLR_TABLET_TOOL_AXIS_Y) != 0, event.x, event.y};
}

TabletToolEvent tablet_proximity_event(const void *data)
{
    const auto &event = *static_cast<const wlr_event_tablet_tool_proximity *>(data);
    return {event.state == WLR_TABLET_TOOL_PROXIMITY_IN, event.x, event.y};
}

TabletToolEvent tablet_tip_event(const void *data)
{
    const auto &event = *static_cast<const wlr_event_tablet_tool_tip *>(data);
    return {event.state == WLR_TABLET_TOOL_TIP_DOWN, event.x, event.y};
}

ButtonEvent tablet_button_event(const void *data)
{
    const auto &event = *static_cast<const wlr_event_tablet_tool_button *>(data);
    return {event.button, event.state == WLR_BUTTON_PRESSED};
}

wlr_input_device *make_input_device(wlr_backend *backend, InputDeviceKind kind, const char *name)
{
    wlr_input_device_type type = WLR_INPUT_DEVICE_KEYBOARD;
    switch (kind) {
    case InputDeviceKind::Keyboard:
        type = WLR_INPUT_DEVICE_KEYBOARD;
        break;
    case InputDeviceKind::Pointer:
        type = WLR_INPUT_DEVICE_POINTER;
        break;
    case InputDeviceKind::Touch:
        type = WLR_INPUT_DEVICE_TOUCH;
        break;
    case InputDeviceKind::Tablet:
        type = WLR_INPUT_DEVICE_TABLET_TOOL;
        break;
    }
    wlr_input_device *device = wlr_headless_add_input_device(backend, type);
    if (!device)
        return nullptr;
    // Headless devices are all "headless"; on a real PC this is libinput's.
    free(device->name);
    device->name = strdup(name);
    return device;
}

void destroy_input_device(wlr_input_device *device)
{
    wlr_input_device_destroy(device);
}

void emit_key(wlr_input_device *keyboard, const KeyEvent &event)
{
    wlr_event_keyboard_key key{};
    key.keycode = event.keycode;
    key.update_state = true;
    key.state = event.pressed ? WL_KEYBOARD_KEY_STATE_PRESSED : WL_KEYBOARD_KEY_STATE_RELEASED;
    wlr_keyboard_notify_key(keyboard_of(keyboard), &key);
}

void emit_motion(wlr_input_device *pointer, const PointerMotionEvent &event)
{
    wlr_event_pointer_motion motion{};
    motion.device = pointer;
    motion.delta_x = event.dx;
    motion.delta_y = event.dy;
    motion.unaccel_dx = event.unaccel_dx;
    motion.unaccel_dy = event.unaccel_dy;
    wl_signal_emit(&pointer_of(pointer)->events.motion, &motion);
}

void emit_absolute(wlr_input_device *pointer, const AbsolutePosition &event)
{
    wlr_event_pointer_motion_absolute motion{};
    motion.device = pointer;
    motion.x = event.x;
    motion.y = event.y;
    wl_signal_emit(&pointer_of(pointer)->events.motion_absolute, &motion);
}

void emit_button(wlr_input_device *pointer, const ButtonEvent &event)
{
    wlr_event_pointer_button button{};
    button.device = pointer;
    button.button = event.button;
    button.state = event.pressed ? WLR_BUTTON_PRESSED : WLR_BUTTON_RELEASED;
    wl_signal_emit(&pointer_of(pointer)->events.button, &button);
}

void emit_scroll(wlr_input_device *pointer, const ScrollEvent &event)
{
    wlr_event_pointer_axis axis{};
    axis.device = pointer;
    axis.orientation = event.axis == input::ScrollAxis::Horizontal ? WLR_AXIS_ORIENTATION_HORIZONTAL
                                                                   : WLR_AXIS_ORIENTATION_VERTICAL;
    if (event.unit == input::ScrollUnit::V120) {
        // 0.15 knows whole detents only; libinput's legacy 15 px each.
        axis.source = WLR_AXIS_SOURCE_WHEEL;
        axis.delta_discrete = static_cast<int32_t>(event.value / 120.0);
        axis.delta = 15.0 * event.value / 120.0;
    } else {
        axis.source = WLR_AXIS_SOURCE_FINGER;
        axis.delta = event.value;
    }
    wl_signal_emit(&pointer_of(pointer)->events.axis, &axis);
}

void emit_touch_down(wlr_input_device *touch, const TouchEvent &event)
{
    wlr_event_touch_down down{};
    down.device = touch;
    down.touch_id = event.id;
    down.x = event.x;
    down.y = event.y;
    wl_signal_emit(&touch_of(touch)->events.down, &down);
}

void emit_touch_motion(wlr_input_device *touch, const TouchEvent &event)
{
    wlr_event_touch_motion motion{};
    motion.device = touch;
    motion.touch_id = event.id;
    motion.x = event.x;
    motion.y = event.y;
    wl_signal_emit(&touch_of(touch)->events.motion, &motion);
}

void emit_touch_up(wlr_input_device *touch, int32_t id)
{
    wlr_event_touch_up up{};
    up.device = touch;
    up.touch_id = id;
    wl_signal_emit(&touch_of(touch)->events.up, &up);
}

void emit_tablet_axis(wlr_input_device *tablet, const TabletAxisEvent &event)
{
    wlr_event_tablet_tool_axis axis{};
    axis.device = tablet;
    axis.updated_axes = (event.has_x ? uint32_t{WLR_TABLET_TOOL_AXIS_X} : 0u) |
                        (event.has_y ? uint32_t{WLR_TABLET_TOOL_AXIS_Y} : 0u);
    axis.x = event.x;
    axis.y = event.y;
    wl_signal_emit(&tablet_of(tablet)->events.axis, &axis);
}

void emit_tablet_proximity(wlr_input_device *tablet, const TabletToolEvent &event)
{
    wlr_event_tablet_tool_proximity proximity{};
    proximity.device = tablet;
    proximity.x = event.x;
    proximity.y = event.y;
    proximity.state = event.active ? WLR_TABLET_TOOL_PROXIMITY_IN : WLR_TABLET_TOOL_PROXIMITY_OUT;
    wl_signal_emit(&tablet_of(tablet)->events.proximity, &proximity);
}

void emit_tablet_tip(wlr_input_device *tablet, const TabletToolEvent &event)
{
    wlr_event_tablet_tool_tip tip{};
    tip.device = tablet;
    tip.x = event.x;
    tip.y = event.y;
    tip.state = event.active ? WLR_TABLET_TOOL_TIP_DOWN : WLR_TABLET_TOOL_TIP_UP;
    wl_signal_emit(&tablet_of(tablet)->events.tip, &tip);
}

void emit_tablet_button(wlr_input_device *tablet, const ButtonEvent &event)
{
    wlr_event_tablet_tool_button button{};
    button.device = tablet;
    button.button = event.button;
    button.state = event.pressed ? WLR_BUTTON_PRESSED : WLR_BUTTON_RELEASED;
    wl_signal_emit(&tablet_of(tablet)->events.button, &button);
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
