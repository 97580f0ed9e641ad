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
#include "compositor/wlr.hpp"
#include "config/load.hpp"
#include "control/client.hpp"
#include "control/reply.hpp"
#include "control/socket_path.hpp"
#include "session/options.hpp"
#include "session/readiness.hpp"
#include "session/session.hpp"
#include "session/session_config.hpp"

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
    const auto line = control::send_request(std::get<std::string>(socket),
                                            control::to_line({{"command", "status"}}));
    if (!std::holds_alternative<std::string>(line))
        return std::nullopt;
    const auto reply = nlohmann::json::parse(std::get<std::string>(line), nullptr, false);
    if (!reply.is_object() || !reply.contains("outputs") || !reply["outputs"].is_array())
        return std::nullopt;
    std::vector<std::string> names;
    for (const auto &name : reply["outputs"])
        if (name.is_string())
            names.push_back(name.get<std::string>());
    return names;
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
        Session session(options, session_config, readiness);
        session.run();
    } catch (const std::exception &error) {
        std::cerr << "phyllome-session: " << error.what() << "\n";
        return kExitFailure;
    }
    return 0;
}
