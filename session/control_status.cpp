#include "session/control_status.hpp"

#include "compositor/input_devices.hpp"
#include "compositor/output.hpp"
#include "compositor/server.hpp"
#include "control/devices.hpp"
#include "session/seats.hpp"
#include "session/session_config.hpp"
#include "session/vm_fleet.hpp"
#include "session/vm_sound.hpp"
#include "sound/server.hpp"

namespace phyllome {
namespace {

using nlohmann::json;

json counters_json(const vmview::FrameCounters &counters)
{
    return {
        {"messages", counters.messages},
        {"messages_rejected", counters.messages_rejected},
        {"pixel_bytes_copied", counters.pixel_bytes_copied},
        {"uploads", counters.uploads},
        {"upload_bytes", counters.upload_bytes},
        {"direct_scanouts", counters.direct_scanouts},
        {"frames_presented", counters.frames_presented},
        {"frames_dropped", counters.frames_dropped},
        {"present_latency_ns_last", counters.present_latency_ns_last},
        {"present_latency_ns_max", counters.present_latency_ns_max},
        {"present_latency_ns_total", counters.present_latency_ns_total},
    };
}

json output_json(const Output &output)
{
    json result = {
        {"name", output.name()},
        {"width", output.wlr()->width},
        {"height", output.wlr()->height},
        {"enabled", output.wlr()->enabled},
        {"off_for_guest", output.off_for_guest()},
        {"console", nullptr},
    };
    if (const vmview::Console *console = output.console()) {
        const auto &info = console->info();
        result["console"] = {
            {"id", info.id},
            {"head", info.head},
            {"width", info.width},
            {"height", info.height},
            {"counters", counters_json(console->counters())},
        };
    }
    return result;
}

json target_json(const SoundTargetStatus &target)
{
    return {
        {"target", target.target},
        {"node", target.node.empty() ? json() : json(target.node)},
        {"resolves", target.resolves},
        {"detail", target.detail},
    };
}

json or_null(const std::string &text)
{
    return text.empty() ? json() : json(text);
}

// The session's PipeWire connection.
json sound_json(const VmFleet &fleet)
{
    const sound::Server *server = fleet.sound_server();
    if (!server)
        return {{"connected", false},
                {"socket", nullptr},
                {"name", nullptr},
                {"version", nullptr},
                {"error", or_null(fleet.sound_error())}};
    return {
        {"connected", server->connected()},
        {"socket", server->socket_path()},
        {"name", or_null(server->info().name)},
        {"version", or_null(server->info().version)},
        {"error", server->connected() ? json() : json("went away: " + server->gone_reason())},
    };
}

json stream_json(const VmSound::VoiceStatus &voice)
{
    return {
        {"direction", voice.out ? "playback" : "capture"},
        {"voice", voice.voice},
        {"format", voice.sample},
        {"rate", voice.rate},
        {"channels", voice.channels},
        {"enabled", voice.enabled},
        {"muted", voice.guest_muted},
        {"volume", voice.volume},
        {"silent", or_null(voice.silent)},
        {"target", voice.target},
        {"node", or_null(voice.node)},
        {"no_node", or_null(voice.no_node)},
        {"state", voice.state},
        {"bytes", voice.bytes},
        {"bytes_dropped", voice.bytes_dropped},
        {"underruns", voice.underruns},
        {"overruns", voice.overruns},
    };
}

// A VM's sound: what QEMU offers, and a stream per voice.
json vm_sound_json(const VmFleet &fleet, const std::string &vm)
{
    json streams = json::array();
    if (const VmSound *sound = fleet.sound(vm))
        for (const auto &voice : sound->status())
            streams.push_back(stream_json(voice));
    const vmview::DisplayClient *client = fleet.client(vm);
    std::string state = "no display", detail;
    if (client && client->connected()) {
        using Support = vmview::DisplayClient::AudioSupport;
        switch (client->audio_support()) {
        case Support::Asking:
            state = "asking QEMU";
            break;
        case Support::Listening:
            state = "listening";
            if (streams.empty())
                detail = "the guest opened no voice";
            break;
        case Support::OldQemu:
            state = "left alone";
            detail = "QEMU before 8.1 (Debian 12 has 7.2) crashes when a sound listener is "
                     "registered over the display's peer-to-peer connection: no sound";
            break;
        case Support::None:
            state = "no audiodev";
            detail =
                "QEMU has no D-Bus audio (the VM needs -audiodev dbus): " + client->audio_refusal();
            break;
        }
    }
    return {{"state", state}, {"detail", or_null(detail)}, {"streams", std::move(streams)}};
}

// A VM's clipboard: whether the session's peer is registered with QEMU,
// whether the guest has text and whether an offer stands (sizes only).
json vm_clipboard_json(const VmFleet &fleet, const std::string &vm)
{
    const vmview::DisplayClient *client = fleet.client(vm);
    const vmview::Clipboard *clipboard =
        client && client->connected() ? client->clipboard() : nullptr;
    if (!clipboard)
        return {{"state", "no display"},
                {"channel", nullptr},
                {"detail", nullptr},
                {"guest_has_text", false},
                {"offered_bytes", nullptr}};
    using State = vmview::Clipboard::State;
    std::string state = "error";
    std::string detail;
    const libvirt::VmLink *link = fleet.link(vm);
    const std::optional<bool> channel = link ? link->clipboard_channel() : std::nullopt;
    switch (clipboard->state()) {
    case State::Registering:
        state = "registering";
        break;
    case State::Registered:
        state = "registered";
        break;
    case State::OldQemuStuck:
        state = "unavailable";
        detail = clipboard->status_text();
        break;
    case State::Failed:
        detail = clipboard->error();
        break;
    }
    // QEMU's side answers without the channel too; the guest never does.
    if (channel == false) {
        state = "no channel";
        detail = "the VM has no qemu-vdagent channel with the clipboard on: "
                 "phyllomectl vm adopt " +
                 vm + " adds it";
    }
    return {{"state", state},
            {"channel", channel ? json(*channel) : json()},
            {"detail", or_null(detail)},
            {"guest_has_text", clipboard->guest_has_text()},
            {"offered_bytes", clipboard->offering() ? json(clipboard->offer_bytes()) : json()}};
}

// The buffer a seat's clipboard_give would offer: its size and origin.
json seat_clipboard_json(const config::Config &config, const config::Seat &seat, const Seats &seats)
{
    const bool shared = config.session.clipboard_across_seats;
    const auto buffer = seats.clipboard().buffer_for(seat.name, shared);
    return {{"shared", shared},
            {"bytes", buffer ? json(buffer->bytes) : json()},
            {"from_vm", buffer ? json(buffer->from_vm) : json()},
            {"from_seat", buffer ? json(buffer->from_seat) : json()}};
}

json seat_json(const config::Seat &seat, const Seats &seats, const VmFleet &fleet,
               const Server &server, const std::vector<InputDevices::DeviceInfo> &devices,
               const config::Config &config)
{
    const auto vm = seats.shown_vm(seat);
    json outputs = json::array();
    for (const std::string &name : seats.outputs_of(seat))
        if (const Output *output = server.find_output(name))
            outputs.push_back(output_json(*output));
    json names = json::array();
    for (const auto &device : devices)
        if (device.seat == seat.name)
            names.push_back(device.identity.name);
    return {
        {"name", seat.name},
        {"vm", vm ? json(*vm) : json()},
        {"state", vm ? json(fleet.state_of(*vm)) : json()},
        {"outputs", std::move(outputs)},
        {"devices", std::move(names)},
        {"audio_out", target_json(sound_target_status(fleet.sound_server(), seat.audio_out, true))},
        {"audio_in", target_json(sound_target_status(fleet.sound_server(), seat.audio_in, false))},
        {"clipboard", seat_clipboard_json(config, seat, seats)},
    };
}

} // namespace

json status_json(const config::Config &config, const Seats &seats, const VmFleet &fleet,
                 const Server &server, const InputDevices &input)
{
    const auto devices = input.devices();
    json seats_json = json::array();
    for (const config::Seat &seat : config.seats)
        seats_json.push_back(seat_json(seat, seats, fleet, server, devices, config));
    json vms = json::array();
    for (const config::Vm &vm : config.vms) {
        vms.push_back({
            {"name", vm.name},
            {"state", fleet.state_of(vm.name)},
            {"shown_on", seats.seats_showing(vm.name)},
            {"sound", vm_sound_json(fleet, vm.name)},
            {"clipboard", vm_clipboard_json(fleet, vm.name)},
        });
    }
    return {
        {"seats", std::move(seats_json)}, {"vms", std::move(vms)}, {"sound", sound_json(fleet)}};
}

json config_json(const SessionConfig &session_config, const std::vector<std::string> &outputs)
{
    auto lines = [](const std::vector<config::Diagnostic> &diagnostics) {
        json out = json::array();
        for (const auto &diagnostic : diagnostics)
            out.push_back(config::to_string(diagnostic));
        return out;
    };
    const char *in_force = "default";
    if (session_config.in_force() == SessionConfig::InForce::File)
        in_force = "file";
    else if (session_config.in_force() == SessionConfig::InForce::LastValid)
        in_force = "last valid";
    const auto &path = session_config.path();
    return {
        {"path", path ? json(path->string()) : json()},
        {"valid", session_config.errors().empty()},
        {"in_force", in_force},
        {"errors", lines(session_config.errors())},
        {"warnings", lines(session_config.warnings(outputs))},
    };
}

json devices_json(const config::Config &config, const InputDevices &input)
{
    json devices = json::array();
    for (const auto &device : input.devices())
        devices.push_back(control::device_json(config, device.identity, device.type, device.seat));
    return {{"devices", std::move(devices)}};
}

} // namespace phyllome
