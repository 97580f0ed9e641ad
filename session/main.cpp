// phyllome-session: the login session of a desktop virtualization host.
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <memory>
#include <pthread.h>
#include <string>
#include <variant>
#include <vector>

#include "base/log.hpp"
#include "session/control_commands.hpp"
#include "session/control_server.hpp"
#include "session/control_status.hpp"
#include "compositor/input_devices.hpp"
#include "session/options.hpp"
#include "session/readiness.hpp"
#include "session/reloader.hpp"
#include "compositor/server.hpp"
#include "session/session_config.hpp"
#include "session/vm_displays.hpp"
#include "config/load.hpp"
#include "control/client.hpp"
#include "control/reply.hpp"
#include "control/socket_path.hpp"

using namespace phyllome;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int usage_error(const std::string &message)
{
    std::cerr << "phyllome-session: " << message << " (see --help)\n";
    return kExitUsage;
}

// The outputs of the session running now, asked over its control socket
// (found as phyllomectl finds it); nullopt when none answers.
std::optional<std::vector<std::string>> running_session_outputs()
{
    auto env = [](const char *name) {
        const char *value = std::getenv(name);
        return std::string(value ? value : "");
    };
    const auto socket =
        control::find_socket("", env(control::kSocketVariable), env("XDG_RUNTIME_DIR"));
    if (!std::holds_alternative<std::string>(socket))
        return std::nullopt;
    try {
        const auto reply = nlohmann::json::parse(control::send_request(
            std::get<std::string>(socket), control::to_line({{"command", "status"}})));
        const auto outputs = reply.find("outputs");
        if (outputs == reply.end() || !outputs->is_array())
            return std::nullopt;
        std::vector<std::string> names;
        for (const auto &name : *outputs)
            if (name.is_string())
                names.push_back(name.get<std::string>());
        return names;
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

int check_config(const Options &options)
{
    const char *cli_path = options.config_path ? options.config_path->c_str() : nullptr;
    const auto path = config::find_config_path(cli_path);
    if (!path) {
        std::cout << "phyllome-session: no session file found; the built-in default applies: "
                  << config::summary(config::default_config()) << "\n";
        return 0;
    }
    return config::check_config(*path, std::cout, std::cerr, running_session_outputs());
}

// The control socket for phyllomectl, named after the Wayland display and
// exported to children. Without it the session still runs: it is logged.
std::unique_ptr<ControlServer> open_control_socket(const Server &server, ControlCommands &commands)
{
    const char *runtime_dir = std::getenv("XDG_RUNTIME_DIR");
    if (!runtime_dir) {
        base::log_error("No control socket: XDG_RUNTIME_DIR is not set");
        return nullptr;
    }
    try {
        auto control = std::make_unique<ControlServer>(
            server.event_loop(), control::socket_path(runtime_dir, server.socket()),
            commands.handlers());
        setenv(control::kSocketVariable, control->path().c_str(), 1);
        base::log_info("Control socket: %s=%s", control::kSocketVariable,
                control->path().c_str());
        return control;
    } catch (const std::exception &error) {
        base::log_error("No control socket: %s", error.what());
        return nullptr;
    }
}

} // namespace

int main(int argc, char **argv)
{
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = parse_options(args);
    if (auto *error = std::get_if<OptionsError>(&parsed))
        return usage_error(error->message);
    const Options &options = std::get<Options>(parsed);

    if (options.help) {
        std::cout << usage_text();
        return 0;
    }
    if (options.version) {
        std::cout << "phyllome-session " PHYLLOME_VERSION " (wlroots " WLR_VERSION_STR ")\n";
        return 0;
    }
    if (options.check_config)
        return check_config(options);
    if (options.ready_fd >= 0 && fcntl(options.ready_fd, F_GETFD) < 0)
        return usage_error("--ready-fd " + std::to_string(options.ready_fd) +
                           " is not an open file descriptor");
    for (const auto &[vm, fd] : options.vm_fds)
        if (fcntl(fd, F_GETFD) < 0)
            return usage_error("--vm-fd " + vm + "=" + std::to_string(fd) +
                               " is not an open file descriptor");

    base::set_log_level(options.verbose ? base::LogLevel::Debug : base::LogLevel::Info);
    // wlroots logs through the session's logger, so the log has one format.
    wlr_log_init(options.verbose ? WLR_DEBUG : WLR_INFO,
                 [](wlr_log_importance importance, const char *format, va_list args) {
                     base::vlog(importance == WLR_ERROR  ? base::LogLevel::Error
                                : importance == WLR_INFO ? base::LogLevel::Info
                                                         : base::LogLevel::Debug,
                                format, args);
                 });
    // A client or a peer that goes away mid-write must not kill the session.
    std::signal(SIGPIPE, SIG_IGN);
    // The loop takes these through signalfd. Blocked here, before any
    // thread exists, so that no thread (libvirt's, ours) takes one with its
    // default action instead.
    sigset_t handled;
    sigemptyset(&handled);
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP})
        sigaddset(&handled, signal_number);
    pthread_sigmask(SIG_BLOCK, &handled, nullptr);

    // A session file that cannot be used never stops the session: it runs on
    // the built-in default and every card says what is wrong.
    const char *cli_path = options.config_path ? options.config_path->c_str() : nullptr;
    SessionConfig session_config(config::find_config_path(cli_path));
    if (session_config.path())
        base::log_info("Session file: %s", session_config.path()->c_str());
    else
        base::log_info("No session file: using the built-in default");

    Readiness readiness(options.ready_fd);
    try {
        // Set once the server exists; outputs ask for cards before that.
        VmDisplays *displays = nullptr;
        Server::Settings settings;
        settings.headless = options.headless;
        settings.card_text = [&session_config, &displays](const std::string &output) {
            auto vm_state = [&displays](const std::string &vm, const std::string &output) {
                return displays
                           ? displays->card_state(vm, output)
                           : VmCardState{.state = "Not connected", .fix = {}, .startable = false};
            };
            return card_text_for_output(session_config.config(), output, vm_state,
                                        session_config.problem());
        };
        // Set once the server exists, for the output warnings.
        Server *running = nullptr;
        // From the first frames on (the outputs there are at start are all
        // there then), outputs the file names and that do not exist are
        // logged, again when they change.
        bool outputs_settled = false;
        settings.on_outputs_changed = [&displays, &running, &session_config, &outputs_settled] {
            if (displays)
                displays->assign();
            if (running && outputs_settled)
                session_config.log_output_warnings(output_names(*running));
        };
        settings.on_ready = [&readiness, &running, &session_config,
                             &outputs_settled](const std::string &socket) {
            outputs_settled = true;
            if (running)
                session_config.log_output_warnings(output_names(*running));
            setenv("WAYLAND_DISPLAY", socket.c_str(), 1);
            readiness.notify(socket);
        };
        Server server(std::move(settings));
        running = &server;
        struct ForgetServer {
            Server *&pointer;
            ~ForgetServer() { pointer = nullptr; }
        } forget_server{running};
        VmDisplays vm_displays(server, [&session_config]() -> const config::Config & {
            return session_config.config();
        });
        InputDevices input_devices(server, session_config.config());
        vm_displays.set_input(&input_devices);
        struct Unhook {
            VmDisplays &displays;
            ~Unhook() { displays.set_input(nullptr); }
        } unhook{vm_displays};
        displays = &vm_displays;
        // Forget it before it goes: the server's last callbacks come after.
        struct Forget {
            VmDisplays *&pointer;
            ~Forget() { pointer = nullptr; }
        } forget{displays};
        for (const auto &[vm, fd] : options.vm_fds)
            vm_displays.attach_manual(vm, base::UniqueFd(fd));
        server.start();
        vm_displays.sync_libvirt();
        vm_displays.assign();
        Reloader reloader(server, session_config, readiness, vm_displays, input_devices);
        ControlCommands commands(
            [&session_config]() -> const config::Config & { return session_config.config(); },
            vm_displays, input_devices,
            [&reloader] {
                const Reloader::Outcome outcome = reloader.reload();
                return ControlCommands::ReloadOutcome{outcome.applied, outcome.status};
            });
        commands.set_status_extra([&session_config, &server](nlohmann::json &status) {
            const auto outputs = output_names(server);
            status["config"] = config_json(session_config, outputs);
            status["outputs"] = outputs;
        });
        const auto control = open_control_socket(server, commands);
        server.run();
    } catch (const std::exception &error) {
        std::cerr << "phyllome-session: " << error.what() << "\n";
        return kExitFailure;
    }
    return 0;
}
