// One USB device (a usb_device in udev's words, not an interface), as the
// USB rules and the pass-through see it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/device_rule.hpp"

namespace phyllome::usb {

struct UsbDevice {
    std::string sysname; // "1-2.3", the name under /sys/bus/usb/devices
    std::string syspath; // "/sys/devices/pci0000:00/.../1-2.3"
    unsigned busnum = 0;
    unsigned devnum = 0;
    std::uint16_t vendor = 0;  // idVendor
    std::uint16_t product = 0; // idProduct
    std::string manufacturer;  // the device's own strings, "" when it has none
    std::string product_name;
    std::string id_path; // udev's ID_PATH, else built from the controller's
    std::string id_seat; // udev's ID_SEAT
    // bDeviceClass, or when that is 00 (per interface) or ef (misc) the
    // interfaces' bInterfaceClass, each once. Empty: not known yet (the
    // interfaces appear after the device).
    std::vector<std::uint8_t> classes;
    // Its input devices (a keyboard's, a mouse's), as device rules see
    // them: which seat's `devices` rules take them tells, from udev alone,
    // whose keyboard it is, before the compositor has even opened it.
    std::vector<config::DeviceIdentity> inputs;

    // "manufacturer product", what name: rules match (like the kernel names
    // the HID inputs of the device).
    std::string name() const;
    bool hub() const;
    // What device rules match against.
    config::DeviceIdentity identity() const;

    bool operator==(const UsbDevice &) const = default;
};

// The classes of a device from its bDeviceClass and its interfaces'
// bInterfaceClass values (see UsbDevice::classes).
std::vector<std::uint8_t> usb_classes(std::uint8_t device_class,
                                      const std::vector<std::uint8_t> &interface_classes);

// ID_PATH as udev's path_id builds it for a USB device, from the ID_PATH of
// its host controller and its port path ("2.3", sysfs `devpath`):
// "pci-0000:00:14.0-usb-0:2.3". For devices udev gave none (71-seat.rules
// runs path_id only for some).
std::string usb_id_path(std::string_view controller_id_path, std::string_view devpath);

} // namespace phyllome::usb
