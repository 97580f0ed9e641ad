#include "compositor/output_power.hpp"

#include <string>

#include "base/log.hpp"
#include "compositor/server.hpp"
#include "compositor/wlr_compat.hpp"

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
    if (!server_.find_output(output->name) || output->enabled == on)
        return; // not one the session shows (non-desktop), or already so
    // The output keeps its mode, rotation and scale, and its place in the
    // layout; only its power changes. The client hears a mode event when
    // the commit lands, and nothing when it is refused.
    compat::OutputState state;
    state.enabled = on;
    state.transform = output->transform;
    state.scale = output->scale;
    std::string why;
    if (!compat::output_apply(output, state, false, &why)) {
        base::log_info("Output %s: switching it %s refused: %s", output->name, on ? "on" : "off",
                       why.c_str());
        return;
    }
    base::log_info("Output %s switched %s", output->name, on ? "on" : "off");
    server_.outputs_changed();
}

} // namespace phyllome
