// wlr-output-management-unstable-v1: lets the user's tools (wlr-randr,
// kanshi) list the outputs and change their mode, position, transform and
// scale.
#pragma once

#include "base/listener.hpp"
#include "compositor/wlr.hpp"

namespace phyllome {

class Server;

class OutputManagement {
public:
    explicit OutputManagement(Server &server);
    OutputManagement(const OutputManagement &) = delete;
    OutputManagement &operator=(const OutputManagement &) = delete;

    // Sends the current state of every output to the clients.
    void publish();

private:
    void handle(wlr_output_configuration_v1 *config, bool test_only);

    Server &server_;
    wlr_output_manager_v1 *manager_;
    base::Listener apply_;
    base::Listener test_;
};

} // namespace phyllome
