// The seam between phyllome-session and the wlroots API that changes between
// releases. Every call whose signature or type differs between wlroots 0.15
// and 0.18-0.20 goes through here, with two implementations that meson picks
// from the wlroots it finds: wlr_compat_0_15.cpp and wlr_compat_0_18.cpp (0.18
// and newer, with the few 0.19/0.20 differences inside it). Version checks
// live in these files and wlr.hpp only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/listener.hpp"
#include "compositor/input_events.hpp"
#include "compositor/wlr.hpp"

#if WLR_VERSION_MAJOR != 0 || (WLR_VERSION_MINOR != 15 && WLR_VERSION_MINOR < 18)
#error "phyllome-session builds with wlroots 0.15 or 0.18 and newer"
#endif

namespace phyllome::compat {

// Whether the headless backend can switch an output off (0.17+).
constexpr bool kHeadlessOutputsSwitchOff = WLR_VERSION_MINOR >= 17;
// Whether outputs send frame events only after a commit, as DRM does after a
// page flip (0.18's headless backend); 0.15's sends them at its refresh rate.
constexpr bool kFrameEventsOnlyAfterCommits = WLR_VERSION_MINOR >= 18;

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
#if WLR_VERSION_MINOR == 15
using SceneParent = wlr_scene_node;
using SceneLayout = void; // 0.15's scene follows the layout on its own
#else
using SceneParent = wlr_scene_tree;
using SceneLayout = wlr_scene_output_layout;
#endif
SceneParent *scene_root(wlr_scene *scene);
SceneParent *scene_tree_parent(wlr_scene_tree *tree);
wlr_scene_node *scene_tree_node(wlr_scene_tree *tree);
wlr_scene_rect *scene_rect_create(SceneParent *parent, int width, int height, const float color[4]);

// Shows `buffer` in `*node`, creating the node under `parent` if needed.
// 0.15 cannot replace a scene buffer's content, so the node is recreated;
// 0.18 replaces the buffer in the existing node.
void scene_buffer_show(wlr_scene_buffer **node, SceneParent *parent, wlr_buffer *buffer);

// The pixels of the buffer `node` shows changed inside `buffer_rect`
// (buffer pixels), which the output shows at `output_box` (output-buffer
// pixels). 0.18 damages the node itself (wlr_scene_buffer_set_buffer_with_damage);
// 0.15 cannot, so the scene output is damaged where the pixels land.
void scene_buffer_damaged(wlr_scene_buffer *node, wlr_scene_output *scene_output,
                          const wlr_box &buffer_rect, const wlr_box &output_box);

// An output's commits and size changes, as handlers. 0.16 put the state in
// the commit events; 0.18 drops events.mode (a commit says it) and makes
// nested windows ask for a new size through events.request_state, which is
// granted here.
class OutputSignals {
public:
    struct Handlers {
        std::function<void(wlr_buffer *)> precommit; // the buffer about to be shown, or null
        std::function<void(bool with_buffer)> committed;
        std::function<void()> mode_changed;
    };
    OutputSignals(wlr_output *output, Handlers handlers);

private:
    wlr_output *output_;
    Handlers handlers_;
    base::Listener precommit_, commit_, mode_, request_state_;
};

// Destroys the scene with every node in it (0.16: its root is a tree).
void scene_destroy(wlr_scene *scene);

// 0.17: takes wlr_scene_output_state_options.
bool scene_output_commit(wlr_scene_output *scene_output);

// Whether the scene output has anything new to show: damage, or an output
// that asked for a frame (a screen capture, a software cursor). 0.16: the
// damage ring; 0.17: wlr_scene_output_needs_frame.
bool scene_output_needs_frame(wlr_scene_output *scene_output);

// 0.17: attach returns a wlr_scene_output_layout and each output is added to
// it with wlr_scene_output_layout_add_output; in 0.15 the scene follows the
// layout on its own.
SceneLayout *scene_attach_output_layout(wlr_scene *scene, wlr_output_layout *layout);
// Places `output` in the layout at `position`, or right of the others, and
// in the scene (0.17+ links the scene output to the layout's entry).
struct LayoutPosition {
    int x = 0, y = 0;
};
void output_layout_add(wlr_output_layout *layout, wlr_scene *scene, SceneLayout *scene_layout,
                       wlr_output *output, std::optional<LayoutPosition> position);

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

// Names a headless output HEADLESS-<number>, counted by the caller. 0.15's
// headless backend counts its own outputs; 0.18's counts those of every
// backend in the process, so a process that runs one session after another
// (the in-process tests) would see other names each time.
void name_headless_output(wlr_output *output, unsigned number);

// Makes the output's wl_output global, for clients (grim, wlr-randr). 0.15
// makes it on its own when the output is enabled.
void output_create_global(wlr_output *output, wl_display *display);

// Enables the output at its preferred mode, or the first mode the backend
// accepts; outputs without modes (nested, headless) keep their size.
bool output_enable_preferred(wlr_output *output);

// 0.16: make, model and serial become nullable char pointers.
std::string output_make(const wlr_output *output);
std::string output_model(const wlr_output *output);
std::string output_serial(const wlr_output *output);

// Input devices. 0.16 replaced the device's union with
// wlr_keyboard_from_input_device() and friends and renamed the event structs
// (wlr_event_keyboard_key became wlr_keyboard_key_event, ...); 0.18 dropped
// vendor and product. The session reads events as the project's own types
// (input_events.hpp), converted here from the data of each device signal.
std::optional<InputDeviceKind> device_kind(const wlr_input_device *device);
wlr_keyboard *keyboard_of(wlr_input_device *device);
wlr_pointer *pointer_of(wlr_input_device *device);
wlr_touch *touch_of(wlr_input_device *device);
wlr_tablet *tablet_of(wlr_input_device *device);
// The output a pointer or touchscreen belongs to (a nested window's), or null.
const char *device_output_name(wlr_input_device *device);

KeyEvent key_event(const void *data);                     // keyboard events.key
PointerMotionEvent motion_event(const void *data);        // pointer events.motion
AbsolutePosition absolute_event(const void *data);        // pointer events.motion_absolute
ButtonEvent button_event(const void *data);               // pointer events.button
ScrollEvent scroll_event(const void *data);               // pointer events.axis
TouchEvent touch_down_event(const void *data);            // touch events.down
TouchEvent touch_motion_event(const void *data);          // touch events.motion
int32_t touch_up_id(const void *data);                    // touch events.up
int32_t touch_cancel_id(const void *data);                // touch events.cancel
TabletAxisEvent tablet_axis_event(const void *data);      // tablet events.axis
TabletToolEvent tablet_proximity_event(const void *data); // tablet events.proximity
TabletToolEvent tablet_tip_event(const void *data);       // tablet events.tip
ButtonEvent tablet_button_event(const void *data);        // tablet events.button

// Input devices the caller makes, for tests that drive the session as
// libinput would: announced on the backend's new_input signal (0.15's
// headless backend does so only once it has started: make them after the
// session's input devices listen), named `name`, and removed (with their
// destroy signal) by destroy_input_device.
wlr_input_device *make_input_device(wlr_backend *backend, InputDeviceKind kind, const char *name);
void destroy_input_device(wlr_input_device *device);
void emit_key(wlr_input_device *keyboard, const KeyEvent &event);
void emit_motion(wlr_input_device *pointer, const PointerMotionEvent &event);
void emit_absolute(wlr_input_device *pointer, const AbsolutePosition &event);
void emit_button(wlr_input_device *pointer, const ButtonEvent &event);
void emit_scroll(wlr_input_device *pointer, const ScrollEvent &event);
void emit_touch_down(wlr_input_device *touch, const TouchEvent &event);
void emit_touch_motion(wlr_input_device *touch, const TouchEvent &event);
void emit_touch_up(wlr_input_device *touch, int32_t id);
void emit_tablet_axis(wlr_input_device *tablet, const TabletAxisEvent &event);
void emit_tablet_proximity(wlr_input_device *tablet, const TabletToolEvent &event);
void emit_tablet_tip(wlr_input_device *tablet, const TabletToolEvent &event);
void emit_tablet_button(wlr_input_device *tablet, const ButtonEvent &event);

} // namespace phyllome::compat
