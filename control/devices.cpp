#include "control/devices.hpp"

#include <cstdio>

#include "config/assignment.hpp"

namespace phyllome::control {
namespace {

std::string hex4(std::uint16_t value)
{
    char text[5];
    std::snprintf(text, sizeof text, "%04x", value);
    return text;
}

// fnmatch treats these as patterns unless escaped with a backslash.
std::string escape_glob(const std::string &text)
{
    std::string escaped;
    for (char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
            escaped += '\\';
        escaped += c;
    }
    return escaped;
}

} // namespace

std::optional<RuleMatch> selecting_rule(const config::Config &config,
                                        const config::DeviceIdentity &device)
{
    const auto index = config::seat_for_device(config, device);
    if (!index)
        return std::nullopt;
    const config::Seat &seat = config.seats[*index];
    for (const config::DeviceRule &rule : seat.devices)
        if (config::matches(rule, device))
            return RuleMatch{seat.name, config::to_string(rule)};
    return RuleMatch{seat.name, "*"};
}

std::vector<std::string> suggested_rules(const config::DeviceIdentity &device)
{
    std::vector<std::string> rules;
    if (!device.id_path.empty())
        rules.push_back("path:" + escape_glob(device.id_path));
    if (device.vendor != 0 || device.product != 0)
        rules.push_back("id:" + hex4(device.vendor) + ":" + hex4(device.product));
    if (!device.name.empty())
        rules.push_back("name:" + escape_glob(device.name));
    return rules;
}

nlohmann::json identity_json(const config::DeviceIdentity &device)
{
    nlohmann::json json = {
        {"name", device.name},
        {"vendor", hex4(device.vendor)},
        {"product", hex4(device.product)},
    };
    auto optional = [&json](const char *key, const std::string &value) {
        if (!value.empty())
            json[key] = value;
    };
    optional("id_path", device.id_path);
    optional("wl_seat", device.wl_seat);
    optional("id_seat", device.id_seat);
    optional("sysname", device.sysname);
    return json;
}

nlohmann::json device_json(const config::Config &config, const config::DeviceIdentity &device,
                           const std::string &type, const std::optional<std::string> &seat)
{
    nlohmann::json json = {
        {"type", type},    {"identity", identity_json(device)},          {"seat", nullptr},
        {"rule", nullptr}, {"suggested_rules", suggested_rules(device)},
    };
    if (seat) {
        json["seat"] = *seat;
        if (auto match = selecting_rule(config, device); match && match->seat == *seat)
            json["rule"] = match->rule;
    }
    return json;
}

} // namespace phyllome::control
