// Input events as the session reads them, whichever wlroots delivered them:
// compositor/wlr_compat converts each device signal's data into these.
#pragma once

#include <cstdint>

#include "input/scroll.hpp"

namespace phyllome {

enum class InputDeviceKind { Keyboard, Pointer, Touch, Tablet };

struct KeyEvent {
    uint32_t keycode = 0; // evdev
    bool pressed = false;
};

struct PointerMotionEvent {
    double dx = 0, dy = 0;                 // accelerated
    double unaccel_dx = 0, unaccel_dy = 0; // as the device moved
};

// A point of the device's output, each coordinate from 0 to 1.
struct AbsolutePosition {
    double x = 0, y = 0;
};

struct ButtonEvent {
    uint32_t button = 0; // evdev BTN_*
    bool pressed = false;
};

// A wheel gives 120ths of a detent; touchpads and the like give pixels.
struct ScrollEvent {
    input::ScrollAxis axis = input::ScrollAxis::Vertical;
    input::ScrollUnit unit = input::ScrollUnit::Pixels;
    double value = 0;
};

struct TouchEvent {
    int32_t id = 0; // the finger
    double x = 0, y = 0;
};

// Tablet axis events carry only the axes that changed.
struct TabletAxisEvent {
    bool has_x = false, has_y = false;
    double x = 0, y = 0;
};

// Proximity (in or out) and tip (down or up) of a tablet's pen.
struct TabletToolEvent {
    bool active = false; // in proximity; tip down
    double x = 0, y = 0;
};

} // namespace phyllome
