// The seam for wlroots 0.18 and newer (Debian 13: 0.18, Fedora: 0.19 and
// newer, Debian testing: 0.20).
#include "compositor/wlr_compat.hpp"

#include <cstring>
#include <vector>

namespace phyllome::compat {

wlr_backend *headless_backend_create(wl_display *display)
{
    return wlr_headless_backend_create(wl_display_get_event_loop(display));
}

wlr_backend *backend_autocreate(wl_display *display, wlr_session **session)
{
    return wlr_backend_autocreate(wl_display_get_event_loop(display), session);
}

wlr_compositor *compositor_create(wl_display *display, wlr_renderer *renderer)
{
    constexpr uint32_t kCompositorVersion = 6; // wlroots 0.18's highest
    return wlr_compositor_create(display, kCompositorVersion, renderer);
}

wlr_output_layout *output_layout_create(wl_display *display)
{
    return wlr_output_layout_create(display);
}

wlr_box output_layout_box(wlr_output_layout *layout, wlr_output *output)
{
    wlr_box box{};
    wlr_output_layout_get_box(layout, output, &box); // empty if not in the layout
    return box;
}

namespace {

// A cursor image: ARGB8888 pixels copied from the guest's cursor (at most a
// few KiB, set only when the guest defines a new one).
struct CursorBuffer {
    wlr_buffer base; // first: wlroots hands us &base
    std::vector<uint8_t> pixels;
    size_t stride = 0;
};

CursorBuffer *cursor_from_wlr(wlr_buffer *buffer)
{
    CursorBuffer *self = wl_container_of(buffer, self, base);
    return self;
}

const wlr_buffer_impl kCursorImpl = {
    .destroy = [](wlr_buffer *buffer) { delete cursor_from_wlr(buffer); },
    .get_dmabuf = nullptr,
    .get_shm = nullptr,
    .begin_data_ptr_access =
        [](wlr_buffer *buffer, uint32_t, void **data, uint32_t *format, size_t *stride) {
            CursorBuffer *self = cursor_from_wlr(buffer);
            *data = self->pixels.data();
            *format = DRM_FORMAT_ARGB8888;
            *stride = self->stride;
            return true;
        },
    .end_data_ptr_access = [](wlr_buffer *) {},
};

} // namespace

void output_cursor_set_pixels(wlr_output_cursor *cursor, const uint8_t *pixels, int stride,
                              int width, int height, int hot_x, int hot_y)
{
    if (!pixels || width <= 0 || height <= 0 || stride < width * 4) {
        wlr_output_cursor_set_buffer(cursor, nullptr, 0, 0);
        return;
    }
    auto *buffer = new CursorBuffer;
    buffer->stride = static_cast<size_t>(stride);
    buffer->pixels.assign(pixels,
                          pixels + static_cast<size_t>(stride) * static_cast<size_t>(height));
    wlr_buffer_init(&buffer->base, &kCursorImpl, width, height);
    wlr_output_cursor_set_buffer(cursor, &buffer->base, hot_x, hot_y);
    wlr_buffer_drop(&buffer->base); // the cursor keeps what it needs
}

SceneParent *scene_root(wlr_scene *scene)
{
    return &scene->tree;
}
SceneParent *scene_tree_parent(wlr_scene_tree *tree)
{
    return tree;
}
wlr_scene_node *scene_tree_node(wlr_scene_tree *tree)
{
    return &tree->node;
}

void scene_buffer_show(wlr_scene_buffer **node, SceneParent *parent, wlr_buffer *buffer)
{
    if (*node)
        wlr_scene_buffer_set_buffer(*node, buffer);
    else
        *node = wlr_scene_buffer_create(parent, buffer);
}

void scene_buffer_damaged(wlr_scene_buffer *node, wlr_scene_output *, const wlr_box &buffer_rect,
                          const wlr_box &)
{
    if (!node || !node->buffer)
        return;
    pixman_region32_t damage;
    pixman_region32_init_rect(&damage, buffer_rect.x, buffer_rect.y,
                              static_cast<unsigned>(buffer_rect.width),
                              static_cast<unsigned>(buffer_rect.height));
    // The same buffer again: the scene repaints only what the damage covers.
    wlr_scene_buffer_set_buffer_with_damage(node, node->buffer, &damage);
    pixman_region32_fini(&damage);
}

OutputSignals::OutputSignals(wlr_output *output, Handlers handlers)
    : output_(output), handlers_(std::move(handlers))
{
    precommit_.connect(&output_->events.precommit, [this](void *data) {
        const wlr_output_state *state = static_cast<wlr_output_event_precommit *>(data)->state;
        handlers_.precommit((state->committed & WLR_OUTPUT_STATE_BUFFER) ? state->buffer : nullptr);
    });
    commit_.connect(&output_->events.commit, [this](void *data) {
        const wlr_output_state *state = static_cast<wlr_output_event_commit *>(data)->state;
        handlers_.committed(state->committed & WLR_OUTPUT_STATE_BUFFER);
        if (state->committed & WLR_OUTPUT_STATE_MODE)
            handlers_.mode_changed();
    });
    // A nested window the user resized (or a backend that wants another
    // mode): what it asks for is what the window is, so it is granted.
    request_state_.connect(&output_->events.request_state, [this](void *data) {
        const auto *event = static_cast<wlr_output_event_request_state *>(data);
        wlr_output_commit_state(output_, event->state);
    });
}

void scene_destroy(wlr_scene *scene)
{
    wlr_scene_node_destroy(&scene->tree.node);
}

bool scene_output_commit(wlr_scene_output *scene_output)
{
    return wlr_scene_output_commit(scene_output, nullptr);
}

bool scene_output_needs_frame(wlr_scene_output *scene_output)
{
#if WLR_VERSION_MINOR >= 19
    return wlr_scene_output_needs_frame(scene_output);
#else
    // What 0.18's wlr_scene_output_commit checks first, before 0.19 named it.
    return scene_output->output->needs_frame ||
           pixman_region32_not_empty(&scene_output->pending_commit_damage);
#endif
}

SceneLayout *scene_attach_output_layout(wlr_scene *scene, wlr_output_layout *layout)
{
    return wlr_scene_attach_output_layout(scene, layout);
}

void output_layout_add(wlr_output_layout *layout, wlr_scene *scene, SceneLayout *scene_layout,
                       wlr_output *output, std::optional<LayoutPosition> position)
{
    // The scene output first: placing the output in the layout signals a
    // change, whose handlers look for it.
    wlr_scene_output *scene_output = wlr_scene_get_scene_output(scene, output);
    if (!scene_output)
        scene_output = wlr_scene_output_create(scene, output);
    const bool placed_before = wlr_output_layout_get(layout, output) != nullptr;
    wlr_output_layout_output *placed =
        position ? wlr_output_layout_add(layout, output, position->x, position->y)
                 : wlr_output_layout_add_auto(layout, output);
    // Linked once: the link follows the entry's moves and ends with it.
    if (scene_output && placed && !placed_before)
        wlr_scene_output_layout_add_output(scene_layout, placed, scene_output);
}

bool output_apply(wlr_output *output, const OutputState &state, bool test_only, std::string *why)
{
    wlr_output_state pending;
    wlr_output_state_init(&pending);
    wlr_output_state_set_enabled(&pending, state.enabled);
    if (state.enabled) {
        if (state.mode)
            wlr_output_state_set_mode(&pending, state.mode);
        else if (state.custom_mode)
            wlr_output_state_set_custom_mode(&pending, state.custom_mode->width,
                                             state.custom_mode->height,
                                             state.custom_mode->refresh_mhz);
        wlr_output_state_set_transform(&pending, state.transform);
        wlr_output_state_set_scale(&pending, state.scale);
    }
    bool applied = wlr_output_test_state(output, &pending);
    if (!applied) {
        if (why)
            *why = "the backend refuses it (mode, scale or transform not supported)";
    } else if (!test_only && !wlr_output_commit_state(output, &pending)) {
        if (why)
            *why = "the backend refused the commit";
        applied = false;
    }
    wlr_output_state_finish(&pending);
    return applied;
}

void name_headless_output(wlr_output *output, unsigned number)
{
    if (wlr_output_is_headless(output))
        wlr_output_set_name(output, ("HEADLESS-" + std::to_string(number)).c_str());
}

void output_create_global(wlr_output *output, wl_display *display)
{
    wlr_output_create_global(output, display);
}

std::string output_make(const wlr_output *output)
{
    return output->make ? output->make : "";
}
std::string output_model(const wlr_output *output)
{
    return output->model ? output->model : "";
}
std::string output_serial(const wlr_output *output)
{
    return output->serial ? output->serial : "";
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
    case WLR_INPUT_DEVICE_TABLET:
        return InputDeviceKind::Tablet;
    default:
        return std::nullopt;
    }
}

