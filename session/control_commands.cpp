#include "session/control_commands.hpp"

#include <algorithm>
#include <set>

#include "control/devices.hpp"
#include "control/reply.hpp"
#include "libvirt/vm_model.hpp"
#include "session/control_status.hpp"
#include "session/seats.hpp"
#include "session/usb_replies.hpp"
#include "session/vm_admin_replies.hpp"
#include "session/vm_fleet.hpp"

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

// The libvirt URIs of the session: its own, then each VM's; the VM
// `first`'s own URI (when the file names it) comes first.
std::vector<std::string> session_uris(const config::Config &config, const std::string &first = "")
{
    std::vector<std::string> uris;
    auto add = [&uris](const std::string &uri) {
        if (std::find(uris.begin(), uris.end(), uri) == uris.end())
            uris.push_back(uri);
    };
    if (const config::Vm *vm = first.empty() ? nullptr : config.find_vm(first))
        add(config::effective_uri(config, *vm));
    add(config::resolve_uri(config.session.libvirt_uri));
    for (const config::Vm &vm : config.vms)
        add(config::effective_uri(config, vm));
    return uris;
}

} // namespace

ControlCommands::ControlCommands(std::function<const config::Config &()> config, Seats &seats,
                                 VmFleet &fleet, const Server &server, InputDevices &input,
                                 std::function<ReloadOutcome()> reload,
                                 std::function<void(nlohmann::json &status)> status_extra)
    : config_(std::move(config)), seats_(seats), fleet_(fleet), server_(server), input_(input),
      reload_(std::move(reload)), status_extra_(std::move(status_extra)),
      admin_(fleet.event_loop(), [&fleet](const std::string &uri) {
          fleet.prepare_libvirt();
          return fleet.libvirt(uri);
      })
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
        json status = status_json(config_(), seats_, fleet_, server_, input_);
        if (status_extra_)
            status_extra_(status);
        reply(control::ok(status));
    } else if (std::holds_alternative<control::DevicesRequest>(request)) {
        reply(control::ok(devices_json(config_(), input_)));
    } else if (const auto *r = std::get_if<control::SwitchRequest>(&request)) {
        const std::string error = seats_.show_vm(r->seat, r->vm);
        reply(error.empty() ? control::ok({{"seat", r->seat}, {"vm", r->vm}})
                            : control::error(error));
    } else if (std::holds_alternative<control::ReloadRequest>(request)) {
        const ReloadOutcome outcome = reload_();
        reply(outcome.applied ? control::ok({{"status", outcome.status}})
                              : control::error(outcome.status));
    } else if (const auto *r = std::get_if<control::VmRequest>(&request);
               r && !fleet_.link(r->name) && !fleet_.manual(r->name)) {
        // A VM no seat shows (one a switch left running, say): found on the
        // session's connections.
        admin_.act(session_uris(config_(), r->name), r->name, link_action(r->action),
                   [reply, name = r->name, action = r->action](const auto &result) {
                       reply(acted_reply(name, action, result));
                   });
    } else if (const auto *r = std::get_if<control::VmRequest>(&request)) {
        seats_.vm_action(
            r->name, link_action(r->action),
            [reply, name = r->name, action = r->action](const std::string &error) {
                reply(error.empty()
                          ? control::ok({{"vm", name}, {"action", control::to_string(action)}})
                          : control::error("vm " + name + ": " + error));
            });
    } else if (const auto *r = std::get_if<control::VmCreateRequest>(&request)) {
        admin_.create(config::resolve_uri(config_().session.libvirt_uri), *r,
                      [reply](const auto &result) { reply(created_reply(result)); });
    } else if (const auto *r = std::get_if<control::VmAdoptRequest>(&request)) {
        // The VM's own URI when the session file lists it.
        const config::Config &config = config_();
        std::string uri = config::resolve_uri(config.session.libvirt_uri);
        for (const config::Vm &vm : config.vms)
            if (vm.name == r->name)
                uri = config::effective_uri(config, vm);
        admin_.adopt(uri, r->name, [reply, name = r->name](const auto &result) {
            reply(adopted_reply(name, result));
        });
    } else if (std::holds_alternative<control::VmListRequest>(request)) {
        admin_.list(session_uris(config_()), [this, reply](const libvirt::VmList &listed) {
            reply(control::ok(with_seats(listed)));
        });
    } else if (const auto *r = std::get_if<control::VmXmlRequest>(&request)) {
        admin_.xml(session_uris(config_(), r->name), r->name,
                   [reply, name = r->name](const auto &result) { reply(xml_reply(name, result)); });
    } else if (const auto *r = std::get_if<control::VmDefineRequest>(&request)) {
        std::string problem;
        const auto name = libvirt::domain_name(r->xml, problem);
        if (!name)
            return reply(control::error("not a domain definition: " + problem));
        // The VM's own URI when the session file lists it.
        admin_.define(
            session_uris(config_(), *name).front(), *name, r->xml,
            [reply, name = *name](const auto &result) { reply(defined_reply(name, result)); });
    } else if (std::holds_alternative<control::IdentifyRequest>(request)) {
        identify(client, std::move(reply));
    } else if (const auto *r = std::get_if<control::UsbRequest>(&request)) {
        if (!usb_)
            return reply(control::error("USB devices are not followed in this session"));
        usb_command(*usb_, usb_problem_, *r, reply);
    }
}

nlohmann::json ControlCommands::with_seats(const libvirt::VmList &listed) const
{
    const config::Config &config = config_();
    const std::vector<std::string> uris = session_uris(config);
    std::set<std::string> listed_names, reachable(uris.begin(), uris.end());
    nlohmann::json unreachable = nlohmann::json::array();
    for (const libvirt::UnreachableUri &failure : listed.unreachable) {
        reachable.erase(failure.uri);
        unreachable.push_back({{"uri", failure.uri}, {"error", failure.error}});
    }
    nlohmann::json vms = nlohmann::json::array();
    for (const libvirt::ListedVm &vm : listed.vms) {
        // A listed domain is the file's VM when the name and the URI agree.
        const config::Vm *named = config.find_vm(vm.name);
        const bool in_file = named && config::effective_uri(config, *named) == vm.uri;
        vms.push_back(
            {{"name", vm.name},
             {"uri", vm.uri},
             {"state", vm.state},
             {"seats", in_file ? seats_.seats_showing(vm.name) : std::vector<std::string>{}},
             {"in_session_file", in_file}});
        if (in_file)
            listed_names.insert(vm.name);
    }
    // The file's VMs that libvirt does not know, where libvirt answered.
    for (const config::Vm &vm : config.vms) {
        const std::string uri = config::effective_uri(config, vm);
        if (listed_names.count(vm.name) || !reachable.count(uri))
            continue;
        vms.push_back({{"name", vm.name},
                       {"uri", uri},
                       {"state", "not defined"},
                       {"seats", seats_.seats_showing(vm.name)},
                       {"in_session_file", true}});
    }
    return {{"vms", vms}, {"unreachable", unreachable}};
}

void ControlCommands::identify(ControlServer::ClientId client, ControlServer::Reply reply)
{
    // Nothing could ever be pressed: say so now rather than wait forever.
    if (input_.devices().empty())
        return reply(control::error("no input devices: there is nothing to identify"));
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
