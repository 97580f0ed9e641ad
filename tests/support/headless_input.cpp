#include "tests/support/headless_input.hpp"

#include <cstdlib>
#include <cstring>

#include "compositor/wlr_compat.hpp"

namespace phyllome::test {

wlr_input_device *add_named_device(Server &server, wlr_input_device_type type, const char *name)
{
    wlr_input_device *device = wlr_headless_add_input_device(server.backend(), type);
    // Headless devices are all "headless"; on a real PC this is libinput's
    // device name.
    free(device->name);
    device->name = strdup(name);
    return device;
}

void key(wlr_input_device *keyboard, uint32_t code, bool pressed)
{
    compat::KeyboardKeyEvent event{};
    event.keycode = code;
    event.update_state = true;
    event.state = pressed ? WL_KEYBOARD_KEY_STATE_PRESSED : WL_KEYBOARD_KEY_STATE_RELEASED;
    wlr_keyboard_notify_key(compat::keyboard_of(keyboard), &event);
}

void tap(wlr_input_device *keyboard, uint32_t code)
{
    key(keyboard, code, true);
    key(keyboard, code, false);
}

void button(wlr_input_device *pointer, uint32_t code, bool pressed)
{
    compat::PointerButtonEvent event{};
    event.device = pointer;
    event.button = code;
    event.state = pressed ? WLR_BUTTON_PRESSED : WLR_BUTTON_RELEASED;
    wl_signal_emit(&compat::pointer_of(pointer)->events.button, &event);
}

void click(wlr_input_device *pointer, uint32_t code)
{
    button(pointer, code, true);
    button(pointer, code, false);
}

void warp(wlr_input_device *pointer, double x, double y)
{
    compat::PointerMotionAbsoluteEvent event{};
    event.device = pointer;
    event.x = x;
    event.y = y;
    wl_signal_emit(&compat::pointer_of(pointer)->events.motion_absolute, &event);
}

} // namespace phyllome::test
