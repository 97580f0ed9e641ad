// A host USB device passed to a running VM: the <hostdev> XML libvirt
// hot-plugs, and the session's own hostdevs read back from a domain's live
// XML (after a session restart, to reconcile). Pure: no libvirt calls here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phyllome::libvirt {

struct UsbHostdev {
    std::string sysname; // the kernel's name under /sys/bus/usb/devices ("1-2.3")
    unsigned bus = 0;    // busnum
    unsigned device = 0; // devnum
    std::uint16_t vendor = 0;
    std::uint16_t product = 0;
    bool operator==(const UsbHostdev &) const = default;
};

// Every alias the session gives starts so: libvirt keeps user aliases
// ("ua-") across hotplug, so they mark the session's hostdevs.
inline constexpr std::string_view kUsbAliasPrefix = "ua-phyllome-";

// "ua-phyllome-" and the sysname with '.' and ':' turned into '-'
// ("1-2.3" -> "ua-phyllome-1-2-3"), or nullopt when the sysname is empty
// or has characters other than letters, digits, '-', '.' and ':'.
std::optional<std::string> usb_hostdev_alias(std::string_view sysname);

// Why libvirt could not be given this device (a sysname the alias cannot
// carry, bus or device 0, vendor 0), or nullopt when it can.
std::optional<std::string> check_usb_hostdev(const UsbHostdev &hostdev);

// <hostdev mode='subsystem' type='usb'> naming the device by vendor and
// product and by its bus and device address (libvirt wants both to match,
// so a device number the kernel reused for another device is not taken),
// with the session's alias. The hostdev must pass check_usb_hostdev.
std::string usb_hostdev_xml(const UsbHostdev &hostdev);

// The session's USB hostdevs (alias starting with kUsbAliasPrefix) in a
// domain's XML, in document order; nullopt when the XML does not parse.
// Each one's sysname is the alias's (the part after the prefix, '.' and
// ':' already read as '-'), so that usb_hostdev_alias of it gives the alias
// back: compare devices by alias.
std::optional<std::vector<UsbHostdev>> read_usb_hostdevs(std::string_view domain_xml);

} // namespace phyllome::libvirt
