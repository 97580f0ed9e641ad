#include "session/usb_router.hpp"

#include <algorithm>

#include "base/log.hpp"

namespace phyllome {

namespace {

std::string quoted(const std::string &name)
{
    return "'" + name + "'";
}

} // namespace

UsbRouter::UsbRouter(usb::UsbSource &source, std::function<const config::Config &()> config,
                     World world, Attacher &attacher)
    : source_(source), config_(std::move(config)), world_(std::move(world)), attacher_(attacher),
      alive_(std::make_shared<UsbRouter *>(this))
{
    for (const usb::UsbDevice &device : source_.devices())
        add_entry(device);
    source_.set_handlers({
        .added = [this](const usb::UsbDevice &device) { added(device); },
        .removed = [this](const usb::UsbDevice &device) { removed(device); },
    });
}

UsbRouter::~UsbRouter()
{
    source_.set_handlers({});
}

void UsbRouter::add_entry(const usb::UsbDevice &device)
{
    Entry entry;
    entry.device = device;
    entries_.push_back(std::move(entry));
}

UsbRouter::Entry *UsbRouter::find(const std::string &sysname)
{
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const Entry &e) { return e.device.sysname == sysname; });
    return it == entries_.end() ? nullptr : &*it;
}

UsbRouter::Entry *UsbRouter::find_for(const usb::UsbDevice &device)
{
    if (Entry *entry = find(device.sysname))
        return entry;
    // Plugged in again while a VM's hold on it, from before the session
    // knew it, is still being taken out.
    const std::string id = attacher_.id_of(device);
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry &e) {
        return !e.present && !e.held_id.empty() && e.held_id == id;
    });
    return it == entries_.end() ? nullptr : &*it;
}

void UsbRouter::added(const usb::UsbDevice &device)
{
    if (Entry *entry = find_for(device)) {
        // Read again (its interfaces came), or plugged in again while the
        // old one was still being taken out: whatever is in flight ends
        // with a fresh look.
        if (!entry->present)
            entry->failed.reset();
        entry->present = true;
        entry->device = device;
    } else {
        add_entry(device);
    }
    reconcile();
}

void UsbRouter::removed(const usb::UsbDevice &device)
{
    Entry *entry = find(device.sysname);
    if (!entry)
        return;
    entry->present = false;
    pins_.erase(device.sysname);
    answer(*entry, "device " + quoted(device.sysname) + " was unplugged");
    reconcile();
}

void UsbRouter::refresh()
{
    reconcile();
}

void UsbRouter::attach(const std::string &sysname, std::optional<std::string> vm,
                       Attacher::Done done)
{
    Entry *entry = find(sysname);
    if (!entry || !entry->present) {
        done("no USB device " + quoted(sysname) + " (phyllomectl usb lists them)");
        return;
    }
    const config::Config &config = config_();
    if (!vm) {
        const auto seat = usb::usb_seat(config, entry->device);
        const auto shown = world_.shown();
        const auto it = seat ? shown.find(*seat) : shown.end();
        if (it == shown.end()) {
            done(seat ? "seat " + quoted(*seat) + " shows no VM: name one"
                      : "device " + quoted(sysname) + " belongs to no seat's usb rules: name a VM");
            return;
        }
        vm = it->second;
    }
    // What the policy says with the pin in place: a hub, a class the VM
    // does not take or a VM that does not run is refused, and nothing is
    // pinned.
    const std::set<std::string> running = world_.running();
    usb::PolicyInput input = policy_input(running);
    input.devices = {entry->device};
    input.pins[sysname] = *vm;
    const usb::Placement placed = usb::place(config, input).at(0);
    if (placed.vm != vm) {
        done(placed.reason);
        return;
    }
    pins_[sysname] = *vm;
    entry->failed.reset();
    entry->waiting.push_back(std::move(done));
    reconcile();
}

void UsbRouter::detach(const std::string &sysname, Attacher::Done done)
{
    Entry *entry = find(sysname);
    if (!entry || !entry->present) {
        done("no USB device " + quoted(sysname) + " (phyllomectl usb lists them)");
        return;
    }
    pins_[sysname] = std::nullopt;
    entry->failed.reset();
    entry->waiting.push_back(std::move(done));
    reconcile();
}

usb::PolicyInput UsbRouter::policy_input(const std::set<std::string> &running) const
{
    usb::PolicyInput input;
    input.running = running;
    input.shown = world_.shown();
    input.input_carriers = world_.input_carriers();
    input.pins = pins_;
    for (const Entry &entry : entries_) {
        if (!entry.present)
            continue;
        input.devices.push_back(entry.device);
        if (entry.op == Op::Attach)
            input.attached[entry.device.sysname] = entry.op_vm;
        else if (entry.in_vm)
            input.attached[entry.device.sysname] = *entry.in_vm;
    }
    return input;
}

