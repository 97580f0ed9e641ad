// What each input device holds down, and in which VM. This is what keeps
// keys from sticking: every press is remembered with the sink it went to, so
// its release goes there too, and whatever is still down when a device
// leaves, moves, or its VM goes away can be released there at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "input/vm_input.hpp"

namespace phyllome::input {

// A device as the compositor names it; any value, unique while plugged.
using DeviceId = std::uint64_t;

enum class HeldKind { Key, Button };

class HeldInput {
public:
    // `source` is the device's own code (the evdev key or button), `sent`
    // what the VM gets (qnum or QEMU button). A device pressing a source it
    // already holds is a repeat and is dropped. When other devices already
    // hold the same `sent` in the same VM, the VM is not told again: it sees
    // one press, and one release after the last holder lets go.
    void press(DeviceId device, HeldKind kind, std::uint32_t source, std::uint32_t sent,
               VmInput &vm);
    // Sends the release to the VM the press went to. A release of something
    // the device does not hold is dropped.
    void release(DeviceId device, HeldKind kind, std::uint32_t source);

    // Releases everything the device holds, last pressed first.
    void release_all(DeviceId device);
    // Releases everything held in `vm`, by any device, last pressed first.
    void release_all_in(const VmInput &vm);

    bool holds(DeviceId device) const;
    // How many presses are held in `vm` (by all devices).
    std::size_t count_in(const VmInput &vm) const;

private:
    struct Entry {
        DeviceId device;
        HeldKind kind;
        std::uint32_t source;
        std::uint32_t sent;
        VmInput *vm;
    };

    // Removes entry `index` and tells its VM if nobody else holds it there.
    void drop(std::size_t index);

    // In press order. A handful of entries at a time, so a vector is fastest.
    std::vector<Entry> entries_;
};

} // namespace phyllome::input
