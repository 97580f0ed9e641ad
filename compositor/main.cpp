// phyllome-session: the login session of a desktop virtualization host.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include "compositor/options.hpp"
#include "compositor/readiness.hpp"
#include "compositor/server.hpp"

using namespace phyllome;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int usage_error(const std::string &message)
{
    std::cerr << "phyllome-session: " << message << " (see --help)\n";
    return kExitUsage;
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
    if (options.ready_fd >= 0 && fcntl(options.ready_fd, F_GETFD) < 0)
        return usage_error("--ready-fd " + std::to_string(options.ready_fd) +
                           " is not an open file descriptor");

    wlr_log_init(options.verbose ? WLR_DEBUG : WLR_INFO, nullptr);
    // A client or a peer that goes away mid-write must not kill the session.
    std::signal(SIGPIPE, SIG_IGN);

    Readiness readiness(options.ready_fd);
    try {
        Server::Settings settings;
        settings.headless = options.headless;
        settings.card_text = [](const std::string &output) {
            return StatusCardText{.vm = {}, .state = {}, .seat = "seat0", .output = output};
        };
        settings.on_ready = [&readiness](const std::string &socket) {
            setenv("WAYLAND_DISPLAY", socket.c_str(), 1);
            readiness.notify(socket);
        };
        Server server(std::move(settings));
        server.run();
    } catch (const std::exception &error) {
        std::cerr << "phyllome-session: " << error.what() << "\n";
        return kExitFailure;
    }
    return 0;
}
