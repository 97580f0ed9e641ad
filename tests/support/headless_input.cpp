#include "tests/support/headless_input.hpp"

#include "compositor/wlr_compat.hpp"

namespace phyllome::test {

wlr_input_device *add_named_device(Server &server, InputDeviceKind kind, const char *name)
{
    return compat::make_input_device(server.backend(), kind, name);
}

void remove_device(wlr_input_device *device)
{
    compat::destroy_input_device(device);
}

void key(wlr_input_device *keyboard, uint32_t code, bool pressed)
{
    compat::emit_key(keyboard, {code, pressed});
}

void tap(wlr_input_device *keyboard, uint32_t code)
{
    key(keyboard, code, true);
    key(keyboard, code, false);
}

void button(wlr_input_device *pointer, uint32_t code, bool pressed)
{
    compat::emit_button(pointer, {code, pressed});
}

void click(wlr_input_device *pointer, uint32_t code)
{
    button(pointer, code, true);
    button(pointer, code, false);
}

void warp(wlr_input_device *pointer, double x, double y)
{
    compat::emit_absolute(pointer, {x, y});
}

} // namespace phyllome::test
