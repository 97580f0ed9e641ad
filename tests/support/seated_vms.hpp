// For tests that build the session's SeatedVms over an in-process server
// themselves: the server's output and placement changes reach it, as
// Session's settings make them do.
#pragma once

#include <memory>

#include "compositor/server.hpp"
#include "session/seated_vms.hpp"

namespace phyllome::test {

// Makes the server's output and frame-placement changes reach `vms` while
// it holds one (after any on_outputs_changed already set).
inline void connect_server(Server::Settings &settings, const std::unique_ptr<SeatedVms> &vms)
{
    settings.on_outputs_changed = [&vms, before = std::move(settings.on_outputs_changed)] {
        if (before)
            before();
        if (vms)
            vms->seats.assign();
    };
    settings.on_console_placement_changed = [&vms] {
        if (vms)
            vms->seats.placement_changed();
    };
}

} // namespace phyllome::test
