// Device rules: which input devices a seat claims.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace phyllome::config {

// What the compositor knows about an input device, filled from libinput and
// udev. Empty strings mean "property not set".
struct DeviceIdentity {
    std::string name;          // libinput device name, e.g. "Logitech K120"
    std::uint16_t vendor = 0;  // USB vendor id (0 when not USB)
    std::uint16_t product = 0; // USB product id
    std::string id_path;       // udev ID_PATH
    std::string wl_seat;       // udev WL_SEAT
    std::string id_seat;       // udev ID_SEAT
    std::string sysname;       // e.g. "event5"; for messages only
    // The syspath of the USB device carrying it ("" when none): no rule
    // matches it; USB pass-through keeps a seat's keyboard out by it.
    std::string usb_syspath;

    bool operator==(const DeviceIdentity &) const = default;
};

struct DeviceRule {
    enum class Kind {
        Path,     // path:GLOB   - fnmatch against ID_PATH (never matches if unset)
        Name,     // name:GLOB   - fnmatch against the device name
        Id,       // id:VVVV:PPPP - USB vendor and product, hex
        Seat,     // seat:NAME   - equal to WL_SEAT or ID_SEAT
        Fallback, // *           - every device no seat claims by another rule
    };
    Kind kind = Kind::Fallback;
    std::string pattern;       // the glob (Path, Name) or seat name (Seat)
    std::uint16_t vendor = 0;  // Id only
    std::uint16_t product = 0; // Id only

    bool operator==(const DeviceRule &) const = default;
};

// Parses one entry of a seat's devices list. On failure returns nullopt and
// sets error to a sentence explaining why.
std::optional<DeviceRule> parse_device_rule(std::string_view text, std::string &error);

// The rule as it is written in the file ("id:046d:c31c", "*").
std::string to_string(const DeviceRule &rule);

// True when the rule claims the device. A Fallback rule never matches here:
// it only applies when no seat's other rules do (see seat_for_device).
bool matches(const DeviceRule &rule, const DeviceIdentity &device);

} // namespace phyllome::config
