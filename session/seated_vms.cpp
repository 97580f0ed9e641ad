#include "session/seated_vms.hpp"

namespace phyllome {

SeatedVms::SeatedVms(Server &server, std::function<const config::Config &()> config)
    : fleet(server.event_loop(),
            {
                .changed =
                    [this, &server] {
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

} // namespace phyllome
