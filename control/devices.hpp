// Input devices as the control socket shows them: identity, seat, and the
// session-file rule that puts a device there (for `phyllomectl identify`).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "config/device_rule.hpp"

namespace phyllome::control {

struct RuleMatch {
    std::string seat;
    std::string rule; // as written in the file; "*" when only the fallback takes it
};

// The seat config::seat_for_device picks for the device, and its first rule
// that claims it. nullopt: no seat takes it (its events are dropped).
std::optional<RuleMatch> selecting_rule(const config::Config &config,
                                        const config::DeviceIdentity &device);

// Rules that would claim this device, most specific first: path: (one
// port), id: (this model), name: (exact name, glob characters escaped).
std::vector<std::string> suggested_rules(const config::DeviceIdentity &device);

// name, vendor and product (4 hex digits), and the udev properties that are
// set.
nlohmann::json identity_json(const config::DeviceIdentity &device);

// One device for `devices` and `identify`: type ("keyboard", "pointer"),
// identity, the seat its input goes to (null: none) with the rule that puts
// it there, and suggested_rules.
nlohmann::json device_json(const config::Config &config, const config::DeviceIdentity &device,
                           const std::string &type, const std::optional<std::string> &seat);

} // namespace phyllome::control
