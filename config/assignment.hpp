// Which seat owns an input device or an output.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/device_rule.hpp"

namespace phyllome::config {

// Index into config.seats: the first seat in file order with a matching
// rule, else the seat with the "*" fallback, else nullopt (the device's
// events are dropped).
std::optional<std::size_t> seat_for_device(const Config &config, const DeviceIdentity &device);

// Index into config.seats: the seat that lists the output by name, else the
// seat with all_outputs, else nullopt (the output stays dark).
std::optional<std::size_t> seat_for_output(const Config &config, std::string_view output_name);

// Where something belongs before and after a reload, by seat name (indices
// differ between two configurations). nullopt: no seat.
struct SeatMove {
    std::optional<std::string> old_seat;
    std::optional<std::string> new_seat;

    // True when the owner changes: a moving device must release every key
    // and button it holds in the old seat's VM first.
    bool moved() const { return old_seat != new_seat; }
    bool operator==(const SeatMove &) const = default;
};

SeatMove device_move(const Config &old_cfg, const Config &new_cfg, const DeviceIdentity &device);
SeatMove output_move(const Config &old_cfg, const Config &new_cfg, std::string_view output_name);

} // namespace phyllome::config