void UsbRouter::reconcile()
{
    // An attacher may answer at once, from inside start(): that answer's
    // look at the world waits for this one to end.
    if (reconciling_) {
        again_ = true;
        return;
    }
    reconciling_ = true;
    do {
        again_ = false;
        reconcile_once();
    } while (again_);
    reconciling_ = false;
}

void UsbRouter::reconcile_once()
{
    const std::set<std::string> running = world_.running();
    // A VM that stopped took its devices with it, and ends the pins on it.
    for (Entry &entry : entries_) {
        if (entry.op == Op::None && entry.in_vm && !running.count(*entry.in_vm)) {
            base::log_info("USB %s: VM '%s' stopped, the device is out of it",
                           entry.device.sysname.c_str(), entry.in_vm->c_str());
            entry.in_vm.reset();
            entry.failed.reset();
        }
    }
    std::erase_if(pins_,
                  [&](const auto &pin) { return pin.second && !running.count(*pin.second); });
    // A VM that stopped is asked again when it runs again.
    std::erase_if(vms_, [&](const auto &vm) { return !running.count(vm.first); });
    ask_new_vms(running);
    // A device may already be in a VM not heard from yet: libvirt would
    // refuse it elsewhere, and it would be attached twice there.
    const bool learning =
        std::any_of(vms_.begin(), vms_.end(), [](const auto &vm) { return !vm.second.known; });

    const config::Config &config = config_();
    const usb::PolicyInput input = policy_input(running);
    const std::vector<usb::Placement> placed = usb::place(config, input);

    for (Entry &entry : entries_) {
        std::optional<std::string> desired;
        if (entry.present) {
            const auto it = std::find_if(placed.begin(), placed.end(), [&](const auto &p) {
                return p.sysname == entry.device.sysname;
            });
            if (it != placed.end()) {
                entry.seat = it->seat;
                entry.reason = it->reason;
                desired = it->vm;
            }
        }
        if (entry.op != Op::None)
            continue; // decided again when its result comes
        if (entry.failed &&
            ((entry.failed->first == Op::Attach && desired != entry.failed->second) ||
             (entry.failed->first == Op::Detach && entry.in_vm != entry.failed->second)))
            entry.failed.reset();
        const auto failed = [&](Op op, const std::string &vm) {
            return entry.failed && entry.failed->first == op && entry.failed->second == vm;
        };
        if (entry.in_vm && entry.in_vm != desired) {
            if (!failed(Op::Detach, *entry.in_vm)) {
                start(entry, Op::Detach, *entry.in_vm);
                continue;
            }
        } else if (!entry.in_vm && desired) {
            if (learning) {
                entry.reason = "waiting for the running VMs to say which USB devices they hold";
                continue; // its commands too
            }
            if (!failed(Op::Attach, *desired)) {
                start(entry, Op::Attach, *desired);
                continue;
            }
        }
        // Nothing more to do for it: the commands waiting on it are answered.
        if (!entry.waiting.empty()) {
            const bool where_wanted = entry.in_vm == desired;
            answer(entry, where_wanted                ? ""
                          : !entry.last_error.empty() ? entry.last_error
                                                      : entry.reason);
        }
    }
    // Unplugged and out of every VM: gone.
    std::erase_if(entries_,
                  [](const Entry &e) { return !e.present && e.op == Op::None && !e.in_vm; });
}

void UsbRouter::start(Entry &entry, Op op, const std::string &vm)
{
    entry.op = op;
    entry.op_vm = vm;
    entry.op_id = ++next_op_;
    base::log_info("USB %s (%s): %s VM '%s'", entry.device.sysname.c_str(),
                   entry.device.name().c_str(),
                   op == Op::Attach ? "attaching to" : "detaching from", vm.c_str());
    Attacher::Done done = [alive = std::weak_ptr<UsbRouter *>(alive_),
                           id = entry.op_id](std::string error) {
        if (auto router = alive.lock())
            (*router)->finished(id, std::move(error));
    };
    // A copy: the attacher may answer at once, and the entry's device is
    // the router's to change.
    const usb::UsbDevice device = entry.device;
    if (op == Op::Attach)
        attacher_.attach(vm, device, std::move(done));
    else if (!entry.held_id.empty())
        attacher_.detach_held(vm, entry.held_id, std::move(done));
    else
        attacher_.detach(vm, device, std::move(done));
}

void UsbRouter::ask_new_vms(const std::set<std::string> &running)
{
    std::vector<std::pair<std::string, std::uint64_t>> asks;
    for (const std::string &vm : running) {
        if (vms_.count(vm))
            continue;
        Vm &state = vms_[vm];
        state.ask_id = ++next_op_;
        asks.emplace_back(vm, state.ask_id);
    }
    // After the bookkeeping: an answer may come at once.
    for (const auto &[vm, id] : asks) {
        attacher_.held(vm, [alive = std::weak_ptr<UsbRouter *>(alive_), vm = vm,
                            id = id](std::vector<std::string> ids, std::string error) {
            if (auto router = alive.lock())
                (*router)->learned(vm, id, std::move(ids), std::move(error));
        });
    }
}

