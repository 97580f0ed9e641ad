// Which VM each USB device goes to, decided from the session file and what
// the session knows now; pure, so every case is a line of a table test.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "usb/usb_device.hpp"

namespace phyllome::usb {

struct PolicyInput {
    // The devices present.
    std::vector<UsbDevice> devices;
    // syspath of a USB device -> the seat that uses an input device it
    // carries (a keyboard, a mouse), as the compositor says. A device's own
    // `inputs` placed by the seats' `devices` rules count too.
    std::map<std::string, std::string> input_carriers;
    // seat -> the VM it shows now (seats showing none are absent).
    std::map<std::string, std::string> shown;
    // The VMs that run, so that a device can be attached to them.
    std::set<std::string> running;
    // sysname -> what a person asked: a VM, or nullopt to keep it out of
    // every VM. Stands until unplugged, detached or the VM stops.
    std::map<std::string, std::optional<std::string>> pins;
    // sysname -> the VM the device is in now (or is being put into).
    std::map<std::string, std::string> attached;
};

struct Placement {
    std::string sysname;
    std::optional<std::string> seat; // whose usb rules claim it
    std::optional<std::string> vm;   // where it should be now
    std::string reason;              // why it goes nowhere (vm empty)

    bool operator==(const Placement &) const = default;
};

// The seat whose `usb` rules claim the device: the first in file order with
// a matching rule, else the one with "*". `explicit_rule` (optional) tells
// whether that rule names the device (path:, id:, name:) rather than taking
// it by seat: or "*".
std::optional<std::string> usb_seat(const config::Config &config, const UsbDevice &device,
                                    bool *explicit_rule = nullptr);

// Where a VM may not take the device: the first class it does not allow
// ("class hid not allowed for VM 'work'"), "" when it may.
std::string class_refusal(const config::Config &config, const UsbDevice &device,
                          const std::string &vm);

// One placement per device, in the devices' order.
std::vector<Placement> place(const config::Config &config, const PolicyInput &input);

} // namespace phyllome::usb
