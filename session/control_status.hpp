// What `phyllomectl status` and `phyllomectl devices` show, read from the
// running session.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace phyllome {

class Seats;
class VmFleet;
class Server;
class InputDevices;
class SessionConfig;

// Seats (outputs with the console each shows and its frame counters,
// devices, the VM shown and its state) and VMs (state, seats showing them).
nlohmann::json status_json(const config::Config &config, const Seats &seats, const VmFleet &fleet,
                           const Server &server, const InputDevices &input);

// The session file: its path, which configuration is in force, why the file
// is not (errors) and its warnings, outputs checked against `outputs`.
nlohmann::json config_json(const SessionConfig &session_config,
                           const std::vector<std::string> &outputs);

// Every input device: identity, type, seat and the rule that picks it.
nlohmann::json devices_json(const config::Config &config, const InputDevices &input);

} // namespace phyllome