wlr_keyboard *keyboard_of(wlr_input_device *device)
{
    return device->type == WLR_INPUT_DEVICE_KEYBOARD ? wlr_keyboard_from_input_device(device)
                                                     : nullptr;
}

wlr_pointer *pointer_of(wlr_input_device *device)
{
    return device->type == WLR_INPUT_DEVICE_POINTER ? wlr_pointer_from_input_device(device)
                                                    : nullptr;
}

wlr_touch *touch_of(wlr_input_device *device)
{
    return device->type == WLR_INPUT_DEVICE_TOUCH ? wlr_touch_from_input_device(device) : nullptr;
}

wlr_tablet *tablet_of(wlr_input_device *device)
{
    return device->type == WLR_INPUT_DEVICE_TABLET ? wlr_tablet_from_input_device(device) : nullptr;
}

const char *device_output_name(wlr_input_device *device)
{
    if (wlr_pointer *pointer = pointer_of(device))
        return pointer->output_name;
    if (wlr_touch *touch = touch_of(device))
        return touch->output_name;
    return nullptr;
}

KeyEvent key_event(const void *data)
{
    const auto &event = *static_cast<const wlr_keyboard_key_event *>(data);
    return {event.keycode, event.state == WL_KEYBOARD_KEY_STATE_PRESSED};
}

