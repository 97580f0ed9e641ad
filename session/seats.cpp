#include "session/seats.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "config/assignment.hpp"

namespace phyllome {

namespace {
// How long the identify overlay stays on the seat's screens.
constexpr int kIdentifyMs = 3000;
// How long a clipboard banner stays.
constexpr int kBannerMs = 3000;
} // namespace

Seats::Seats(Compositor &compositor, VmFleet &fleet, std::function<const config::Config &()> config)
    : compositor_(compositor), fleet_(fleet), config_(std::move(config)),
      reassign_(fleet.event_loop(), [this] { assign(); }),
      clipboard_([this](const std::string &seat, const std::string &text) { banner(seat, text); })
{
}

Seats::~Seats()
{
    // Outputs stop showing consoles before the consoles go, and every seat
    // lets go of its VM, releasing what its keys and buttons hold there.
    for (const std::string &output : compositor_.outputs())
        compositor_.show_console(output, nullptr, config::Scaling::Fit);
    for (const config::Seat &seat : config_().seats)
        compositor_.route(seat.name, nullptr, {}, {});
}

std::optional<std::string> Seats::shown_vm(const config::Seat &seat) const
{
    if (auto it = switched_.find(seat.name); it != switched_.end())
        return it->second;
    return seat.vm;
}

std::vector<std::string> Seats::seats_showing(const std::string &vm) const
{
    std::vector<std::string> names;
    for (const config::Seat &seat : config_().seats)
        if (shown_vm(seat) == vm)
            names.push_back(seat.name);
    return names;
}

std::vector<std::string> Seats::outputs_of(const config::Seat &seat) const
{
    // Which seat an output belongs to is config::seat_for_output's rule;
    // here only the order: the seat's list, then the rest as they came.
    const config::Config &config = config_();
    const std::vector<std::string> existing = compositor_.outputs();
    std::vector<std::string> outputs;
    for (const std::string &name : seat.outputs)
        if (std::find(existing.begin(), existing.end(), name) != existing.end())
            outputs.push_back(name);
    for (const std::string &name : existing) {
        const auto owner = config::seat_for_output(config, name);
        if (owner && config.seats[*owner].name == seat.name &&
            std::find(seat.outputs.begin(), seat.outputs.end(), name) == seat.outputs.end())
            outputs.push_back(name);
    }
    return outputs;
}

void Seats::follow_vms()
{
    const config::Config &config = config_();
    // A switch holds only while the file still allows that VM.
    for (auto it = switched_.begin(); it != switched_.end();) {
        const config::Seat *seat = config.find_seat(it->first);
        const auto allowed = seat ? config::allowed_vms(config, *seat) : std::vector<std::string>{};
        it = std::find(allowed.begin(), allowed.end(), it->second) == allowed.end()
                 ? switched_.erase(it)
                 : std::next(it);
    }
    std::map<std::string, VmFleet::Followed> followed;
    for (const config::Seat &seat : config.seats) {
        const auto shown = shown_vm(seat);
        if (!shown || fleet_.manual(*shown))
            continue;
        if (const config::Vm *vm = config.find_vm(*shown))
            followed[vm->name] = {config::effective_uri(config, *vm), vm->autostart};
    }
    fleet_.follow(followed);
}

void Seats::assign()
{
    const config::Config &config = config_();
    std::map<std::string, std::pair<vmview::Console *, config::Scaling>> shown;
    for (const std::string &output : compositor_.outputs())
        shown[output] = {nullptr, config::Scaling::Fit};

    struct SeatInput {
        std::string seat;
        input::VmInput *vm = nullptr;
        std::vector<std::string> outputs;
        std::vector<input::VmInput *> consoles; // per output
    };
    std::vector<SeatInput> seat_inputs;

    for (const config::Seat &seat : config.seats) {
        SeatInput &seat_input = seat_inputs.emplace_back();
        seat_input.seat = seat.name;
        seat_input.outputs = outputs_of(seat);
        seat_input.consoles.assign(seat_input.outputs.size(), nullptr);
        const auto vm = shown_vm(seat);
        if (!vm)
            continue;
        const std::vector<vmview::Console *> consoles = fleet_.consoles(*vm);
        if (!consoles.empty())
            seat_input.vm = &fleet_.input_of(*vm, *consoles.front());

        const config::Vm *vm_config = config.find_vm(*vm);
        const config::Scaling scaling = vm_config ? vm_config->scaling : config::Scaling::Fit;
        const auto &outputs = seat_input.outputs;
        for (std::size_t i = 0; i < std::min(outputs.size(), consoles.size()); ++i) {
            shown[outputs[i]] = {consoles[i], scaling};
            seat_input.consoles[i] = &fleet_.input_of(*vm, *consoles[i]);
            // follow_output: the guest is asked for the output's size; where
            // it cannot take it, the scaling setting places the frame.
            if (vm_config && vm_config->follow_output) {
                const Compositor::GuestSize size = compositor_.guest_size(outputs[i]);
                fleet_.set_ui_info(*vm, *consoles[i], size.width, size.height, size.width_mm,
                                   size.height_mm);
            }
        }
    }
    for (const auto &[output, console] : shown)
        compositor_.show_console(output, console.first, console.second);

    show_input_hints();
    // Input follows what the outputs now show, with the frames' places.
    for (const SeatInput &seat_input : seat_inputs) {
        std::vector<input::Head> heads;
        for (std::size_t i = 0; i < seat_input.outputs.size(); ++i)
            heads.push_back(
                {compositor_.console_placement(seat_input.outputs[i]), seat_input.consoles[i]});
        compositor_.route(seat_input.seat, seat_input.vm, std::move(heads), seat_input.outputs);
    }

    // Sound follows the seat that shows the VM (the first, if two do); a VM
    // no seat shows is muted or plays on (its audio_when_hidden).
    for (const config::Vm &vm : config.vms) {
        const config::Seat *shown_on = nullptr;
        for (const config::Seat &seat : config.seats)
            if (!shown_on && shown_vm(seat) == vm.name)
                shown_on = &seat;
        fleet_.route_sound(vm.name, shown_on,
                           vm.audio_when_hidden == config::Vm::HiddenAudio::Play);
    }
    if (on_assigned_)
        on_assigned_();
}

void Seats::placement_changed()
{
    reassign_.schedule();
}

void Seats::run(const std::string &seat, const input::HostCommand &command)
{
    using Kind = input::HostCommand::Kind;
    const config::Seat *seat_config = config_().find_seat(seat);
    const auto vm = seat_config ? shown_vm(*seat_config) : std::nullopt;
    switch (command.kind) {
    case Kind::NextVm:
        switch_vm(seat, +1);
        break;
    case Kind::PrevVm:
        switch_vm(seat, -1);
        break;
    case Kind::StartVm:
        if (vm)
            fleet_.start(*vm);
        break;
    case Kind::ShutdownVm:
        if (vm)
            fleet_.shutdown(*vm);
        break;
    case Kind::Identify:
        identify(seat);
        break;
    case Kind::ReleaseInput:
        break; // the router releases and grabs input itself
    case Kind::SwitchVt:
        compositor_.change_vt(static_cast<unsigned>(command.vt));
        break;
    case Kind::ClipboardTake:
        clipboard_step(seat, true);
        break;
    case Kind::ClipboardGive:
        clipboard_step(seat, false);
        break;
    }
}

void Seats::clipboard_step(const std::string &seat, bool take)
{
    const config::Seat *seat_config = config_().find_seat(seat);
    if (!seat_config)
        return;
    ClipboardBroker::Where where;
    where.seat = seat;
    where.across_seats = config_().session.clipboard_across_seats;
    where.vm = shown_vm(*seat_config);
    if (where.vm)
        if (vmview::DisplayClient *client = fleet_.client(*where.vm); client && client->connected())
            where.clipboard = client->clipboard();
    if (where.vm)
        if (const libvirt::VmLink *link = fleet_.link(*where.vm))
            where.channel = link->clipboard_channel();
    if (take)
        clipboard_.take(where);
    else
        clipboard_.give(where);
}

void Seats::banner(const std::string &seat_name, const std::string &text)
{
    const config::Seat *seat = config_().find_seat(seat_name);
    if (!seat)
        return;
    base::log_info("Seat %s: %s", seat_name.c_str(), text.c_str());
    for (const std::string &output : outputs_of(*seat))
        compositor_.banner(output, text, kBannerMs);
}

void Seats::input_grab_changed(const std::string &seat, bool grabbed)
{
    base::log_info("Seat %s: input %s", seat.c_str(),
                   grabbed ? "grabbed again" : "released (no VM gets it)");
    show_input_hints();
}

void Seats::keyboard_leds(const std::string &vm, uint32_t qemu_leds)
{
    for (const std::string &seat : seats_showing(vm))
        compositor_.set_keyboard_leds(seat, qemu_leds);
}

void Seats::identify(const std::string &seat_name)
{
    const config::Seat *seat = config_().find_seat(seat_name);
    if (!seat)
        return;
    const auto vm = shown_vm(*seat);
    base::log_info("Identify: seat %s shows %s", seat_name.c_str(), vm ? vm->c_str() : "no VM");
    for (const std::string &output : outputs_of(*seat)) {
        StatusCardText text;
        text.vm = vm.value_or("");
        text.state = "This screen and its keyboard belong to this seat";
        text.seat = seat_name;
        text.output = output;
        compositor_.identify(output, text, kIdentifyMs);
    }
}

void Seats::show_input_hints()
{
    const config::Config &config = config_();
    const std::string chord = config::to_string(config.session.host_keys) + "+" +
                              config::to_string(config.keys.release_input);
    std::map<std::string, std::optional<StatusCardText>> hints;
    for (const std::string &output : compositor_.outputs())
        hints[output] = std::nullopt;
    for (const config::Seat &seat : config.seats) {
        if (compositor_.input_grabbed(seat.name))
            continue;
        for (const std::string &output : outputs_of(seat)) {
            StatusCardText text;
            text.vm = "Input released";
            text.state = "Click or press " + chord + " to grab it again";
            text.seat = seat.name;
            text.output = output;
            hints[output] = text;
        }
    }
    for (const auto &[output, text] : hints)
        compositor_.show_input_hint(output, text);
}

void Seats::switch_vm(const std::string &seat_name, int step)
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

std::string Seats::show_vm(const std::string &seat_name, const std::string &vm)
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
    follow_vms();
    assign();
    compositor_.refresh_cards();
    return {};
}

