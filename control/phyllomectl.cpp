// phyllomectl: controls the running phyllome-session over its control socket.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "control/cli.hpp"
#include "control/client.hpp"
#include "control/doctor.hpp"
#include "control/format.hpp"
#include "control/reply.hpp"
#include "control/socket_path.hpp"

using namespace phyllome::control;

namespace {

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;

int fail(const std::string &message, int code)
{
    std::cerr << "phyllomectl: " << message << "\n";
    return code;
}

std::string env(const char *name)
{
    const char *value = std::getenv(name);
    return value ? value : "";
}

} // namespace

int main(int argc, char **argv)
{
    auto parsed = parse_cli(std::vector<std::string>(argv + 1, argv + argc));
    if (auto *error = std::get_if<CliError>(&parsed))
        return fail(error->message, kExitUsage);
    CliOptions &options = std::get<CliOptions>(parsed);
    if (options.help) {
        std::cout << cli_usage();
        return 0;
    }
    if (options.doctor) {
        // An embedded root the running session holds is checked through it.
        auto socket = find_socket(options.socket, env(kSocketVariable), env("XDG_RUNTIME_DIR"));
        const auto *found = std::get_if<std::string>(&socket);
        const auto checks = run_doctor(options.doctor_config, found ? *found : "");
        const nlohmann::json report = doctor_json(checks);
        if (options.json)
            std::cout << report.dump(2) << "\n";
        else
            std::cout << doctor_text(checks);
        return report["ok"].get<bool>() ? 0 : kExitRefused;
    }

    if (!options.define_file.empty()) {
        std::ifstream file(options.define_file, std::ios::binary);
        std::ostringstream xml;
        if (!file || !(xml << file.rdbuf()))
            return fail("cannot read " + options.define_file + ": " + std::strerror(errno),
                        kExitRefused);
        try {
            (void)nlohmann::json(xml.str()).dump(); // throws on bytes that are not UTF-8
        } catch (const nlohmann::json::exception &) {
            return fail(options.define_file + " is not UTF-8 text", kExitRefused);
        }
        options.request = VmDefineRequest{xml.str()};
    }
    const std::string request_line = to_line(to_json(options.request));
    if (request_line.size() > kMaxRequestBytes + 1)
        return fail((options.define_file.empty() ? "the request" : options.define_file) +
                        " is too large: a request to the session is at most " +
                        std::to_string(kMaxRequestBytes / 1024) + " KiB",
                    kExitRefused);

    auto socket = find_socket(options.socket, env(kSocketVariable), env("XDG_RUNTIME_DIR"));
    if (auto *error = std::get_if<SocketLookupError>(&socket))
        return fail(error->message, kExitRefused);

    nlohmann::json reply;
    try {
        const std::string line = send_request(std::get<std::string>(socket), request_line);
        reply = nlohmann::json::parse(line);
    } catch (const std::exception &error) {
        return fail(error.what(), kExitRefused);
    }
    const bool ok = reply.is_object() && reply.value("ok", false) == true;
    if (options.json) {
        std::cout << reply.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        return ok ? 0 : kExitRefused;
    }
    if (!ok) {
        const auto message =
            reply.is_object() && reply.contains("error") && reply["error"].is_string()
                ? reply["error"].get<std::string>()
                : std::string("the session refused the request");
        return fail(message, kExitRefused);
    }
    std::cout << format_reply(options.request, reply);
    return 0;
}
