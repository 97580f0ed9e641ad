#include "session/session.hpp"

#include <cstdlib>
#include <exception>

#include "base/log.hpp"
#include "control/socket_path.hpp"
#include "session/control_status.hpp"

namespace phyllome {

Session::Session(const Options &options, SessionConfig &session_config, Readiness &readiness)
    : session_config_(session_config), readiness_(readiness), server_(server_settings(options)),
      fleet_(server_.event_loop(),
             {
                 .changed =
                     [this] {
                         seats_.assign();
                         server_.refresh_cards();
                     },
                 .input_closing =
                     [this](const input::VmInput &console) { input_.router().remove_vm(console); },
                 .keyboard_leds = [this](const std::string &vm,
                                         uint32_t leds) { seats_.keyboard_leds(vm, leds); },
                 .pointer_mode_changed = [this] { input_.resend_pointer_positions(); },
             }),
      input_(server_, config(),
             {
                 .command = [this](const std::string &seat,
                                   input::HostCommand command) { seats_.run(seat, command); },
                 .grab_changed = [this](const std::string &seat,
                                        bool grabbed) { seats_.input_grab_changed(seat, grabbed); },
             }),
      compositor_seats_(server_, input_),
      seats_(compositor_seats_, fleet_, [this]() -> const config::Config & { return config(); }),
      reloader_(server_, session_config_, readiness_, seats_, input_),
      commands_([this]() -> const config::Config & { return config(); }, seats_, fleet_, server_,
                input_,
                [this] {
                    const Reloader::Outcome outcome = reloader_.reload();
                    return ControlCommands::ReloadOutcome{outcome.applied, outcome.status};
                },
                [this](nlohmann::json &status) {
                    const auto outputs = output_names(server_);
                    status["config"] = config_json(session_config_, outputs);
                    status["outputs"] = outputs;
                })
{
    for (const auto &[vm, fd] : options.vm_fds)
        fleet_.attach_manual(vm, base::UniqueFd(fd));
    server_.start();
    seats_.follow_vms();
    seats_.assign();
    control_ = open_control_socket();
}

Server::Settings Session::server_settings(const Options &options)
{
    Server::Settings settings;
    settings.headless = options.headless;
    settings.card_text = [this](const std::string &output) {
        return card_text_for_output(
            config(), output,
            [this](const std::string &vm, const std::string &output) {
                return seats_.card_state(vm, output);
            },
            session_config_.problem());
    };
    settings.on_outputs_changed = [this] {
        seats_.assign();
        if (outputs_settled_)
            session_config_.log_output_warnings(output_names(server_));
    };
    settings.on_ready = [this](const std::string &socket) {
        outputs_settled_ = true;
        session_config_.log_output_warnings(output_names(server_));
        setenv("WAYLAND_DISPLAY", socket.c_str(), 1);
        readiness_.notify(socket);
    };
    settings.on_console_placement_changed = [this] {
        seats_.placement_changed();
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