void Seats::vm_action(const std::string &vm, libvirt::VmLink::Action action,
                      std::function<void(const std::string &error)> done)
{
    if (fleet_.act(vm, action, done))
        return;
    if (!config_().find_vm(vm))
        done("no VM \"" + vm + "\" in the session file");
    else if (fleet_.manual(vm))
        done("VM " + vm + " was handed over with --vm-fd, not followed through libvirt");
    else
        done("VM " + vm + " is not shown on any seat: the session follows only those");
}

VmCardState Seats::card_state(const std::string &vm, const std::string &output) const
{
    if (auto card = fleet_.not_running_card(vm))
        return *card;
    VmCardState card;
    card.state = fleet_.state_of(vm);

    // Console i goes to the seat's i-th output: one past the VM's consoles
    // stays dark however the VM runs. Say so, and how to give it more.
    const std::size_t consoles = fleet_.consoles(vm).size();
    if (consoles == 0)
        return card;
    for (const config::Seat &seat : config_().seats) {
        if (shown_vm(seat) != vm)
            continue;
        const std::vector<std::string> outputs = outputs_of(seat);
        for (std::size_t i = consoles; i < outputs.size(); ++i) {
            if (outputs[i] != output)
                continue;
            card.state = consoles == 1 ? "Dark: " + vm + " has one display, shown on " + outputs[0]
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

} // namespace phyllome
