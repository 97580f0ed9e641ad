// The seats' view of the compositor (Seats::Compositor) over the session's
// wlroots server and its input devices.
#pragma once

#include "compositor/input_devices.hpp"
#include "compositor/server.hpp"
#include "session/seats.hpp"

namespace phyllome {

class CompositorSeats final : public Seats::Compositor {
public:
    CompositorSeats(Server &server, InputDevices &input) : server_(server), input_(input) {}

    std::vector<std::string> outputs() const override { return server_.output_names(); }
    void show_console(const std::string &output, vmview::Console *console,
                      config::Scaling scaling) override;
    input::Placement console_placement(const std::string &output) const override;
    GuestSize guest_size(const std::string &output) const override;
    void identify(const std::string &output, const StatusCardText &text, int milliseconds) override;
    void show_input_hint(const std::string &output,
                         const std::optional<StatusCardText> &text) override;
    void banner(const std::string &output, const std::string &text, int milliseconds) override;
    void refresh_cards() override { server_.refresh_cards(); }
    void route(const std::string &seat, input::VmInput *vm, std::vector<input::Head> heads,
               const std::vector<std::string> &outputs) override;
    bool input_grabbed(const std::string &seat) const override;
    void set_keyboard_leds(const std::string &seat, uint32_t qemu_leds) override
    {
        input_.set_seat_leds(seat, qemu_leds);
    }
    void change_vt(unsigned vt) override { server_.change_vt(vt); }

private:
    Server &server_;
    InputDevices &input_;
};

} // namespace phyllome
