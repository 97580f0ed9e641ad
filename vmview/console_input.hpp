// A VM console's keyboard and mouse as the input router drives them: over
// QEMU's D-Bus display (Keyboard and Mouse on the console's object).
#pragma once

#include "input/vm_input.hpp"
#include "vmview/display_client.hpp"

namespace phyllome::vmview {

class ConsoleInput final : public input::VmInput {
public:
    ConsoleInput(DisplayClient &client, uint32_t console_id)
        : client_(client), console_id_(console_id)
    {
    }

    void key(uint32_t qnum, bool pressed) override { client_.key(console_id_, qnum, pressed); }
    void button(uint32_t button, bool pressed) override
    {
        client_.button(console_id_, button, pressed);
    }
    void move_absolute(uint32_t x, uint32_t y) override
    {
        client_.motion_absolute(console_id_, x, y);
    }
    void move_relative(int32_t dx, int32_t dy) override
    {
        client_.motion_relative(console_id_, dx, dy);
    }
    bool absolute() const override { return client_.mouse_absolute(console_id_); }

    uint32_t console_id() const { return console_id_; }

private:
    DisplayClient &client_;
    uint32_t console_id_;
};

} // namespace phyllome::vmview
