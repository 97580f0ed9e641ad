#include "config/assignment.hpp"

#include <algorithm>

namespace phyllome::config {

namespace {

std::optional<std::string> seat_name(const Config &config, std::optional<std::size_t> index)
{
    if (!index)
        return std::nullopt;
    return config.seats[*index].name;
}

bool is_fallback(const DeviceRule &rule)
{
    return rule.kind == DeviceRule::Kind::Fallback;
}

} // namespace

std::optional<std::size_t> seat_for_device(const Config &config, const DeviceIdentity &device)
{
    std::optional<std::size_t> fallback;
    for (std::size_t i = 0; i < config.seats.size(); ++i) {
        for (const auto &rule : config.seats[i].devices) {
            if (matches(rule, device))
                return i;
            if (is_fallback(rule) && !fallback)
                fallback = i;
        }
    }
    return fallback;
}

std::optional<std::size_t> seat_for_output(const Config &config, std::string_view output_name)
{
    std::optional<std::size_t> rest;
    for (std::size_t i = 0; i < config.seats.size(); ++i) {
        const auto &outputs = config.seats[i].outputs;
        if (std::find(outputs.begin(), outputs.end(), output_name) != outputs.end()) {
            return i;
        }
        if (config.seats[i].all_outputs && !rest)
            rest = i;
    }
    return rest;
}

SeatMove device_move(const Config &old_cfg, const Config &new_cfg, const DeviceIdentity &device)
{
    return {seat_name(old_cfg, seat_for_device(old_cfg, device)),
            seat_name(new_cfg, seat_for_device(new_cfg, device))};
}

SeatMove output_move(const Config &old_cfg, const Config &new_cfg, std::string_view output_name)
{
    return {seat_name(old_cfg, seat_for_output(old_cfg, output_name)),
            seat_name(new_cfg, seat_for_output(new_cfg, output_name))};
}

} // namespace phyllome::config
