#include "input/held.hpp"

#include <algorithm>

namespace phyllome::input {

namespace {

void send(VmInput &vm, HeldKind kind, std::uint32_t code, bool pressed)
{
    if (kind == HeldKind::Key)
        vm.key(code, pressed);
    else
        vm.button(code, pressed);
}

} // namespace

void HeldInput::press(DeviceId device, HeldKind kind, std::uint32_t source, std::uint32_t sent,
                      VmInput &vm)
{
    bool vm_has_it = false;
    for (const Entry &e : entries_) {
        if (e.device == device && e.kind == kind && e.source == source)
            return; // a repeat: the guest does its own autorepeat
        if (e.vm == &vm && e.kind == kind && e.sent == sent)
            vm_has_it = true;
    }
    entries_.push_back({device, kind, source, sent, &vm});
    if (!vm_has_it)
        send(vm, kind, sent, true);
}

void HeldInput::release(DeviceId device, HeldKind kind, std::uint32_t source)
{
    const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry &e) {
        return e.device == device && e.kind == kind && e.source == source;
    });
    if (it != entries_.end())
        drop(static_cast<std::size_t>(it - entries_.begin()));
}

void HeldInput::release_all(DeviceId device)
{
    for (std::size_t i = entries_.size(); i-- > 0;) {
        if (entries_[i].device == device)
            drop(i);
    }
}

void HeldInput::release_all_in(const VmInput &vm)
{
    for (std::size_t i = entries_.size(); i-- > 0;) {
        if (entries_[i].vm == &vm)
            drop(i);
    }
}

bool HeldInput::holds(DeviceId device) const
{
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const Entry &e) { return e.device == device; });
}

std::size_t HeldInput::count_in(const VmInput &vm) const
{
    return static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(),
                                                  [&](const Entry &e) { return e.vm == &vm; }));
}

void HeldInput::drop(std::size_t index)
{
    const Entry e = entries_[index];
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(index));
    const bool still_held = std::any_of(entries_.begin(), entries_.end(), [&](const Entry &o) {
        return o.vm == e.vm && o.kind == e.kind && o.sent == e.sent;
    });
    if (!still_held)
        send(*e.vm, e.kind, e.sent, false);
}

} // namespace phyllome::input
