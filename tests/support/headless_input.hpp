// Headless input devices for in-process tests: named like a real device
// (the identity the session file's rules match) and driven by emitting the
// events libinput would.
#pragma once

#include <cstdint>

#include "compositor/server.hpp"
#include "compositor/wlr.hpp"

namespace phyllome::test {

// Call between the server's creation and its start (the backend announces
// its devices at start).
wlr_input_device *add_named_device(Server &server, wlr_input_device_type type, const char *name);

void key(wlr_input_device *keyboard, uint32_t code, bool pressed);
void tap(wlr_input_device *keyboard, uint32_t code); // press, then release
void button(wlr_input_device *pointer, uint32_t code, bool pressed);
void click(wlr_input_device *pointer, uint32_t code); // press, then release
// The pointer to a point of its output (0..1), as a tablet or the nested
// window's pointer puts it.
void warp(wlr_input_device *pointer, double x, double y);

} // namespace phyllome::test
