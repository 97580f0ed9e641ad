// Input devices for in-process tests: named like a real device (the
// identity the session file's rules match) and driven by emitting the events
// libinput would, through compositor/wlr_compat's device seam.
#pragma once

#include <cstdint>

#include "compositor/input_events.hpp"
#include "compositor/server.hpp"
#include "compositor/wlr.hpp"

namespace phyllome::test {

// Announced to the session's input devices at once, or at the server's
// start if it has not started: make them once the session's input devices
// listen (after its SeatedVms or InputDevices is built).
wlr_input_device *add_named_device(Server &server, InputDeviceKind kind, const char *name);
// Unplugs it: the session sees the device's destroy signal.
void remove_device(wlr_input_device *device);

void key(wlr_input_device *keyboard, uint32_t code, bool pressed);
void tap(wlr_input_device *keyboard, uint32_t code); // press, then release
void button(wlr_input_device *pointer, uint32_t code, bool pressed);
void click(wlr_input_device *pointer, uint32_t code); // press, then release
// The pointer to a point of its output (0..1), as a tablet or the nested
// window's pointer puts it.
void warp(wlr_input_device *pointer, double x, double y);

} // namespace phyllome::test
