// The USB device classes a [[vm]]'s usb_classes may name, as USB-IF base
// class codes, so the config and the USB policy agree on one table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace phyllome::config {

struct UsbClassName {
    std::string_view name;
    std::uint8_t code;
};

// audio 01, cdc 02, hid 03, image 06, printer 07, storage 08, smartcard 0b,
// video 0e, wireless e0, misc ef, vendor ff. "*" (every class) is not in it.
std::span<const UsbClassName> usb_class_names();

// The code of a class name; nullopt for "*" and unknown names.
std::optional<std::uint8_t> usb_class_code(std::string_view name);

// The name of a code for messages: "hub" for 09, "other" for a code
// without a name.
std::string_view usb_class_name(std::uint8_t code);

// True when a VM with these usb_classes may receive a device of this class.
bool usb_class_allowed(std::span<const std::string> allowed, std::uint8_t code);

} // namespace phyllome::config
