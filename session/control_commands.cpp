#include "session/control_commands.hpp"

#include <algorithm>

#include "session/control_status.hpp"
#include "session/vm_displays.hpp"
#include "control/devices.hpp"
#include "control/reply.hpp"

namespace phyllome {
namespace {

libvirt::VmLink::Action link_action(control::VmAction action)
{
    switch (action) {
    case control::VmAction::Start:
        return libvirt::VmLink::Action::Start;
    case control::VmAction::Shutdown:
        return libvirt::VmLink::Action::Shutdown;
    case control::VmAction::Destroy:
        break;
    }
    return libvirt::VmLink::Action::Destroy;
}

} // namespace

ControlCommands::ControlCommands(std::function<const config::Config &()> config,
                                 VmDisplays &displays, InputDevices &input,
                                 std::function<ReloadOutcome()> reload)
    : config_(std::move(config)), displays_(displays), input_(input), reload_(std::move(reload)),
      admin_(displays.event_loop(),
             [&displays](const std::string &uri) { return displays.libvirt(uri); })
{
}

ControlCommands::~ControlCommands()
{
    input_.catch_next_press(nullptr);
}

ControlServer::Handlers ControlCommands::handlers()
{
    ControlServer::Handlers handlers;
    handlers.request = [this](ControlServer::ClientId client, const control::Request &request,
                              ControlServer::Reply reply) {
        handle(client, request, std::move(reply));
    };
    handlers.client_gone = [this](ControlServer::ClientId client) {
        client_gone(client);
    };
    return handlers;
}

void ControlCommands::handle(ControlServer::ClientId client, const control::Request &request,
                             ControlServer::Reply reply)
{
    using nlohmann::json;
    if (std::holds_alternative<control::StatusRequest>(request)) {
        reply(control::ok(status_json(config_(), displays_, input_)));
    } else if (std::holds_alternative<control::DevicesRequest>(request)) {
        reply(control::ok(devices_json(config_(), input_)));
    } else if (const auto *r = std::get_if<control::SwitchRequest>(&request)) {
        const std::string error = displays_.show_vm(r->seat, r->vm);
        reply(error.empty() ? control::ok({{"seat", r->seat}, {"vm", r->vm}})
                            : control::error(error));
    } else if (std::holds_alternative<control::ReloadRequest>(request)) {
        const ReloadOutcome outcome = reload_();
        reply(outcome.applied ? control::ok({{"status", outcome.status}})
                              : control::error(outcome.status));
    } else if (const auto *r = std::get_if<control::VmRequest>(&request)) {
        displays_.vm_action(
            r->name, link_action(r->action),
            [reply, name = r->name, action = r->action](const std::string &error) {
                reply(error.empty()
                          ? control::ok({{"vm", name}, {"action", control::to_string(action)}})
                          : control::error("vm " + name + ": " + error));
            });
    } else if (const auto *r = std::get_if<control::VmCreateRequest>(&request)) {
        admin_.create(config::resolve_uri(config_().session.libvirt_uri), *r, reply);
    } else if (const auto *r = std::get_if<control::VmAdoptRequest>(&request)) {
        // The VM's own URI when the session file lists it.
        const config::Config &config = config_();
        std::string uri = config::resolve_uri(config.session.libvirt_uri);
        for (const config::Vm &vm : config.vms)
            if (vm.name == r->name)
                uri = config::effective_uri(config, vm);
        admin_.adopt(uri, r->name, reply);
    } else if (std::holds_alternative<control::IdentifyRequest>(request)) {
        identify(client, std::move(reply));
    }
}

void ControlCommands::identify(ControlServer::ClientId client, ControlServer::Reply reply)
{
    identifying_.emplace_back(client, std::move(reply));
    input_.catch_next_press([this](const InputDevices::DeviceInfo &device) { caught(device); });
}

void ControlCommands::caught(const InputDevices::DeviceInfo &device)
{
    nlohmann::json found =
        control::device_json(config_(), device.identity, device.type, device.seat);
    // Replies may run arbitrary code: take the list first.
    auto waiting = std::move(identifying_);
    identifying_.clear();
    for (auto &[client, reply] : waiting)
        reply(control::ok({{"device", found}}));
}

void ControlCommands::client_gone(ControlServer::ClientId client)
{
    std::erase_if(identifying_, [client](const auto &waiting) { return waiting.first == client; });
    // Nobody waits: presses go to their seats again.
    if (identifying_.empty())
        input_.catch_next_press(nullptr);
}

} // namespace phyllome
