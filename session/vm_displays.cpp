#include "session/vm_displays.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "vmview/console_input.hpp"
#include "compositor/input_devices.hpp"
#include "compositor/output.hpp"
#include "compositor/server.hpp"

namespace phyllome {

namespace {
// How long the identify overlay stays on the seat's screens.
constexpr int kIdentifyMs = 3000;
} // namespace

VmDisplays::VmDisplays(Server &server, std::function<const config::Config &()> config)
    : server_(server), config_(std::move(config))
{
}

VmDisplays::~VmDisplays()
{
    // Outputs must stop showing consoles before the consoles go.
    for (const auto &output : server_.outputs()) {
        output->on_placement_changed = nullptr;
        output->show_console(nullptr, config::Scaling::Fit);
    }
    if (cleanup_)
        wl_event_source_remove(cleanup_);
    if (reassign_)
        wl_event_source_remove(reassign_);
    links_.clear();
    connections_.clear();
    off_loop_.reset(); // waits for libvirt calls still running
    for (auto &[name, vm] : vms_)
        if (vm.client)
            drop_sinks(*vm.client);
    for (auto &client : closed_)
        drop_sinks(*client);
    vms_.clear();
    libvirt_loop_.reset();
}

void VmDisplays::attach_manual(const std::string &vm, base::UniqueFd fd)
{
    manual_.insert(vm);
    attach(vm, std::move(fd));
}

void VmDisplays::sync_libvirt()
{
    const config::Config &config = config_();
    std::map<std::string, std::string> wanted; // VM -> URI
    // A host-key switch holds only while the file still allows that VM.
    for (auto it = switched_.begin(); it != switched_.end();) {
        const config::Seat *seat = config.find_seat(it->first);
        const auto allowed = seat ? config::allowed_vms(config, *seat) : std::vector<std::string>{};
        it = std::find(allowed.begin(), allowed.end(), it->second) == allowed.end()
                 ? switched_.erase(it)
                 : std::next(it);
    }
    for (const config::Seat &seat : config.seats) {
        const auto shown = shown_vm(seat);
        if (!shown || manual_.count(*shown))
            continue;
        if (const config::Vm *vm = config.find_vm(*shown))
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
        base::log_info("VM %s: no longer shown; its display is closed", it->first.c_str());
        if (auto vm = vms_.find(it->first); vm != vms_.end()) {
            if (vm->second.client) {
                auto old = std::move(vm->second.client);
                vms_.erase(vm);
                assign(); // outputs and input let go first
                drop_sinks(*old);
            } else {
                vms_.erase(vm);
            }
        }
        it = links_.erase(it);
    }
    if (wanted.empty() && links_.empty())
        return;

    prepare_libvirt();
    for (const auto &[name, uri] : wanted) {
        if (links_.count(name))
            continue;
        auto &connection = connections_[uri];
        if (!connection)
            connection =
                std::make_unique<libvirt::LibvirtConnection>(server_.event_loop(), *off_loop_, uri);
        const config::Vm *vm = config.find_vm(name);
        libvirt::VmLink::Handlers handlers;
        handlers.display_opened = [this, name](base::UniqueFd fd) {
            attach(name, std::move(fd));
        };
        handlers.state_changed = [this] {
            server_.refresh_cards();
        };
        base::log_info("VM %s: following it through libvirt at %s", name.c_str(), uri.c_str());
        links_[name] =
            std::make_unique<libvirt::VmLink>(server_.event_loop(), *off_loop_, *connection, name,
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

void VmDisplays::prepare_libvirt()
{
    if (!libvirt_loop_) {
        libvirt_loop_ = std::make_unique<libvirt::LibvirtLoop>(server_.event_loop());
        off_loop_ = std::make_unique<base::OffLoop>(server_.event_loop());
    }
}

void VmDisplays::attach(const std::string &vm, base::UniqueFd fd)
{
    Vm &entry = vms_[vm];
    if (entry.client) {
        // Outputs and input let go of the old consoles first.
        auto old = std::move(entry.client);
        assign();
        drop_sinks(*old);
        old.reset();
    }
    entry.state = "Connecting";
    vmview::DisplayClient::Handlers handlers;
    handlers.console_added = [this](vmview::Console &console) {
        console.on_disconnected = [this] {
            console_changed();
        };
        console_changed();
    };
    handlers.closed = [this, vm](const std::string &reason) {
        auto it = vms_.find(vm);
        if (it == vms_.end())
            return;
        it->second.state = "Display disconnected";
        base::log_error("VM %s: display %s", vm.c_str(), reason.c_str());
        drop_sinks(*it->second.client);
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
    entry.client->on_keyboard_leds = [this, vm](uint32_t, uint32_t leds) {
        if (!input_)
            return;
        for (const config::Seat &seat : config_().seats)
            if (shown_vm(seat) == vm)
                input_->set_seat_leds(seat.name, leds);
    };
    entry.client->on_ui_info_unsupported = [this, vm](uint32_t console, const std::string &why) {
        // Once per console for the session, not again with each new display
        // connection (a restart, a switch back, a reload).
        if (ui_info_refused_.insert({vm, console}).second)
            base::log_info("VM %s: console %u keeps its size (%s): scaling applies", vm.c_str(),
                    console, why.c_str());
    };
    entry.client->on_pointer_mode = [this](uint32_t, bool) {
        if (input_)
            input_->resend_pointer_positions();
    };
    server_.refresh_cards();
}

void VmDisplays::on_idle_cleanup(void *data)
{
    auto *self = static_cast<VmDisplays *>(data);
    self->cleanup_ = nullptr;
    self->closed_.clear();
}

void VmDisplays::reassign_soon()
{
    if (reassign_)
        return;
    reassign_ = wl_event_loop_add_idle(
        server_.event_loop(),
        [](void *data) {
            auto *self = static_cast<VmDisplays *>(data);
            self->reassign_ = nullptr;
            self->assign();
        },
        this);
}

void VmDisplays::console_changed()
{
    assign();
    server_.refresh_cards();
}

std::optional<std::string> VmDisplays::shown_vm(const config::Seat &seat) const
{
    if (auto it = switched_.find(seat.name); it != switched_.end())
        return it->second;
    return seat.vm;
}

std::vector<Output *> VmDisplays::outputs_of(const config::Seat &seat) const
{
    const config::Config &config = config_();
    auto named_by_a_seat = [&](const std::string &name) {
        return std::any_of(config.seats.begin(), config.seats.end(), [&](const config::Seat &s) {
            return std::find(s.outputs.begin(), s.outputs.end(), name) != s.outputs.end();
        });
    };
    // The seat's outputs in its order, then (for the seat that takes the
    // rest) every output no seat names, in the order they came.
    std::vector<Output *> outputs;
    for (const std::string &name : seat.outputs)
        for (const auto &output : server_.outputs())
            if (output->name() == name)
                outputs.push_back(output.get());
    if (seat.all_outputs)
        for (const auto &output : server_.outputs())
            if (!named_by_a_seat(output->name()))
                outputs.push_back(output.get());
    return outputs;
}

ConsoleInput *VmDisplays::sink_for(vmview::DisplayClient &client, vmview::Console &console)
{
    auto &sink = sinks_[&console];
    if (!sink)
        sink = std::make_unique<ConsoleInput>(client, console.info().id);
    return sink.get();
}

void VmDisplays::drop_sinks(const vmview::DisplayClient &client)
{
    for (const auto &console : client.consoles()) {
        auto it = sinks_.find(console.get());
        if (it == sinks_.end())
            continue;
        if (input_)
            input_->router().remove_vm(*it->second);
        sinks_.erase(it);
    }
}

void VmDisplays::assign()
{
    const config::Config &config = config_();
    std::map<Output *, std::pair<vmview::Console *, config::Scaling>> shown;
    for (const auto &output : server_.outputs())
        shown[output.get()] = {nullptr, config::Scaling::Fit};

    struct SeatInput {
        std::string seat;
        input::VmInput *vm = nullptr;
        std::vector<Output *> outputs;
        std::vector<input::VmInput *> consoles; // per output
    };
    std::vector<SeatInput> seat_inputs;

    for (const config::Seat &seat : config.seats) {
        SeatInput &seat_input = seat_inputs.emplace_back();
        seat_input.seat = seat.name;
        seat_input.outputs = outputs_of(seat);
        seat_input.consoles.assign(seat_input.outputs.size(), nullptr);
        const auto shown_name = shown_vm(seat);
        if (!shown_name)
            continue;
        auto vm = vms_.find(*shown_name);
        if (vm == vms_.end() || !vm->second.client || !vm->second.client->connected())
            continue;
        vmview::DisplayClient &client = *vm->second.client;

        std::vector<vmview::Console *> consoles;
        for (const auto &console : client.consoles())
            if (console->connected())
                consoles.push_back(console.get());
        std::sort(consoles.begin(), consoles.end(), [](auto *a, auto *b) {
            return std::pair(a->info().head, a->info().id) <
                   std::pair(b->info().head, b->info().id);
        });
        if (!consoles.empty())
            seat_input.vm = sink_for(client, *consoles.front());

        const config::Vm *vm_config = config.find_vm(*shown_name);
        const config::Scaling scaling = vm_config ? vm_config->scaling : config::Scaling::Fit;
        const auto &outputs = seat_input.outputs;
        for (std::size_t i = 0; i < std::min(outputs.size(), consoles.size()); ++i) {
            shown[outputs[i]] = {consoles[i], scaling};
            seat_input.consoles[i] = sink_for(client, *consoles[i]);
            // follow_output: the guest is asked for the output's size (sent
            // again only when it changes); where the device cannot, the
            // scaling setting places the frame.
            // The size is the output's in pixels as the person sees it:
            // portrait on a rotated monitor, whatever its scale.
            if (vm_config && vm_config->follow_output) {
                wlr_output *output = outputs[i]->wlr();
                int width = 0, height = 0;
                wlr_output_transformed_resolution(output, &width, &height);
                int width_mm = output->phys_width, height_mm = output->phys_height;
                if (output->transform % 2 == 1) // 90 or 270 degrees, flipped or not
                    std::swap(width_mm, height_mm);
                client.set_ui_info(consoles[i]->info().id, static_cast<uint32_t>(width),
                                   static_cast<uint32_t>(height),
                                   static_cast<uint16_t>(std::clamp(width_mm, 0, 65535)),
                                   static_cast<uint16_t>(std::clamp(height_mm, 0, 65535)));
            }
        }
    }
    for (auto &[output, console] : shown) {
        output->on_placement_changed = [this] {
            reassign_soon();
        };
        output->show_console(console.first, console.second);
    }

    if (!input_)
        return;
    show_input_hints();
    // Input follows what the outputs now show, with the frames' places.
    for (const SeatInput &seat_input : seat_inputs) {
        std::vector<input::Head> heads;
        std::vector<wlr_output *> outputs;
        for (std::size_t i = 0; i < seat_input.outputs.size(); ++i) {
            heads.push_back({seat_input.outputs[i]->console_placement(), seat_input.consoles[i]});
            outputs.push_back(seat_input.outputs[i]->wlr());
        }
        input_->set_seat(seat_input.seat, seat_input.vm, std::move(heads), std::move(outputs));
    }
}

void VmDisplays::set_input(InputDevices *input)
{
    if (input_) { // the old one calls back no more
        input_->router().set_command_handler({});
        input_->router().set_grab_handler({});
    }
    input_ = input;
    if (!input_)
        return;
    input_->router().set_grab_handler([this](const std::string &seat, bool grabbed) {
        base::log_info("Seat %s: input %s", seat.c_str(),
                grabbed ? "grabbed again" : "released (no VM gets it)");
        show_input_hints();
    });
    input_->router().set_command_handler(
        [this](const std::string &seat, input::HostCommand command) {
            using Kind = input::HostCommand::Kind;
            switch (command.kind) {
            case Kind::NextVm:
                switch_vm(seat, +1);
                break;
            case Kind::PrevVm:
                switch_vm(seat, -1);
                break;
            case Kind::StartVm:
                start_vm(seat);
                break;
            case Kind::ShutdownVm:
                shutdown_vm(seat);
                break;
            case Kind::Identify:
                identify(seat);
                break;
            case Kind::ReleaseInput:
                break; // the router releases and grabs input itself
            case Kind::SwitchVt:
                if (wlr_session *session = server_.session())
                    wlr_session_change_vt(session, static_cast<unsigned>(command.vt));
                break;
            }
        });
    assign();
}

void VmDisplays::identify(const std::string &seat_name)
{
    const config::Seat *seat = config_().find_seat(seat_name);
    if (!seat)
        return;
    const auto vm = shown_vm(*seat);
    base::log_info("Identify: seat %s shows %s", seat_name.c_str(), vm ? vm->c_str() : "no VM");
    for (Output *output : outputs_of(*seat)) {
        StatusCardText text;
        text.vm = vm.value_or("");
        text.state = "This screen and its keyboard belong to this seat";
        text.seat = seat_name;
        text.output = output->name();
        output->identify(text, kIdentifyMs);
    }
}

void VmDisplays::show_input_hints()
{
    const config::Config &config = config_();
    const std::string chord = config::to_string(config.session.host_keys) + "+" +
                              config::to_string(config.keys.release_input);
    std::map<Output *, std::optional<StatusCardText>> hints;
    for (const auto &output : server_.outputs())
        hints[output.get()] = std::nullopt;
    for (const config::Seat &seat : config.seats) {
        if (!input_ || input_->router().seat_grabbed(seat.name))
            continue;
        for (Output *output : outputs_of(seat)) {
            StatusCardText text;
            text.vm = "Input released";
            text.state = "Click or press " + chord + " to grab it again";
            text.seat = seat.name;
            text.output = output->name();
            hints[output] = text;
        }
    }
    for (auto &[output, text] : hints)
        output->show_input_hint(text);
}

void VmDisplays::switch_vm(const std::string &seat_name, int step)
{
    const config::Config &config = config_();
    const config::Seat *seat = config.find_seat(seat_name);
    if (!seat)
        return;
    const std::vector<std::string> allowed = config::allowed_vms(config, *seat);
    if (allowed.empty())
        return;
    const auto current = shown_vm(*seat);
    auto it = current ? std::find(allowed.begin(), allowed.end(), *current) : allowed.end();
    const long count = static_cast<long>(allowed.size());
    const long index = it == allowed.end() ? 0 : ((it - allowed.begin()) + step + count) % count;
    const std::string &next = allowed[static_cast<std::size_t>(index)];
    if (current != next)
        show_vm(seat_name, next);
}

std::string VmDisplays::show_vm(const std::string &seat_name, const std::string &vm)
{
    const config::Config &config = config_();
    const config::Seat *seat = config.find_seat(seat_name);
    if (!seat)
        return "no seat \"" + seat_name + "\" in the session file";
    const std::vector<std::string> allowed = config::allowed_vms(config, *seat);
    if (std::find(allowed.begin(), allowed.end(), vm) == allowed.end()) {
        std::string list;
        for (const auto &name : allowed)
            list += (list.empty() ? "" : ", ") + name;
        return "seat " + seat_name + " may not show VM \"" + vm +
               "\" (it may show: " + (list.empty() ? "none" : list) + ")";
    }
    if (shown_vm(*seat) == vm)
        return {};
    base::log_info("Seat %s switches to VM %s", seat_name.c_str(), vm.c_str());
    switched_[seat_name] = vm;
    sync_libvirt();
    assign();
    server_.refresh_cards();
    return {};
}

void VmDisplays::vm_action(const std::string &vm, libvirt::VmLink::Action action,
                           std::function<void(const std::string &error)> done)
{
    auto link = links_.find(vm);
    if (link != links_.end()) {
        link->second->act(action, std::move(done));
        return;
    }
    if (!config_().find_vm(vm))
        done("no VM \"" + vm + "\" in the session file");
    else if (manual_.count(vm))
        done("VM " + vm + " was handed over with --vm-fd, not followed through libvirt");
    else
        done("VM " + vm + " is not shown on any seat: the session follows only those");
}

void VmDisplays::start_vm(const std::string &seat_name)
{
    const config::Seat *seat = config_().find_seat(seat_name);
    const auto vm = seat ? shown_vm(*seat) : std::nullopt;
    if (auto link = vm ? links_.find(*vm) : links_.end(); link != links_.end())
        link->second->start();
}

void VmDisplays::shutdown_vm(const std::string &seat_name)
{
    const config::Seat *seat = config_().find_seat(seat_name);
    const auto vm = seat ? shown_vm(*seat) : std::nullopt;
    if (auto link = vm ? links_.find(*vm) : links_.end(); link != links_.end())
        link->second->shutdown();
}

std::string VmDisplays::state_of(const std::string &vm) const
{
    // libvirt's view first; once the VM runs, the display's.
    if (auto link = links_.find(vm);
        link != links_.end() && link->second->state() != libvirt::VmLink::State::Running)
        return link->second->describe();
    auto it = vms_.find(vm);
    if (it == vms_.end())
        return "Not connected";
    // With a display, what its consoles show now: frames come and go
    // (Scanout, Disable) without an event here to keep a state in step.
    if (const auto &client = it->second.client; client && !client->consoles().empty()) {
        const auto &consoles = client->consoles();
        const bool presenting =
            std::any_of(consoles.begin(), consoles.end(), [](const auto &console) {
                return console->connected() && console->frame().kind != vmview::Frame::Kind::None;
            });
        return presenting ? "Display on" : "Display off";
    }
    return it->second.state;
}

VmCardState VmDisplays::card_state(const std::string &vm, const std::string &output) const
{
    VmCardState card;
    if (auto link = links_.find(vm);
        link != links_.end() && link->second->state() != libvirt::VmLink::State::Running) {
        using State = libvirt::VmLink::State;
        card.state = link->second->describe();
        card.fix = link->second->fix();
        card.startable =
            link->second->state() == State::ShutOff || link->second->state() == State::Crashed;
        return card;
    }
    card.state = state_of(vm);

    // Console i goes to the seat's i-th output: one past the VM's consoles
    // stays dark however the VM runs. Say so, and how to give it more.
    auto entry = vms_.find(vm);
    if (entry == vms_.end() || !entry->second.client || !entry->second.client->connected())
        return card;
    std::size_t consoles = 0;
    for (const auto &console : entry->second.client->consoles())
        consoles += console->connected() ? 1 : 0;
    if (consoles == 0)
        return card;
    for (const config::Seat &seat : config_().seats) {
        if (shown_vm(seat) != vm)
            continue;
        const std::vector<Output *> outputs = outputs_of(seat);
        for (std::size_t i = consoles; i < outputs.size(); ++i) {
            if (outputs[i]->name() != output)
                continue;
            card.state = consoles == 1
                             ? "Dark: " + vm + " has one display, shown on " + outputs[0]->name()
                             : "Dark: " + vm + " has " + std::to_string(consoles) +
                                   " displays, shown on the seat's first " +
                                   std::to_string(consoles) + " screens";
            card.fix = "Give the VM a display for this screen too (a video device with more "
                       "heads, e.g. <model type='virtio' heads='" +
                       std::to_string(i + 1) + "'/>)";
            return card;
        }
    }
    return card;
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

const libvirt::VmLink *VmDisplays::link(const std::string &vm) const
{
    auto it = links_.find(vm);
    return it == links_.end() ? nullptr : it->second.get();
}

const vmview::DisplayClient *VmDisplays::client(const std::string &vm) const
{
    auto it = vms_.find(vm);
    return it == vms_.end() ? nullptr : it->second.client.get();
}

wl_event_loop *VmDisplays::event_loop() const
{
    return server_.event_loop();
}

} // namespace phyllome
