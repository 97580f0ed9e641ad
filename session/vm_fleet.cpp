#include "session/vm_fleet.hpp"

#include <algorithm>

#include "base/log.hpp"

namespace phyllome {

VmFleet::VmFleet(wl_event_loop *loop, Handlers handlers)
    : loop_(loop), handlers_(std::move(handlers)), cleanup_(loop, [this] { closed_.clear(); })
{
}

VmFleet::~VmFleet()
{
    links_.clear();
    connections_.clear();
    off_loop_.reset(); // waits for libvirt calls still running
    inputs_.clear();
    closed_.clear();
    vms_.clear();
    libvirt_loop_.reset();
}

void VmFleet::attach_manual(const std::string &vm, base::UniqueFd fd)
{
    manual_.insert(vm);
    attach(vm, std::move(fd));
}

void VmFleet::follow(const std::map<std::string, Followed> &vms)
{
    // Let go of VMs no longer wanted (or whose URI changed): their display
    // goes with them.
    for (auto it = links_.begin(); it != links_.end();) {
        auto want = vms.find(it->first);
        if (want != vms.end() && it->second->uri() == want->second.uri) {
            ++it;
            continue;
        }
        base::log_info("VM %s: no longer shown; its display is closed", it->first.c_str());
        if (auto vm = vms_.find(it->first); vm != vms_.end()) {
            auto old = std::move(vm->second.client);
            if (old)
                forget_sound(*old);
            vms_.erase(vm);
            if (old)
                close(std::move(old));
        }
        it = links_.erase(it);
    }
    if (vms.empty() && links_.empty())
        return;

    prepare_libvirt();
    for (const auto &[name, followed] : vms) {
        if (links_.count(name))
            continue;
        auto &connection = connections_[followed.uri];
        if (!connection)
            connection =
                std::make_unique<libvirt::LibvirtConnection>(loop_, *off_loop_, followed.uri);
        libvirt::VmLink::Handlers handlers;
        handlers.display_opened = [this, name](base::UniqueFd fd) {
            attach(name, std::move(fd));
        };
        handlers.state_changed = [this] {
            handlers_.changed();
        };
        base::log_info("VM %s: following it through libvirt at %s", name.c_str(),
                       followed.uri.c_str());
        links_[name] = std::make_unique<libvirt::VmLink>(loop_, *off_loop_, *connection, name,
                                                         followed.autostart, std::move(handlers));
    }
    // Connections no VM uses any more.
    for (auto it = connections_.begin(); it != connections_.end();) {
        const bool used = std::any_of(vms.begin(), vms.end(),
                                      [&](const auto &vm) { return vm.second.uri == it->first; });
        it = used ? std::next(it) : connections_.erase(it);
    }
    handlers_.changed();
}

void VmFleet::prepare_libvirt()
{
    if (!libvirt_loop_) {
        libvirt_loop_ = std::make_unique<libvirt::LibvirtLoop>(loop_);
        off_loop_ = std::make_unique<base::OffLoop>(loop_);
    }
}

void VmFleet::close(std::unique_ptr<vmview::DisplayClient> client)
{
    forget_sound(*client);
    handlers_.changed(); // outputs and input let go of its consoles first
    forget_inputs(*client);
}

void VmFleet::forget_sound(vmview::DisplayClient &client)
{
    for (auto direction :
         {vmview::AudioListener::Direction::Out, vmview::AudioListener::Direction::In})
        if (vmview::AudioListener *listener = client.audio(direction))
            listener->set_observer(nullptr);
    if (auto it = vms_.find(client.vm_name()); it != vms_.end() && it->second.sound)
        it->second.sound->clear();
}

void VmFleet::set_sound_server(sound::Server *server, std::string why_none)
{
    sound_server_ = server;
    sound_error_ = std::move(why_none);
    for (auto &[name, vm] : vms_)
        if (vm.sound)
            vm.sound->set_server(server);
}

void VmFleet::route_sound(const std::string &vm, const config::Seat *seat, bool play_hidden)
{
    auto it = vms_.find(vm);
    if (it == vms_.end() || !it->second.sound)
        return;
    VmSound &sound = *it->second.sound;
    if (seat)
        sound.route(seat->audio_out, seat->audio_in, true);
    else
        sound.hide(play_hidden);
}

const VmSound *VmFleet::sound(const std::string &vm) const
{
    auto it = vms_.find(vm);
    return it == vms_.end() ? nullptr : it->second.sound.get();
}

void VmFleet::forget_inputs(const vmview::DisplayClient &client)
{
    for (const auto &console : client.consoles()) {
        auto it = inputs_.find(console.get());
        if (it == inputs_.end())
            continue;
        handlers_.input_closing(*it->second);
        inputs_.erase(it);
    }
}

void VmFleet::attach(const std::string &vm, base::UniqueFd fd)
{
    Vm &entry = vms_[vm];
    if (entry.client)
        close(std::move(entry.client));
    entry.state = "Connecting";
    vmview::DisplayClient::Handlers handlers;
    handlers.console_added = [this](vmview::Console &) {
        handlers_.changed();
    };
    handlers.console_disconnected = [this](vmview::Console &) {
        handlers_.changed();
    };
    handlers.closed = [this, vm](const std::string &reason) {
        auto it = vms_.find(vm);
        if (it == vms_.end())
            return;
        it->second.state = "Display disconnected";
        base::log_error("VM %s: display %s", vm.c_str(), reason.c_str());
        // Destroyed later, outside its own callback.
        vmview::DisplayClient &client = *closed_.emplace_back(std::move(it->second.client));
        forget_sound(client);
        // The VM may still run (QEMU closed the socket): libvirt opens it again.
        if (auto link = links_.find(vm); link != links_.end())
            link->second->display_lost();
        handlers_.changed();
        forget_inputs(client);
        cleanup_.schedule();
    };
    handlers.keyboard_leds = [this, vm](uint32_t, uint32_t leds) {
        handlers_.keyboard_leds(vm, leds);
    };
    handlers.ui_info_unsupported = [this, vm](uint32_t console, const std::string &why) {
        // Once per console for the session, not again with each new display
        // connection (a restart, a switch back, a reload).
        if (ui_info_refused_.insert({vm, console}).second)
            base::log_info("VM %s: console %u keeps its size (%s): scaling applies", vm.c_str(),
                           console, why.c_str());
    };
    handlers.pointer_mode = [this](uint32_t, bool) {
        handlers_.pointer_mode_changed();
    };
    handlers.audio_added = [this, vm](vmview::AudioListener &listener) {
        Vm &entry = vms_[vm];
        if (!entry.sound)
            entry.sound = std::make_unique<VmSound>(sound_server_, vm);
        listener.set_observer(entry.sound.get());
        handlers_.changed(); // routed by the seats
    };
    entry.client =
        std::make_unique<vmview::DisplayClient>(loop_, std::move(fd), vm, std::move(handlers));
    handlers_.changed();
}

std::vector<vmview::Console *> VmFleet::consoles(const std::string &vm) const
{
    auto it = vms_.find(vm);
    if (it == vms_.end() || !it->second.client || !it->second.client->connected())
        return {};
    std::vector<vmview::Console *> consoles;
    for (const auto &console : it->second.client->consoles())
        if (console->connected())
            consoles.push_back(console.get());
    std::sort(consoles.begin(), consoles.end(), [](auto *a, auto *b) {
        return std::pair(a->info().head, a->info().id) < std::pair(b->info().head, b->info().id);
    });
    return consoles;
}

input::VmInput &VmFleet::input_of(const std::string &vm, const vmview::Console &console)
{
    auto &input = inputs_[&console];
    if (!input)
        input = std::make_unique<vmview::ConsoleInput>(*vms_.at(vm).client, console.info().id);
    return *input;
}

void VmFleet::set_ui_info(const std::string &vm, const vmview::Console &console, uint32_t width,
                          uint32_t height, uint16_t width_mm, uint16_t height_mm)
{
    if (auto it = vms_.find(vm); it != vms_.end() && it->second.client)
        it->second.client->set_ui_info(console.info().id, width, height, width_mm, height_mm);
}

bool VmFleet::act(const std::string &vm, libvirt::VmLink::Action action,
                  std::function<void(const std::string &error)> done)
{
    auto link = links_.find(vm);
    if (link == links_.end())
        return false;
    link->second->act(action, std::move(done));
    return true;
}

void VmFleet::start(const std::string &vm)
{
    if (auto link = links_.find(vm); link != links_.end())
        link->second->start();
}

void VmFleet::shutdown(const std::string &vm)
{
    if (auto link = links_.find(vm); link != links_.end())
        link->second->shutdown();
}

std::string VmFleet::state_of(const std::string &vm) const
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

std::optional<VmCardState> VmFleet::not_running_card(const std::string &vm) const
{
    using State = libvirt::VmLink::State;
    auto link = links_.find(vm);
    if (link == links_.end() || link->second->state() == State::Running)
        return std::nullopt;
    return VmCardState{
        .state = link->second->describe(),
        .fix = link->second->fix(),
        .startable =
            link->second->state() == State::ShutOff || link->second->state() == State::Crashed,
    };
}

const vmview::DisplayClient *VmFleet::client(const std::string &vm) const
{
    auto it = vms_.find(vm);
    return it == vms_.end() ? nullptr : it->second.client.get();
}

vmview::DisplayClient *VmFleet::client(const std::string &vm)
{
    auto it = vms_.find(vm);
    return it == vms_.end() ? nullptr : it->second.client.get();
}

const libvirt::VmLink *VmFleet::link(const std::string &vm) const
{
    auto it = links_.find(vm);
    return it == links_.end() ? nullptr : it->second.get();
}

libvirt::VmLink *VmFleet::link(const std::string &vm)
{
    auto it = links_.find(vm);
    return it == links_.end() ? nullptr : it->second.get();
}

virConnectPtr VmFleet::libvirt(const std::string &uri) const
{
    auto it = connections_.find(uri);
    return it == connections_.end() ? nullptr : it->second->get();
}

} // namespace phyllome
