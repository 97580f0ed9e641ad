#include "tests/support/vm_side.hpp"

namespace phyllome::test {

VmSide::VmSide(Server &server_, std::function<const config::Config &()> config)
    : server(server_),
      fleet(server.event_loop(),
            {
                .changed =
                    [this] {
                        seats.assign();
                        server.refresh_cards();
                    },
                .input_closing =
                    [this](const input::VmInput &console) { input.router().remove_vm(console); },
                .keyboard_leds = [this](const std::string &vm,
                                        uint32_t leds) { seats.keyboard_leds(vm, leds); },
                .pointer_mode_changed = [this] { input.resend_pointer_positions(); },
            }),
      input(server, config(),
            {
                .command = [this](const std::string &seat,
                                  input::HostCommand command) { seats.run(seat, command); },
                .grab_changed = [this](const std::string &seat,
                                       bool grabbed) { seats.input_grab_changed(seat, grabbed); },
            }),
      compositor(server, input), seats(compositor, fleet, std::move(config))
{
}

void VmSide::hook(Server::Settings &settings, const std::unique_ptr<VmSide> &side)
{
    settings.on_outputs_changed = [&side, before = std::move(settings.on_outputs_changed)] {
        if (before)
            before();
        if (side)
            side->seats.assign();
    };
    settings.on_console_placement_changed = [&side] {
        if (side)
            side->seats.placement_changed();
    };
}

} // namespace phyllome::test
