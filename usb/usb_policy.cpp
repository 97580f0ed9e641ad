#include "usb/usb_policy.hpp"

#include <cstdio>

#include "config/assignment.hpp"
#include "config/usb_class.hpp"

namespace phyllome::usb {

namespace {

std::string quoted(const std::string &name)
{
    return "'" + name + "'";
}

bool names_device(config::DeviceRule::Kind kind)
{
    using Kind = config::DeviceRule::Kind;
    return kind == Kind::Path || kind == Kind::Id || kind == Kind::Name;
}

std::string class_text(std::uint8_t code)
{
    const std::string_view name = config::usb_class_name(code);
    if (name != "other")
        return std::string(name);
    char hex[8];
    std::snprintf(hex, sizeof hex, "%02x", code);
    return std::string("other (") + hex + ")";
}

// The seat using an input device the USB device carries: as the compositor
// says, else as the seats' `devices` rules will place its inputs.
std::optional<std::string> input_seat(const config::Config &config, const PolicyInput &input,
                                      const UsbDevice &device)
{
    if (auto carrier = input.input_carriers.find(device.syspath);
        carrier != input.input_carriers.end())
        return carrier->second;
    for (const config::DeviceIdentity &identity : device.inputs)
        if (auto seat = config::seat_for_device(config, identity))
            return config.seats[*seat].name;
    return std::nullopt;
}

// Where the device goes, or why nowhere.
Placement decide(const config::Config &config, const PolicyInput &input, const UsbDevice &device)
{
    Placement out;
    out.sysname = device.sysname;
    bool explicit_rule = false;
    out.seat = usb_seat(config, device, &explicit_rule);

    if (device.hub()) {
        out.reason = "a hub: hubs are never passed through";
        return out;
    }
    if (device.classes.empty()) {
        out.reason = "its interfaces are not known yet";
        return out;
    }

    std::optional<std::string> vm;
    if (auto pin = input.pins.find(device.sysname); pin != input.pins.end()) {
        if (!pin->second) {
            out.reason = "detached by hand";
            return out;
        }
        vm = pin->second; // a person named it: it may be a seat's keyboard
    } else {
        if (!out.seat) {
            out.reason = "no seat's usb rule matches";
            return out;
        }
        if (auto carrier = input_seat(config, input, device); carrier && !explicit_rule) {
            out.reason = "input device of seat " + quoted(*carrier) +
                         ": name it in usb (path:, id: or name:) to pass it";
            return out;
        }
        const config::Seat *seat = config.find_seat(*out.seat);
        if (auto now = input.attached.find(device.sysname);
            seat && seat->usb_on_switch == config::Seat::UsbOnSwitch::Stay &&
            now != input.attached.end() && input.running.count(now->second)) {
            vm = now->second;
        } else if (auto shown = input.shown.find(*out.seat); shown != input.shown.end()) {
            vm = shown->second;
        } else {
            out.reason = "seat " + quoted(*out.seat) + " shows no VM";
            return out;
        }
    }
    if (!config.find_vm(*vm)) {
        out.reason = "VM " + quoted(*vm) + " is not in the session file";
        return out;
    }
    if (!input.running.count(*vm)) {
        out.reason = "VM " + quoted(*vm) + " is not running";
        return out;
    }
    if (std::string refusal = class_refusal(config, device, *vm); !refusal.empty()) {
        out.reason = std::move(refusal);
        return out;
    }
    out.vm = std::move(vm);
    return out;
}

} // namespace

std::optional<std::string> usb_seat(const config::Config &config, const UsbDevice &device,
                                    bool *explicit_rule)
{
    const config::DeviceIdentity identity = device.identity();
    const config::Seat *fallback = nullptr;
    for (const config::Seat &seat : config.seats) {
        for (const config::DeviceRule &rule : seat.usb) {
            if (rule.kind == config::DeviceRule::Kind::Fallback) {
                if (!fallback)
                    fallback = &seat;
                continue;
            }
            if (config::matches(rule, identity)) {
                if (explicit_rule)
                    *explicit_rule = names_device(rule.kind);
                return seat.name;
            }
        }
    }
    if (explicit_rule)
        *explicit_rule = false;
    if (fallback)
        return fallback->name;
    return std::nullopt;
}

std::string class_refusal(const config::Config &config, const UsbDevice &device,
                          const std::string &vm)
{
    const config::Vm *vm_config = config.find_vm(vm);
    if (!vm_config)
        return "VM " + quoted(vm) + " is not in the session file";
    for (const std::uint8_t code : device.classes) {
        if (!config::usb_class_allowed(vm_config->usb_classes, code))
            return "class " + class_text(code) + " not allowed for VM " + quoted(vm);
    }
    return "";
}

std::vector<Placement> place(const config::Config &config, const PolicyInput &input)
{
    std::vector<Placement> out;
    out.reserve(input.devices.size());
    for (const UsbDevice &device : input.devices)
        out.push_back(decide(config, input, device));
    return out;
}

} // namespace phyllome::usb
