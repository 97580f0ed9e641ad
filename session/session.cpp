#include "session/session.hpp"

#include <cstdlib>
#include <exception>

#include "base/log.hpp"
#include "control/socket_path.hpp"
#include "session/control_status.hpp"

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
                })
{
    vms_.fleet.set_sound_server(sound_.server(), sound_.why_none());
    for (const auto &[vm, fd] : options.vm_fds)
        vms_.fleet.attach_manual(vm, base::UniqueFd(fd));
    server_.start();
    vms_.seats.follow_vms();
    vms_.seats.assign();
    control_ = open_control_socket();
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
        setenv("WAYLAND_DISPLAY", socket.c_str(), 1);
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
