#include "config/device_rule.hpp"

#include <fnmatch.h>

#include <array>
#include <charconv>

#include "config/text.hpp"
#include "config/suggest.hpp"

namespace phyllome::config {

namespace {

using detail::quote;
using detail::trim;

constexpr std::string_view kExpected =
    "expected path:GLOB, name:GLOB, id:VVVV:PPPP, seat:NAME or *";

constexpr std::array<std::string_view, 4> kPrefixes{"path", "name", "id", "seat"};

// USB ids are 16-bit: one to four hex digits, nothing else ("0x" included).
std::optional<std::uint16_t> parse_hex16(std::string_view s)
{
    if (s.empty() || s.size() > 4)
        return std::nullopt;
    std::uint16_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
    if (ec != std::errc() || end != s.data() + s.size())
        return std::nullopt;
    return value;
}

bool has_control_character(std::string_view s)
{
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            return true;
    }
    return false;
}

// fnmatch works on C strings; rules and identities never hold a NUL.
bool glob_matches(const std::string &pattern, const std::string &value)
{
    return fnmatch(pattern.c_str(), value.c_str(), 0) == 0;
}

} // namespace

std::optional<DeviceRule> parse_device_rule(std::string_view text, std::string &error)
{
    const std::string_view rule = trim(text);
    if (rule.empty()) {
        error = "empty device rule (" + std::string(kExpected) + ")";
        return std::nullopt;
    }
    if (has_control_character(rule)) {
        error = "device rule contains a control character";
        return std::nullopt;
    }
    if (rule == "*")
        return DeviceRule{};

    const auto colon = rule.find(':');
    if (colon == std::string_view::npos) {
        error = "unknown device rule " + quote(rule) + " (" + std::string(kExpected) + ")";
        return std::nullopt;
    }
    const std::string_view prefix = rule.substr(0, colon);
    const std::string_view value = rule.substr(colon + 1);

    DeviceRule parsed;
    if (prefix == "path") {
        parsed.kind = DeviceRule::Kind::Path;
    } else if (prefix == "name") {
        parsed.kind = DeviceRule::Kind::Name;
    } else if (prefix == "seat") {
        parsed.kind = DeviceRule::Kind::Seat;
    } else if (prefix == "id") {
        parsed.kind = DeviceRule::Kind::Id;
    } else {
        error = "unknown device rule prefix " + quote(std::string(prefix) + ":") + " (" +
                std::string(kExpected) + ")";
        if (auto s = closest(prefix, kPrefixes)) {
            error += "; did you mean " + quote(std::string(*s) + ":") + "?";
        }
        return std::nullopt;
    }

    if (value.empty()) {
        error = quote(std::string(prefix) + ":") + " needs a value after the colon (" +
                std::string(kExpected) + ")";
        return std::nullopt;
    }

    if (parsed.kind == DeviceRule::Kind::Id) {
        const auto sep = value.find(':');
        std::optional<std::uint16_t> vendor, product;
        if (sep != std::string_view::npos) {
            vendor = parse_hex16(value.substr(0, sep));
            product = parse_hex16(value.substr(sep + 1));
        }
        if (!vendor || !product) {
            error = "bad USB id " + quote(rule) +
                    ": expected id:VVVV:PPPP with the vendor and product in hex, like "
                    "id:046d:c31c";
            return std::nullopt;
        }
        parsed.vendor = *vendor;
        parsed.product = *product;
        return parsed;
    }

    parsed.pattern = std::string(value);
    return parsed;
}

std::string to_string(const DeviceRule &rule)
{
    auto hex4 = [](std::uint16_t v) {
        static constexpr char kDigits[] = "0123456789abcdef";
        std::string s(4, '0');
        for (int i = 3; i >= 0; --i, v = static_cast<std::uint16_t>(v >> 4)) {
            s[static_cast<std::size_t>(i)] = kDigits[v & 0xf];
        }
        return s;
    };
    switch (rule.kind) {
    case DeviceRule::Kind::Path:
        return "path:" + rule.pattern;
    case DeviceRule::Kind::Name:
        return "name:" + rule.pattern;
    case DeviceRule::Kind::Id:
        return "id:" + hex4(rule.vendor) + ":" + hex4(rule.product);
    case DeviceRule::Kind::Seat:
        return "seat:" + rule.pattern;
    case DeviceRule::Kind::Fallback:
        break;
    }
    return "*";
}

bool matches(const DeviceRule &rule, const DeviceIdentity &device)
{
    switch (rule.kind) {
    case DeviceRule::Kind::Path:
        // A device without ID_PATH (virtual, uinput) is not matched by path:*.
        return !device.id_path.empty() && glob_matches(rule.pattern, device.id_path);
    case DeviceRule::Kind::Name:
        return glob_matches(rule.pattern, device.name);
    case DeviceRule::Kind::Id:
        return device.vendor == rule.vendor && device.product == rule.product;
    case DeviceRule::Kind::Seat:
        return device.wl_seat == rule.pattern || device.id_seat == rule.pattern;
    case DeviceRule::Kind::Fallback:
        break;
    }
    return false;
}

} // namespace phyllome::config
