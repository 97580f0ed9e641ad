#include "config/usb_class.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace phyllome::config {

namespace {

constexpr std::array<UsbClassName, 11> kClasses{{
    {"audio", 0x01},
    {"cdc", 0x02},
    {"hid", 0x03},
    {"image", 0x06},
    {"printer", 0x07},
    {"storage", 0x08},
    {"smartcard", 0x0b},
    {"video", 0x0e},
    {"wireless", 0xe0},
    {"misc", 0xef},
    {"vendor", 0xff},
}};

} // namespace

std::span<const UsbClassName> usb_class_names()
{
    return kClasses;
}

std::optional<std::uint8_t> usb_class_code(std::string_view name)
{
    for (const auto &c : kClasses)
        if (c.name == name)
            return c.code;
    return std::nullopt;
}

std::string_view usb_class_name(std::uint8_t code)
{
    if (code == 0x09)
        return "hub";
    for (const auto &c : kClasses)
        if (c.code == code)
            return c.name;
    return "other";
}

bool usb_class_allowed(std::span<const std::string> allowed, std::uint8_t code)
{
    return std::any_of(allowed.begin(), allowed.end(), [&](const std::string &name) {
        return name == "*" || usb_class_code(name) == code;
    });
}

} // namespace phyllome::config
