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
    links_.clear();
    connections_.clear();
    off_loop_.reset(); // waits for libvirt calls still running
    vms_.clear();
    libvirt_loop_.reset();
}

void VmDisplays::attach_manual(const std::string &vm, vmview::UniqueFd fd)
{
    manual_.insert(vm);
    attach(vm, std::move(fd));
}

void VmDisplays::sync_libvirt()
{
    const config::Config &config = config_();
    std::map<std::string, std::string> wanted; // VM -> URI
    for (const config::Seat &seat : config.seats) {
        if (!seat.vm || manual_.count(*seat.vm))
            continue;
        if (const config::Vm *vm = config.find_vm(*seat.vm))
            wanted[vm->name] = config::effective_uri(config, *vm);
    }

    // Let go of VMs no seat shows any more (or whose URI changed): their
    // display goes with them.
    for (auto it = links_.begin(); it != links_.end();) {
        auto want = wanted.find(it->first);
        if (want != wanted.end() && it->second->uri() == want->second) {
            ++it;
            continue;
        }
        wlr_log(WLR_INFO, "VM %s: no longer shown; its display is closed", it->first.c_str());
        vms_.erase(it->first);
        it = links_.erase(it);
    }
    if (wanted.empty() && links_.empty())
        return;

    if (!libvirt_loop_) {
        libvirt_loop_ = std::make_unique<vmview::LibvirtLoop>(server_.event_loop());
        off_loop_ = std::make_unique<vmview::OffLoop>(server_.event_loop());
    }
    for (const auto &[name, uri] : wanted) {
        if (links_.count(name))
            continue;
        auto &connection = connections_[uri];
        if (!connection)
            connection =
                std::make_unique<vmview::LibvirtConnection>(server_.event_loop(), *off_loop_, uri);
        const config::Vm *vm = config.find_vm(name);
        vmview::VmLink::Handlers handlers;
        handlers.display_opened = [this, name](vmview::UniqueFd fd) {
            attach(name, std::move(fd));
        };
        handlers.state_changed = [this] {
            server_.refresh_cards();
        };
        wlr_log(WLR_INFO, "VM %s: following it through libvirt at %s", name.c_str(), uri.c_str());
        links_[name] =
            std::make_unique<vmview::VmLink>(server_.event_loop(), *off_loop_, *connection, name,
                                             vm && vm->autostart, std::move(handlers));
    }
    // Connections no VM uses any more.
    for (auto it = connections_.begin(); it != connections_.end();) {
        const bool used = std::any_of(wanted.begin(), wanted.end(),
                                      [&](const auto &w) { return w.second == it->first; });
        it = used ? std::next(it) : connections_.erase(it);
    }
    assign();
    server_.refresh_cards();
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
        // The VM may still run (QEMU closed the socket): libvirt opens it again.
        if (auto link = links_.find(vm); link != links_.end())
            link->second->display_lost();
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
        for (std::size_t i = 0; i < std::min(outputs.size(), consoles.size()); ++i) {
            shown[outputs[i]] = {consoles[i], scaling};
            // follow_output: the guest is asked for the output's size (sent
            // again only when it changes); where the device cannot, the
            // scaling setting places the frame.
            if (vm_config && vm_config->follow_output) {
                const wlr_output *output = outputs[i]->wlr();
                vm->second.client->set_ui_info(
                    consoles[i]->info().id, static_cast<uint32_t>(output->width),
                    static_cast<uint32_t>(output->height),
                    static_cast<uint16_t>(std::clamp(output->phys_width, 0, 65535)),
                    static_cast<uint16_t>(std::clamp(output->phys_height, 0, 65535)));
            }
        }
    }
    for (auto &[output, console] : shown)
        output->show_console(console.first, console.second);
}

std::string VmDisplays::state_of(const std::string &vm) const
{
    // libvirt's view first; once the VM runs, the display's.
    if (auto link = links_.find(vm);
        link != links_.end() && link->second->state() != vmview::VmLink::State::Running)
        return link->second->describe();
    auto it = vms_.find(vm);
    if (it == vms_.end())
        return "Not connected";
    return it->second.state;
}

vmview::DisplayClient *VmDisplays::client(const std::string &vm)
{
    auto it = vms_.find(vm);
    return it == vms_.end() ? nullptr : it->second.client.get();
}

virConnectPtr VmDisplays::libvirt(const std::string &uri) const
{
    auto it = connections_.find(uri);
    return it == connections_.end() ? nullptr : it->second->get();
}

const vmview::VmLink *VmDisplays::link(const std::string &vm) const
{
    auto it = links_.find(vm);
    return it == links_.end() ? nullptr : it->second.get();
}

const vmview::DisplayClient *VmDisplays::client(const std::string &vm) const
{
    auto it = vms_.find(vm);
    return it == vms_.end() ? nullptr : it->second.client.get();
}

} // namespace phyllome
