#include "compositor/output_management.hpp"

#include "base/log.hpp"
#include "compositor/output.hpp"
#include "compositor/server.hpp"
#include "compositor/wlr_compat.hpp"

namespace phyllome {

OutputManagement::OutputManagement(Server &server)
    : server_(server), manager_(wlr_output_manager_v1_create(server.display()))
{
    apply_.connect(&manager_->events.apply, [this](void *data) {
        handle(static_cast<wlr_output_configuration_v1 *>(data), false);
    });
    test_.connect(&manager_->events.test, [this](void *data) {
        handle(static_cast<wlr_output_configuration_v1 *>(data), true);
    });
}

void OutputManagement::publish()
{
    wlr_output_configuration_v1 *config = wlr_output_configuration_v1_create();
    for (const auto &output : server_.outputs()) {
        wlr_output_configuration_head_v1 *head =
            wlr_output_configuration_head_v1_create(config, output->wlr());
        const wlr_box box = compat::output_layout_box(server_.layout(), output->wlr());
        head->state.enabled = output->wlr()->enabled;
        head->state.x = box.x;
        head->state.y = box.y;
    }
    wlr_output_manager_v1_set_configuration(manager_, config);
}

void OutputManagement::handle(wlr_output_configuration_v1 *config, bool test_only)
{
    // Test every head first, so that a request is applied whole or not at all.
    bool ok = true;
    wlr_output_configuration_head_v1 *head;
    auto state_of = [](const wlr_output_head_v1_state &head_state) {
        compat::OutputState state;
        state.enabled = head_state.enabled;
        state.mode = head_state.mode;
        if (!head_state.mode && head_state.custom_mode.width > 0 &&
            head_state.custom_mode.height > 0)
            state.custom_mode = compat::OutputState::CustomMode{head_state.custom_mode.width,
                                                                head_state.custom_mode.height,
                                                                head_state.custom_mode.refresh};
        state.transform = head_state.transform;
        state.scale = head_state.scale > 0 ? head_state.scale : 1.0f;
        return state;
    };
    wl_list_for_each(head, &config->heads, link)
    {
        std::string why;
        if (!compat::output_apply(head->state.output, state_of(head->state), true, &why)) {
            // The protocol's "failed" carries no reason: the log says it.
            base::log_info("Output %s: configuration refused: %s", head->state.output->name,
                           why.c_str());
            ok = false;
        }
    }

    if (ok && !test_only) {
        wl_list_for_each(head, &config->heads, link)
        {
            wlr_output *output = head->state.output;
            std::string why;
            if (!compat::output_apply(output, state_of(head->state), false, &why)) {
                base::log_error("Output %s: configuration failed after passing its test: %s",
                                output->name, why.c_str());
                ok = false;
                continue;
            }
            if (head->state.enabled)
                server_.place_output(output, compat::LayoutPosition{head->state.x, head->state.y});
            else
                wlr_output_layout_remove(server_.layout(), output);
            // Switched on or off by the user: no longer the guest's to decide.
            if (Output *shown = server_.find_output(output->name))
                shown->set_power_by_user(head->state.enabled);
        }
        server_.outputs_changed();
    }

    if (ok)
        wlr_output_configuration_v1_send_succeeded(config);
    else
        wlr_output_configuration_v1_send_failed(config);
    wlr_output_configuration_v1_destroy(config);
}

} // namespace phyllome