void UsbRouter::learned(const std::string &vm, std::uint64_t ask_id, std::vector<std::string> ids,
                        std::string error)
{
    auto it = vms_.find(vm);
    if (it == vms_.end() || it->second.ask_id != ask_id || it->second.known)
        return; // stopped (and maybe started again) meanwhile
    it->second.known = true;
    it->second.error = error;
    if (!error.empty())
        base::log_error("USB: which devices VM '%s' holds is not known: %s", vm.c_str(),
                        error.c_str());
    for (const std::string &id : ids) {
        if (id.empty())
            continue; // names no device
        auto present = std::find_if(entries_.begin(), entries_.end(), [&](const Entry &e) {
            return e.present && attacher_.id_of(e.device) == id;
        });
        if (present == entries_.end()) {
            // Unplugged while no session ran: taken out (reconcile does).
            base::log_info("USB %s: held by VM '%s' but not plugged in", id.c_str(), vm.c_str());
            Entry gone;
            gone.device.sysname = id;
            gone.present = false;
            gone.in_vm = vm;
            gone.held_id = id;
            entries_.push_back(std::move(gone));
        } else if (present->op == Op::None && !present->in_vm) {
            base::log_info("USB %s: already in VM '%s'", present->device.sysname.c_str(),
                           vm.c_str());
            present->in_vm = vm;
        } else if (present->in_vm != vm) {
            present->last_error = "VM " + quoted(vm) + " holds it too";
            base::log_error("USB %s: %s", present->device.sysname.c_str(),
                            present->last_error.c_str());
        }
    }
    reconcile();
}

void UsbRouter::finished(std::uint64_t op_id, std::string error)
{
    // By its operation: a device plugged in again while its old hold was
    // taken out changed its name meanwhile.
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const Entry &e) { return e.op != Op::None && e.op_id == op_id; });
    if (it == entries_.end())
        return;
    Entry *entry = &*it;
    const std::string sysname = entry->device.sysname;
    const Op op = entry->op;
    const std::string vm = entry->op_vm;
    const bool held_only = !entry->held_id.empty();
    entry->op = Op::None;
    if (op == Op::Detach)
        entry->held_id.clear();
    if (error.empty()) {
        if (op == Op::Attach)
            entry->in_vm = vm;
        else
            entry->in_vm.reset();
        entry->last_error.clear();
        entry->failed.reset();
        base::log_info("USB %s: %s VM '%s'", sysname.c_str(),
                       op == Op::Attach ? "attached to" : "detached from", vm.c_str());
    } else {
        entry->last_error =
            (op == Op::Attach ? "attach to VM " : "detach from VM ") + quoted(vm) + ": " + error;
        entry->failed = std::pair(op, vm);
        // Unplugged: nothing more to take out; the VM keeps a device that
        // is gone, which QEMU shows as unplugged.
        if (op == Op::Detach && !entry->present) {
            entry->in_vm.reset();
            // Gone from the list with it: the VM's status keeps it.
            auto held_by = vms_.find(vm);
            if (held_only && held_by != vms_.end())
                held_by->second.error = entry->device.sysname + ": " + entry->last_error;
        }
        base::log_error("USB %s: %s", sysname.c_str(), entry->last_error.c_str());
        answer(*entry, entry->last_error);
    }
    reconcile();
}

void UsbRouter::answer(Entry &entry, const std::string &error)
{
    std::vector<Attacher::Done> waiting;
    waiting.swap(entry.waiting);
    for (auto &done : waiting)
        done(error);
}

std::vector<UsbRouter::DeviceStatus> UsbRouter::status() const
{
    std::vector<DeviceStatus> out;
    for (const Entry &entry : entries_) {
        DeviceStatus s;
        s.device = entry.device;
        s.seat = entry.seat;
        s.vm = entry.in_vm;
        switch (entry.op) {
        case Op::Attach:
            s.state = "attaching to " + quoted(entry.op_vm);
            break;
        case Op::Detach:
            s.state = "detaching from " + quoted(entry.op_vm);
            break;
        case Op::None:
            s.state = entry.in_vm ? "attached" : "not attached";
            break;
        }
        if (!entry.present)
            s.state += ", unplugged";
        if (!entry.in_vm && entry.op == Op::None)
            s.reason = entry.reason;
        s.error = entry.last_error;
        s.manual = pins_.count(entry.device.sysname) > 0;
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<UsbRouter::VmStatus> UsbRouter::vms() const
{
    std::vector<VmStatus> out;
    for (const auto &[name, vm] : vms_)
        out.push_back({name, vm.known, vm.error});
    return out;
}

} // namespace phyllome
