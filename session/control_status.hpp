// What `phyllomectl status` and `phyllomectl devices` show, read from the
// running session.
#pragma once

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace phyllome {

class VmDisplays;
class InputDevices;

// Seats (outputs with the console each shows and its frame counters,
// devices, the VM shown and its state) and VMs (state, seats showing them).
nlohmann::json status_json(const config::Config &config, const VmDisplays &displays,
                           const InputDevices &input);

// Every input device: identity, type, seat and the rule that picks it.
nlohmann::json devices_json(const config::Config &config, const InputDevices &input);

} // namespace phyllome
