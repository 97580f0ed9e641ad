// The seam between phyllome-session and the wlroots API that changes between
// releases. Every call whose signature or type changed in wlroots 0.16-0.18
// goes through here, so porting to a newer wlroots is a change to this file
// and wlr_compat.cpp alone. The comment on each function says what it becomes.
#pragma once

#include <optional>
#include <string>

#include "compositor/wlr.hpp"

#if WLR_VERSION_NUM >= ((0 << 16) | (16 << 8) | 0)
#error "phyllome-session supports wlroots 0.15; port compositor/wlr_compat.* first"
#endif

namespace phyllome::compat {

// 0.18: wlr_headless_backend_create takes the wl_event_loop.
wlr_backend *headless_backend_create(wl_display *display);

// 0.17: the session comes back through an out parameter;
// 0.18: takes the wl_event_loop.
wlr_backend *backend_autocreate(wl_display *display, wlr_session **session);

// 0.16: the compositor needs an explicit wlr_subcompositor;
// 0.17: wlr_compositor_create takes a protocol version.
wlr_compositor *compositor_create(wl_display *display, wlr_renderer *renderer);

// 0.18: wlr_output_layout_create takes the wl_display.
wlr_output_layout *output_layout_create(wl_display *display);

// 0.16: fills a caller's box instead of returning a pointer.
wlr_box output_layout_box(wlr_output_layout *layout, wlr_output *output);

// Sets (pixels) or hides (null) an output cursor's image: ARGB8888 rows of
// `stride` bytes. 0.17 removes wlr_output_cursor_set_image; the image then
// goes in a wlr_buffer through wlr_output_cursor_set_buffer.
void output_cursor_set_pixels(wlr_output_cursor *cursor, const uint8_t *pixels, int stride,
                              int width, int height, int hot_x, int hot_y);

// Scene parents are nodes in 0.15 and trees from 0.16 (root: scene->tree).
using SceneParent = wlr_scene_node;
SceneParent *scene_root(wlr_scene *scene);
SceneParent *scene_tree_parent(wlr_scene_tree *tree);
wlr_scene_node *scene_tree_node(wlr_scene_tree *tree);
wlr_scene_rect *scene_rect_create(SceneParent *parent, int width, int height, const float color[4]);
void scene_rect_set_color(wlr_scene_rect *rect, const float color[4]);

// Shows `buffer` in `*node`, creating the node under `parent` if needed.
// 0.15 cannot replace a scene buffer's content, so the node is recreated;
// 0.16: wlr_scene_buffer_set_buffer_with_damage on the existing node.
void scene_buffer_show(wlr_scene_buffer **node, SceneParent *parent, wlr_buffer *buffer);

// Adds damage (output-buffer coordinates) to what the scene repaints on
// its next commit, for content that changed inside a buffer it shows.
// 0.16: the scene output keeps a wlr_damage_ring instead.
void scene_output_add_damage(wlr_scene_output *scene_output, const wlr_box &box);

// The buffer an output is about to commit, from its precommit event's data
// (null if the commit carries none). 0.16: the event carries the state.
wlr_buffer *precommit_buffer(wlr_output *output, void *event_data);

// 0.17: takes wlr_scene_output_state_options.
bool scene_output_commit(wlr_scene_output *scene_output);

// Whether the scene output has anything new to show: damage, or an output
// that asked for a frame (a screen capture, a software cursor). 0.16: the
// damage ring; 0.17: wlr_scene_output_needs_frame.
bool scene_output_needs_frame(wlr_scene_output *scene_output);

// 0.17: attach returns a wlr_scene_output_layout and each output is added to
// it with wlr_scene_output_layout_add_output; in 0.15 the scene follows the
// layout on its own.
void scene_attach_output_layout(wlr_scene *scene, wlr_output_layout *layout);
wlr_scene_output *scene_output_for(wlr_scene *scene, wlr_output *output);

// An output configuration, as applied in one step (0.16: wlr_output_state,
// 0.18 removes the wlr_output_set_* setters used by the 0.15 implementation).
struct OutputState {
    bool enabled = true;
    wlr_output_mode *mode = nullptr; // one of output->modes, or null
    struct CustomMode {
        int width = 0, height = 0, refresh_mhz = 0;
    };
    std::optional<CustomMode> custom_mode; // used when mode is null
    wl_output_transform transform = WL_OUTPUT_TRANSFORM_NORMAL;
    float scale = 1.0f;
};

// Tests (test_only) or commits the state; on failure or in a test the
// output is left as it was, and `why` (if given) says why it failed. A test
// refuses what the commit would refuse (0.15's headless backend has no test
// of its own: wlr_output_test passes what its commit then refuses, such as
// switching the output off).
bool output_apply(wlr_output *output, const OutputState &state, bool test_only,
                  std::string *why = nullptr);

// Enables the output at its preferred mode, or the first mode the backend
// accepts; outputs without modes (nested, headless) keep their size.
bool output_enable_preferred(wlr_output *output);

// 0.16: make, model and serial become nullable char pointers.
std::string output_make(const wlr_output *output);
std::string output_model(const wlr_output *output);
std::string output_serial(const wlr_output *output);

// Input devices. 0.16: wlr_keyboard_from_input_device() and friends replace
// the union (wlr_touch_from_input_device, wlr_tablet_from_input_device for
// touch and tablets), and the event structs are renamed
// (wlr_keyboard_key_event, wlr_pointer_motion_event, wlr_touch_down_event,
// wlr_tablet_tool_axis_event, ...); 0.18 drops vendor and product.
using KeyboardKeyEvent = wlr_event_keyboard_key;
using PointerMotionEvent = wlr_event_pointer_motion;
using PointerMotionAbsoluteEvent = wlr_event_pointer_motion_absolute;
using PointerButtonEvent = wlr_event_pointer_button;
using PointerAxisEvent = wlr_event_pointer_axis;
using TouchDownEvent = wlr_event_touch_down;
using TouchUpEvent = wlr_event_touch_up;
using TouchMotionEvent = wlr_event_touch_motion;
using TouchCancelEvent = wlr_event_touch_cancel;
using TabletToolAxisEvent = wlr_event_tablet_tool_axis;
using TabletToolProximityEvent = wlr_event_tablet_tool_proximity;
using TabletToolTipEvent = wlr_event_tablet_tool_tip;
using TabletToolButtonEvent = wlr_event_tablet_tool_button;
wlr_keyboard *keyboard_of(wlr_input_device *device);
wlr_pointer *pointer_of(wlr_input_device *device);
wlr_touch *touch_of(wlr_input_device *device);
wlr_tablet *tablet_of(wlr_input_device *device);
unsigned device_vendor(const wlr_input_device *device);
unsigned device_product(const wlr_input_device *device);

} // namespace phyllome::compat
