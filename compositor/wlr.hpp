// The one way project code includes wlroots (0.15, or 0.18 and newer) from C++.
//
// wlroots' headers are C99 and not meant for C++: they use `[static N]`
// array parameters, no extern "C" guards, and (in some headers) C++ keywords
// as field names. Headers with `static inline` functions are included first
// so that their include guards keep the macro below away from them; then
// `static` is blanked while the wlroots headers are read.
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <drm_fourcc.h>
#include <libinput.h>
#include <libudev.h>
#include <pixman.h>
#include <wayland-client.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>
#include <xcb/xcb.h>
#include <xkbcommon/xkbcommon.h>

#include <wlr/version.h>

#define static
extern "C" {
#include <wlr/backend.h>
#include <wlr/backend/headless.h>
#include <wlr/backend/libinput.h>
#include <wlr/backend/multi.h>
#include <wlr/backend/session.h>
#include <wlr/backend/wayland.h>
#include <wlr/backend/x11.h>
#include <wlr/interfaces/wlr_keyboard.h>
#include <wlr/interfaces/wlr_pointer.h>
#include <wlr/interfaces/wlr_tablet_tool.h>
#include <wlr/interfaces/wlr_touch.h>
#include <wlr/render/allocator.h>
#include <wlr/render/dmabuf.h>
#include <wlr/render/pixman.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_input_device.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_output_management_v1.h>
#include <wlr/types/wlr_output_power_management_v1.h>
#include <wlr/types/wlr_pointer.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_screencopy_v1.h>
#include <wlr/types/wlr_tablet_tool.h>
#include <wlr/types/wlr_touch.h>
#include <wlr/types/wlr_xdg_output_v1.h>
#include <wlr/util/box.h>
#include <wlr/util/log.h>
#if WLR_VERSION_MINOR == 15
#include <wlr/interfaces/wlr_input_device.h>
#include <wlr/types/wlr_output_damage.h>
#else
#include <wlr/interfaces/wlr_buffer.h>
#include <wlr/types/wlr_damage_ring.h>
#endif
}
#undef static
