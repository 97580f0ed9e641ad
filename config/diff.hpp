// The difference between two valid configurations, as plain data, so a
// reload touches only what changed.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace phyllome::config {

// Which settings of a VM changed. uri compares the effective connection
// (Vm::uri, else session.libvirt_uri), so editing the session default only
// reports the VMs that use it.
struct VmAspects {
    bool uri = false;
    bool autostart = false;
    bool scaling = false;
    bool follow_output = false;
    bool audio_when_hidden = false;
    bool usb_classes = false;

    bool any() const
    {
        return uri || autostart || scaling || follow_output || audio_when_hidden || usb_classes;
    }
    bool operator==(const VmAspects &) const = default;
};

// Which settings of a seat changed.
struct SeatAspects {
    bool vm = false;      // the VM shown (Seat::vm)
    bool vms = false;     // the VMs it may switch between
    bool outputs = false; // its output list or all_outputs
    bool devices = false; // its device rules
    bool audio = false;   // audio_out or audio_in
    bool usb = false;     // usb rules or usb_on_switch

    bool any() const { return vm || vms || outputs || devices || audio || usb; }
    bool operator==(const SeatAspects &) const = default;
};

struct Action {
    // Listed in the order diff() emits them, which is a safe order to apply
    // them in: let go of what is removed before giving it to someone else.
    enum class Kind {
        SeatRemoved,      // name: the seat (from the old config)
        VmRemoved,        // name: the VM
        VmAdded,          // name: the VM
        VmChanged,        // name: the VM; vm: what changed
        SeatChanged,      // name: the seat; seat: what changed
        SeatAdded,        // name: the seat
        SeatOrderChanged, // seats kept their settings but not their order, so
                          // devices may resolve to another seat; name empty
        KeysChanged,      // host_keys or any [keys] entry; name empty
    };

    Kind kind = Kind::KeysChanged;
    std::string name;
    VmAspects vm;     // VmChanged only
    SeatAspects seat; // SeatChanged only

    bool operator==(const Action &) const = default;
};

// Everything that differs, grouped by Kind in the order above and within a
// kind in file order. Equal configurations give an empty list; an unchanged
// seat never appears. Outputs and devices moving follow from the seat
// actions; ask output_move()/device_move() (assignment.hpp) per output and
// per device.
std::vector<Action> diff(const Config &old_cfg, const Config &new_cfg);

// "seat 'left' changed: vm, outputs", "vm 'work' added", "keys changed".
std::string to_string(const Action &action);
std::ostream &operator<<(std::ostream &out, const Action &action);

} // namespace phyllome::config
