#include "compositor/vm_displays.hpp"

#include <algorithm>

#include "compositor/output.hpp"
#include "compositor/server.hpp"

namespace phyllome {

VmDisplays::VmDisplays(Server &server, std::function<const config::Config &()> config)
    : server_(server), config_(std::move(config))
{
}

VmDisplays::~VmDisplays()
{
    // Outputs must stop showing consoles before the consoles go.
    for (const auto &output : server_.outputs())
        output->show_console(nullptr, config::Scaling::Fit);
    if (cleanup_)
        wl_event_source_remove(cleanup_);
}

void VmDisplays::attach(const std::string &vm, vmview::UniqueFd fd)
{
    Vm &entry = vms_[vm];
    if (entry.client) {
        // Outputs let go of the old consoles first.
        auto old = std::move(entry.client);
        assign();
        old.reset();
    }
    entry.state = "Connecting";
    vmview::DisplayClient::Handlers handlers;
    handlers.console_added = [this, vm](vmview::Console &console) {
        console.on_disconnected = [this] {
            console_changed();
        };
        auto it = vms_.find(vm);
        if (it != vms_.end())
            it->second.state = "Display off";
        console_changed();
    };
    handlers.closed = [this, vm](const std::string &reason) {
        auto it = vms_.find(vm);
        if (it == vms_.end())
            return;
        it->second.state = "Display disconnected";
        wlr_log(WLR_ERROR, "VM %s: display %s", vm.c_str(), reason.c_str());
        closed_.push_back(std::move(it->second.client));
        assign();
        server_.refresh_cards();
        if (!cleanup_)
            cleanup_ = wl_event_loop_add_idle(server_.event_loop(), on_idle_cleanup, this);
    };
    entry.client = std::make_unique<vmview::DisplayClient>(server_.event_loop(), std::move(fd), vm,
                                                           std::move(handlers));
    server_.refresh_cards();
}

void VmDisplays::on_idle_cleanup(void *data)
{
    auto *self = static_cast<VmDisplays *>(data);
    self->cleanup_ = nullptr;
    self->closed_.clear();
}

void VmDisplays::console_changed()
{
    assign();
    server_.refresh_cards();
}

void VmDisplays::assign()
{
    const config::Config &config = config_();
    std::map<Output *, std::pair<vmview::Console *, config::Scaling>> shown;
    for (const auto &output : server_.outputs())
        shown[output.get()] = {nullptr, config::Scaling::Fit};

    auto find_output = [&](const std::string &name) -> Output * {
        for (const auto &output : server_.outputs())
            if (output->name() == name)
                return output.get();
        return nullptr;
    };
    auto named_by_a_seat = [&](const std::string &name) {
        return std::any_of(config.seats.begin(), config.seats.end(), [&](const config::Seat &seat) {
            return std::find(seat.outputs.begin(), seat.outputs.end(), name) != seat.outputs.end();
        });
    };

    for (const config::Seat &seat : config.seats) {
        if (!seat.vm)
            continue;
        auto vm = vms_.find(*seat.vm);
        if (vm == vms_.end() || !vm->second.client || !vm->second.client->connected())
            continue;
        // The seat's outputs in its order, then (for the seat that takes
        // the rest) every output no seat names, in the order they came.
        std::vector<Output *> outputs;
        for (const std::string &name : seat.outputs)
            if (Output *output = find_output(name))
                outputs.push_back(output);
        if (seat.all_outputs)
            for (const auto &output : server_.outputs())
                if (!named_by_a_seat(output->name()))
                    outputs.push_back(output.get());

        std::vector<vmview::Console *> consoles;
        for (const auto &console : vm->second.client->consoles())
            if (console->connected())
                consoles.push_back(console.get());
        std::sort(consoles.begin(), consoles.end(), [](auto *a, auto *b) {
            return std::pair(a->info().head, a->info().id) <
                   std::pair(b->info().head, b->info().id);
        });

        const config::Vm *vm_config = config.find_vm(*seat.vm);
        const config::Scaling scaling = vm_config ? vm_config->scaling : config::Scaling::Fit;
        for (std::size_t i = 0; i < std::min(outputs.size(), consoles.size()); ++i)
            shown[outputs[i]] = {consoles[i], scaling};
    }
    for (auto &[output, console] : shown)
        output->show_console(console.first, console.second);
}

std::string VmDisplays::state_of(const std::string &vm) const
{
    auto it = vms_.find(vm);
    if (it == vms_.end())
        return "Not connected";
    return it->second.state;
}

const vmview::DisplayClient *VmDisplays::client(const std::string &vm) const
{
    auto it = vms_.find(vm);
    return it == vms_.end() ? nullptr : it->second.client.get();
}

} // namespace phyllome
