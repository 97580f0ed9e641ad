#include "compositor/global_policy.hpp"

#include <array>

namespace phyllome {

bool global_is_privileged(std::string_view interface_name)
{
    // Screen readers, output controllers and input injectors. Listed even
    // where the session does not create the global yet, so adding one later
    // cannot widen access by accident.
    static constexpr std::array<std::string_view, 10> kPrivileged = {
        "zwlr_screencopy_manager_v1",      "zwlr_export_dmabuf_manager_v1",
        "zwlr_output_manager_v1",          "zwlr_output_power_manager_v1",
        "zwlr_gamma_control_manager_v1",   "zwlr_data_control_manager_v1",
        "zwlr_virtual_pointer_manager_v1", "zwp_virtual_keyboard_manager_v1",
        "zwlr_input_inhibit_manager_v1",   "zwlr_layer_shell_v1",
    };
    for (std::string_view name : kPrivileged)
        if (name == interface_name)
            return true;
    return false;
}

bool client_may_bind(std::string_view interface_name, uid_t client_uid, uid_t session_uid)
{
    return !global_is_privileged(interface_name) || client_uid == session_uid;
}

} // namespace phyllome