PointerMotionEvent motion_event(const void *data)
{
    const auto &event = *static_cast<const wlr_pointer_motion_event *>(data);
    return {event.delta_x, event.delta_y, event.unaccel_dx, event.unaccel_dy};
}

AbsolutePosition absolute_event(const void *data)
{
    const auto &event = *static_cast<const wlr_pointer_motion_absolute_event *>(data);
    return {event.x, event.y};
}

ButtonEvent button_event(const void *data)
{
    const auto &event = *static_cast<const wlr_pointer_button_event *>(data);
    return {event.button, event.state == WL_POINTER_BUTTON_STATE_PRESSED};
}

ScrollEvent scroll_event(const void *data)
{
    const auto &event = *static_cast<const wlr_pointer_axis_event *>(data);
    ScrollEvent scroll;
    scroll.axis = event.orientation == WL_POINTER_AXIS_HORIZONTAL_SCROLL
                      ? input::ScrollAxis::Horizontal
                      : input::ScrollAxis::Vertical;
    // From 0.16 a wheel's delta_discrete is in 120ths of a detent.
    if (event.source == WL_POINTER_AXIS_SOURCE_WHEEL && event.delta_discrete != 0) {
        scroll.unit = input::ScrollUnit::V120;
        scroll.value = event.delta_discrete;
    } else {
        scroll.unit = input::ScrollUnit::Pixels;
        scroll.value = event.delta;
    }
    return scroll;
}

TouchEvent touch_down_event(const void *data)
{
    const auto &event = *static_cast<const wlr_touch_down_event *>(data);
    return {event.touch_id, event.x, event.y};
}

TouchEvent touch_motion_event(const void *data)
{
    const auto &event = *static_cast<const wlr_touch_motion_event *>(data);
    return {event.touch_id, event.x, event.y};
}

int32_t touch_up_id(const void *data)
{
    return static_cast<const wlr_touch_up_event *>(data)->touch_id;
}

int32_t touch_cancel_id(const void *data)
{
    return static_cast<const wlr_touch_cancel_event *>(data)->touch_id;
}

TabletAxisEvent tablet_axis_event(const void *data)
{
    const auto &event = *static_cast<const wlr_tablet_tool_axis_event *>(data);
    return {(event.updated_axes & WLR_TABLET_TOOL_AXIS_X) != 0,
            (event.updated_axes & WLR_TABLET_TOOL_AXIS_Y) != 0, event.x, event.y};
}

TabletToolEvent tablet_proximity_event(const void *data)
{
    const auto &event = *static_cast<const wlr_tablet_tool_proximity_event *>(data);
    return {event.state == WLR_TABLET_TOOL_PROXIMITY_IN, event.x, event.y};
}

