#include "compositor/output_power.hpp"

#include "compositor/output.hpp"
#include "compositor/server.hpp"

namespace phyllome {

OutputPower::OutputPower(Server &server) : server_(server)
{
    wlr_output_power_manager_v1 *manager = wlr_output_power_manager_v1_create(server_.display());
    set_mode_.connect(&manager->events.set_mode, [this](void *data) {
        const auto &event = *static_cast<wlr_output_power_v1_set_mode_event *>(data);
        set_power(event.output, event.mode == ZWLR_OUTPUT_POWER_V1_MODE_ON);
    });
}

void OutputPower::set_power(wlr_output *output, bool on)
{
    // Not one the session shows (non-desktop): left alone. The client hears
    // a mode event when the commit lands, and nothing when it is refused.
    if (Output *shown = server_.find_output(output->name))
        shown->set_power_by_user(on);
}

} // namespace phyllome
