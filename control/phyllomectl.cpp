// phyllomectl: controls the running phyllome-session over its control socket.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "config/diagnostic.hpp"
#include "control/cli.hpp"
#include "control/client.hpp"
#include "control/doctor.hpp"
#include "control/format.hpp"
#include "control/reply.hpp"
#include "control/socket_path.hpp"
#include "libvirt/vm_model.hpp"

using namespace phyllome::control;

namespace {

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;

// One line: a name in the session's message (or the user's own argument)
// must not break it apart or send the terminal escape sequences.
int fail(const std::string &message, int code)
{
    std::cerr << "phyllomectl: " << phyllome::config::printable(message) << "\n";
    return code;
}

std::string env(const char *name)
{
    const char *value = std::getenv(name);
    return value ? value : "";
}

// vm create's values, checked here with the session's own rules so that a
// bad one is bad usage (exit 2) and never reaches the session. The ISO path
// becomes absolute: the session runs in another directory.
std::optional<std::string> check_create(VmCreateRequest &create)
{
    namespace vm = phyllome::libvirt;
    if (!vm::parse_guest_os(create.os))
        return "--os must be linux, windows or other";
    const auto sizes = vm::vm_sizes(create.disk_size, create.memory, create.cpus);
    if (const auto *rule = std::get_if<std::string>(&sizes))
        return *rule;
    vm::VmSpec spec;
    spec.name = create.name;
    spec.memory_bytes = std::get<vm::VmSizes>(sizes).memory_bytes;
    spec.cpus = std::get<vm::VmSizes>(sizes).cpus;
    spec.disk_path = "/"; // the session picks it
    if (!create.iso.empty()) {
        std::error_code error;
        create.iso = std::filesystem::absolute(create.iso, error).lexically_normal().string();
        if (error || !std::filesystem::is_regular_file(create.iso, error))
            return "--iso: no ISO image at " + create.iso;
        spec.iso_path = create.iso;
    }
    return vm::check_vm_spec(spec);
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
    if (options.version) {
        std::cout << "phyllomectl " PHYLLOME_VERSION "\n";
        return 0;
    }
    if (auto *create = std::get_if<VmCreateRequest>(&options.request))
        if (auto problem = check_create(*create))
            return fail(*problem, kExitUsage);
    if (options.doctor) {
        // An embedded root the running session holds is checked through it.
        auto socket = find_socket(options.socket, env(kSocketVariable), env("XDG_RUNTIME_DIR"));
        const auto *found = std::get_if<std::string>(&socket);
        const auto checks = run_doctor(options.doctor_config, found ? *found : "");
        const nlohmann::json report = doctor_json(checks);
        if (options.json)
            std::cout << report.dump(2) << "\n";
        else
            std::cout << phyllome::config::printable_lines(doctor_text(checks));
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

    const std::string &path = std::get<std::string>(socket);
    if (std::holds_alternative<IdentifyRequest>(options.request)) {
        // identify waits for a press: say what to do, unless no device
        // could ever give one (the session refuses at once then).
        const auto line = send_request(path, to_line(to_json(DevicesRequest{})));
        if (const auto *failure = std::get_if<RequestFailure>(&line))
            return fail(failure->message, kExitRefused);
        const auto devices = nlohmann::json::parse(std::get<std::string>(line), nullptr, false);
        const auto list = devices.is_object() ? devices.find("devices") : devices.end();
        if (list == devices.end() || !list->is_array() || !list->empty())
            std::cerr << "Press a key or click on the device to identify (Ctrl+C to give "
                         "up)...\n";
    }
    const auto line = send_request(path, request_line);
    if (const auto *failure = std::get_if<RequestFailure>(&line))
        return fail(failure->message, kExitRefused);
    const nlohmann::json reply = nlohmann::json::parse(std::get<std::string>(line), nullptr, false);
    if (reply.is_discarded())
        return fail("the session's reply is not JSON", kExitRefused);
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