TabletToolEvent tablet_tip_event(const void *data)
{
    const auto &event = *static_cast<const wlr_tablet_tool_tip_event *>(data);
    return {event.state == WLR_TABLET_TOOL_TIP_DOWN, event.x, event.y};
}

ButtonEvent tablet_button_event(const void *data)
{
    const auto &event = *static_cast<const wlr_tablet_tool_button_event *>(data);
    return {event.button, event.state == WLR_BUTTON_PRESSED};
}

namespace {

// Devices made here belong to no backend: their impl only names them.
const wlr_keyboard_impl kKeyboardImpl = {.name = "phyllome-keyboard", .led_update = nullptr};
const wlr_pointer_impl kPointerImpl = {.name = "phyllome-pointer"};
const wlr_touch_impl kTouchImpl = {.name = "phyllome-touch"};
const wlr_tablet_impl kTabletImpl = {.name = "phyllome-tablet"};

} // namespace

wlr_input_device *make_input_device(wlr_backend *backend, InputDeviceKind kind, const char *name)
{
    wlr_input_device *device = nullptr;
    switch (kind) {
    case InputDeviceKind::Keyboard: {
        auto *keyboard = new wlr_keyboard{};
        wlr_keyboard_init(keyboard, &kKeyboardImpl, name);
        device = &keyboard->base;
        break;
    }
    case InputDeviceKind::Pointer: {
        auto *pointer = new wlr_pointer{};
        wlr_pointer_init(pointer, &kPointerImpl, name);
        device = &pointer->base;
        break;
    }
    case InputDeviceKind::Touch: {
        auto *touch = new wlr_touch{};
        wlr_touch_init(touch, &kTouchImpl, name);
        device = &touch->base;
        break;
    }
    case InputDeviceKind::Tablet: {
        auto *tablet = new wlr_tablet{};
        wlr_tablet_init(tablet, &kTabletImpl, name);
        device = &tablet->base;
        break;
    }
    }
    wl_signal_emit_mutable(&backend->events.new_input, device);
    return device;
}

void destroy_input_device(wlr_input_device *device)
{
    // Finishing a device emits its destroy signal.
    switch (device->type) {
    case WLR_INPUT_DEVICE_KEYBOARD: {
        wlr_keyboard *keyboard = wlr_keyboard_from_input_device(device);
        wlr_keyboard_finish(keyboard);
        delete keyboard;
        break;
    }
    case WLR_INPUT_DEVICE_POINTER: {
        wlr_pointer *pointer = wlr_pointer_from_input_device(device);
        wlr_pointer_finish(pointer);
        delete pointer;
        break;
    }
    case WLR_INPUT_DEVICE_TOUCH: {
        wlr_touch *touch = wlr_touch_from_input_device(device);
        wlr_touch_finish(touch);
        delete touch;
        break;
    }
    case WLR_INPUT_DEVICE_TABLET: {
        wlr_tablet *tablet = wlr_tablet_from_input_device(device);
        wlr_tablet_finish(tablet);
        delete tablet;
        break;
    }
    default:
        break;
    }
}

void emit_key(wlr_input_device *keyboard, const KeyEvent &event)
{
    wlr_keyboard_key_event key{};
    key.keycode = event.keycode;
    key.update_state = true;
    key.state = event.pressed ? WL_KEYBOARD_KEY_STATE_PRESSED : WL_KEYBOARD_KEY_STATE_RELEASED;
    wlr_keyboard_notify_key(keyboard_of(keyboard), &key);
}

void emit_motion(wlr_input_device *pointer, const PointerMotionEvent &event)
{
    wlr_pointer_motion_event motion{};
    motion.pointer = pointer_of(pointer);
    motion.delta_x = event.dx;
    motion.delta_y = event.dy;
    motion.unaccel_dx = event.unaccel_dx;
    motion.unaccel_dy = event.unaccel_dy;
    wl_signal_emit_mutable(&motion.pointer->events.motion, &motion);
}

void emit_absolute(wlr_input_device *pointer, const AbsolutePosition &event)
{
    wlr_pointer_motion_absolute_event motion{};
    motion.pointer = pointer_of(pointer);
    motion.x = event.x;
    motion.y = event.y;
    wl_signal_emit_mutable(&motion.pointer->events.motion_absolute, &motion);
}

