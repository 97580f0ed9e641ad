#include "control/cli.hpp"

namespace phyllome::control {
namespace {

std::variant<Request, CliError> parse_command(const std::vector<std::string> &words)
{
    if (words.empty())
        return CliError{"no command given"};
    const std::string &command = words[0];
    const std::size_t arguments = words.size() - 1;
    auto expect = [&](std::size_t count, const char *shape) -> std::optional<CliError> {
        if (arguments != count)
            return CliError{"usage: phyllomectl " + std::string(shape)};
        return std::nullopt;
    };
    if (command == "status" || command == "devices" || command == "reload" ||
        command == "identify") {
        if (auto error = expect(0, command.c_str()))
            return *error;
        if (command == "status")
            return StatusRequest{};
        if (command == "devices")
            return DevicesRequest{};
        if (command == "reload")
            return ReloadRequest{};
        return IdentifyRequest{};
    }
    if (command == "switch") {
        if (auto error = expect(2, "switch SEAT VM"))
            return *error;
        return SwitchRequest{words[1], words[2]};
    }
    if (command == "vm") {
        if (auto error = expect(2, "vm start|shutdown|destroy NAME"))
            return *error;
        const auto action = parse_vm_action(words[1]);
        if (!action)
            return CliError{"unknown vm action \"" + words[1] + "\" (start, shutdown, destroy)"};
        return VmRequest{*action, words[2]};
    }
    return CliError{"unknown command \"" + command + "\" (see --help)"};
}

} // namespace

std::variant<CliOptions, CliError> parse_cli(const std::vector<std::string> &args)
{
    CliOptions options;
    std::size_t i = 0;
    for (; i < args.size() && args[i].starts_with("-"); ++i) {
        if (args[i] == "--help" || args[i] == "-h") {
            options.help = true;
            return options;
        }
        if (args[i] == "--json") {
            options.json = true;
        } else if (args[i] == "--socket") {
            if (++i == args.size() || args[i].empty())
                return CliError{"--socket needs a PATH"};
            options.socket = args[i];
        } else if (args[i].starts_with("--socket=")) {
            options.socket = args[i].substr(9);
            if (options.socket.empty())
                return CliError{"--socket needs a PATH"};
        } else {
            return CliError{"unknown option " + args[i] + " (see --help)"};
        }
    }
    auto request = parse_command({args.begin() + static_cast<long>(i), args.end()});
    if (auto *error = std::get_if<CliError>(&request))
        return *error;
    options.request = std::get<Request>(request);
    return options;
}

std::string cli_usage()
{
    return "Usage: phyllomectl [--socket PATH] [--json] COMMAND\n"
           "Controls the running phyllome-session.\n"
           "\n"
           "Commands:\n"
           "  status                         seats, outputs, devices, VMs and their states\n"
           "  devices                        every input device, its identity and seat\n"
           "  switch SEAT VM                 show VM on SEAT\n"
           "  reload                         read the session file again\n"
           "  vm start|shutdown|destroy NAME start, shut down (ACPI) or power off a VM\n"
           "  identify                       press a key or click on a device: says which\n"
           "                                 device it is and which rule picks it\n"
           "\n"
           "Options:\n"
           "  --socket PATH  the session's control socket (default: $PHYLLOME_SOCKET, else\n"
           "                 the only phyllome-*.sock in $XDG_RUNTIME_DIR)\n"
           "  --json         print the session's reply as JSON\n"
           "  -h, --help     this text\n"
           "\n"
           "Exit status: 0 done, 1 the session refused or could not be reached, 2 bad usage.\n";
}

} // namespace phyllome::control
