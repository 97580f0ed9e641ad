#include "session/session.hpp"

#include <cstdlib>
#include <exception>

#include "base/log.hpp"
#include "control/socket_path.hpp"
#include "libvirt/vm_link.hpp"
#include "session/control_status.hpp"
#include "session/usb_attacher.hpp"
#include "session/usb_replies.hpp"

namespace phyllome {

Session::Session(const Options &options, SessionConfig &session_config, Readiness &readiness)
    : session_config_(session_config), readiness_(readiness), server_(server_settings(options)),
      sound_(server_.event_loop(),
             [this] { vms_.fleet.set_sound_server(sound_.server(), sound_.why_none()); }),
      vms_(server_, [this]() -> const config::Config & { return config(); }),
      reloader_(server_, session_config_, readiness_, vms_.seats, vms_.input),
      commands_([this]() -> const config::Config & { return config(); }, vms_.seats, vms_.fleet,
                server_, vms_.input,
                [this] {
                    const Reloader::Outcome outcome = reloader_.reload();
                    return ControlCommands::ReloadOutcome{outcome.applied, outcome.status};
                },
                [this](nlohmann::json &status) {
                    const auto outputs = server_.output_names();
                    status["config"] = config_json(session_config_, outputs);
                    status["outputs"] = outputs;
                    if (usb_)
                        status["usb"] = usb_json(*usb_, usb_source_->problem());
                })
{
    vms_.fleet.set_sound_server(sound_.server(), sound_.why_none());
    for (const auto &[vm, fd] : options.vm_fds)
        vms_.fleet.attach_manual(vm, base::UniqueFd(fd));
    start_usb();
    server_.start();
    // The environment is set before the first thread starts, and never
    // after: libvirt's calls run on threads of their own (base::OffLoop) and
    // read it with getenv, which a setenv on this thread can pull from under
    // them (a session crashed in getenv so, right after it was ready).
    setenv("WAYLAND_DISPLAY", server_.socket().c_str(), 1);
    control_ = open_control_socket();
    vms_.seats.follow_vms();
    vms_.seats.assign();
}

Session::~Session()
{
    vms_.seats.set_on_assigned(nullptr);
}

void Session::start_usb()
{
    usb_source_ = std::make_unique<usb::UdevUsb>(server_.event_loop());
    usb_attacher_ = std::make_unique<LibvirtUsbAttacher>(vms_.fleet);
    UsbRouter::World world{
        .shown =
            [this] {
                std::map<std::string, std::string> shown;
                for (const config::Seat &seat : config().seats)
                    if (auto vm = vms_.seats.shown_vm(seat))
                        shown[seat.name] = *vm;
                return shown;
            },
        .running =
            [this] {
                std::set<std::string> running;
                for (const config::Vm &vm : config().vms)
                    if (const libvirt::VmLink *link = vms_.fleet.link(vm.name);
                        link && link->state() == libvirt::VmLink::State::Running)
                        running.insert(vm.name);
                return running;
            },
        .input_carriers =
            [this] {
                std::map<std::string, std::string> carriers;
                for (const InputDevices::DeviceInfo &device : vms_.input.devices())
                    if (device.seat && !device.identity.usb_syspath.empty())
                        carriers.emplace(device.identity.usb_syspath, *device.seat);
                return carriers;
            },
    };
    usb_ = std::make_unique<UsbRouter>(
        *usb_source_, [this]() -> const config::Config & { return config(); }, std::move(world),
        *usb_attacher_);
    commands_.set_usb(usb_.get(), usb_source_->problem());
    // Every seat switch, VM state change and reload ends in assign().
    vms_.seats.set_on_assigned([this] { usb_->refresh(); });
}

Server::Settings Session::server_settings(const Options &options)
{
    Server::Settings settings;
    settings.headless = options.headless;
    settings.card_text = [this](const std::string &output) {
        return card_text_for_output(
            config(), output,
            [this](const config::Seat &seat) { return vms_.seats.shown_vm(seat); },
            [this](const std::string &vm, const std::string &output) {
                return vms_.seats.card_state(vm, output);
            },
            session_config_.problem());
    };
    settings.on_outputs_changed = [this] {
        vms_.seats.assign();
        if (outputs_settled_)
            session_config_.log_output_warnings(server_.output_names());
    };
    settings.on_ready = [this](const std::string &socket) {
        outputs_settled_ = true;
        session_config_.log_output_warnings(server_.output_names());
        readiness_.notify(socket);
    };
    settings.on_console_placement_changed = [this] {
        vms_.seats.placement_changed();
    };
    return settings;
}

std::unique_ptr<ControlServer> Session::open_control_socket()
{
    const char *runtime_dir = std::getenv("XDG_RUNTIME_DIR");
    if (!runtime_dir) {
        base::log_error("No control socket: XDG_RUNTIME_DIR is not set");
        return nullptr;
    }
    try {
        auto control = std::make_unique<ControlServer>(
            server_.event_loop(), control::socket_path(runtime_dir, server_.socket()),
            commands_.handlers());
        setenv(control::kSocketVariable, control->path().c_str(), 1);
        base::log_info("Control socket: %s=%s", control::kSocketVariable, control->path().c_str());
        return control;
    } catch (const std::exception &error) {
        base::log_error("No control socket: %s", error.what());
        return nullptr;
    }
}

} // namespace phyllome