void emit_button(wlr_input_device *pointer, const ButtonEvent &event)
{
    wlr_pointer_button_event button{};
    button.pointer = pointer_of(pointer);
    button.button = event.button;
    button.state =
        event.pressed ? WL_POINTER_BUTTON_STATE_PRESSED : WL_POINTER_BUTTON_STATE_RELEASED;
    wl_signal_emit_mutable(&button.pointer->events.button, &button);
}

void emit_scroll(wlr_input_device *pointer, const ScrollEvent &event)
{
    wlr_pointer_axis_event axis{};
    axis.pointer = pointer_of(pointer);
    axis.orientation = event.axis == input::ScrollAxis::Horizontal
                           ? WL_POINTER_AXIS_HORIZONTAL_SCROLL
                           : WL_POINTER_AXIS_VERTICAL_SCROLL;
    if (event.unit == input::ScrollUnit::V120) {
        axis.source = WL_POINTER_AXIS_SOURCE_WHEEL;
        axis.delta_discrete = static_cast<int32_t>(event.value);
        axis.delta = 15.0 * event.value / 120.0; // libinput's legacy 15 px a detent
    } else {
        axis.source = WL_POINTER_AXIS_SOURCE_FINGER;
        axis.delta = event.value;
    }
    wl_signal_emit_mutable(&axis.pointer->events.axis, &axis);
}

void emit_touch_down(wlr_input_device *touch, const TouchEvent &event)
{
    wlr_touch_down_event down{};
    down.touch = touch_of(touch);
    down.touch_id = event.id;
    down.x = event.x;
    down.y = event.y;
    wl_signal_emit_mutable(&down.touch->events.down, &down);
}

void emit_touch_motion(wlr_input_device *touch, const TouchEvent &event)
{
    wlr_touch_motion_event motion{};
    motion.touch = touch_of(touch);
    motion.touch_id = event.id;
    motion.x = event.x;
    motion.y = event.y;
    wl_signal_emit_mutable(&motion.touch->events.motion, &motion);
}

void emit_touch_up(wlr_input_device *touch, int32_t id)
{
    wlr_touch_up_event up{};
    up.touch = touch_of(touch);
    up.touch_id = id;
    wl_signal_emit_mutable(&up.touch->events.up, &up);
}

void emit_tablet_axis(wlr_input_device *tablet, const TabletAxisEvent &event)
{
    wlr_tablet_tool_axis_event axis{};
    axis.tablet = tablet_of(tablet);
    axis.updated_axes = (event.has_x ? uint32_t{WLR_TABLET_TOOL_AXIS_X} : 0u) |
                        (event.has_y ? uint32_t{WLR_TABLET_TOOL_AXIS_Y} : 0u);
    axis.x = event.x;
    axis.y = event.y;
    wl_signal_emit_mutable(&axis.tablet->events.axis, &axis);
}

void emit_tablet_proximity(wlr_input_device *tablet, const TabletToolEvent &event)
{
    wlr_tablet_tool_proximity_event proximity{};
    proximity.tablet = tablet_of(tablet);
    proximity.x = event.x;
    proximity.y = event.y;
    proximity.state = event.active ? WLR_TABLET_TOOL_PROXIMITY_IN : WLR_TABLET_TOOL_PROXIMITY_OUT;
    wl_signal_emit_mutable(&proximity.tablet->events.proximity, &proximity);
}

void emit_tablet_tip(wlr_input_device *tablet, const TabletToolEvent &event)
{
    wlr_tablet_tool_tip_event tip{};
    tip.tablet = tablet_of(tablet);
    tip.x = event.x;
    tip.y = event.y;
    tip.state = event.active ? WLR_TABLET_TOOL_TIP_DOWN : WLR_TABLET_TOOL_TIP_UP;
    wl_signal_emit_mutable(&tip.tablet->events.tip, &tip);
}

void emit_tablet_button(wlr_input_device *tablet, const ButtonEvent &event)
{
    wlr_tablet_tool_button_event button{};
    button.tablet = tablet_of(tablet);
    button.button = event.button;
    button.state = event.pressed ? WLR_BUTTON_PRESSED : WLR_BUTTON_RELEASED;
    wl_signal_emit_mutable(&button.tablet->events.button, &button);
}

} // namespace phyllome::compat
