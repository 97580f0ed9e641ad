#include "control/cli.hpp"

#include <set>

#include "libvirt/vm_model.hpp"

namespace phyllome::control {
namespace {

constexpr const char *kCreateUsage = "usage: phyllomectl vm create NAME --os linux|windows|other "
                                     "[--iso PATH] [--disk-size SIZE] [--memory SIZE] [--cpus N]";

// vm create NAME --os OS [--iso PATH] [--disk-size SIZE] [--memory SIZE]
// [--cpus N]: values are checked by the session, which knows the limits.
std::variant<Request, CliError> parse_vm_create(const std::vector<std::string> &words)
{
    if (words.size() < 3 || words[2].starts_with("-"))
        return CliError{kCreateUsage};
    VmCreateRequest create;
    create.name = words[2];
    std::set<std::string> given;
    for (std::size_t i = 3; i < words.size(); i += 2) {
        const std::string &option = words[i];
        if (i + 1 >= words.size() || words[i + 1].empty())
            return CliError{option + " needs a value; " + kCreateUsage};
        if (!given.insert(option).second)
            return CliError{option + " is given twice"};
        const std::string &value = words[i + 1];
        if (option == "--os")
            create.os = value;
        else if (option == "--iso")
            create.iso = value;
        else if (option == "--disk-size")
            create.disk_size = value;
        else if (option == "--memory")
            create.memory = value;
        else if (option == "--cpus") {
            if (value.find_first_not_of("0123456789") != std::string::npos || value.size() > 4 ||
                std::stoul(value) == 0 || std::stoul(value) > libvirt::kMaxVmCpus)
                return CliError{libvirt::kCpusRule};
            create.cpus = static_cast<unsigned>(std::stoul(value));
        } else
            return CliError{"unknown option " + option + "; " + kCreateUsage};
    }
    if (create.os.empty())
        return CliError{std::string("--os is required; ") + kCreateUsage};
    return create;
}

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
    // An empty name would only be refused by the session: bad usage here.
    // (vm create says which option's value is empty.)
    const bool create = command == "vm" && arguments >= 1 && words[1] == "create";
    for (std::size_t i = 1; i < words.size() && !create; ++i)
        if (words[i].empty())
            return CliError{"an empty argument to " + command + ": names are never empty"};
    if (command == "switch") {
        if (auto error = expect(2, "switch SEAT VM"))
            return *error;
        return SwitchRequest{words[1], words[2]};
    }
    if (command == "usb") {
        constexpr const char *kUsbUsage =
            "usage: phyllomectl usb, usb attach DEVICE [VM], or usb detach DEVICE";
        if (arguments == 0)
            return UsbRequest{};
        if (words[1] == "attach" && (arguments == 2 || arguments == 3)) {
            UsbRequest usb{UsbRequest::Action::Attach, words[2], std::nullopt};
            if (arguments == 3)
                usb.vm = words[3];
            return usb;
        }
        if (words[1] == "detach" && arguments == 2)
            return UsbRequest{UsbRequest::Action::Detach, words[2], std::nullopt};
        if (words[1] != "attach" && words[1] != "detach")
            return CliError{"unknown usb action \"" + words[1] + "\" (attach, detach); " +
                            kUsbUsage};
        return CliError{kUsbUsage};
    }
    if (command == "vm" && arguments >= 1 && words[1] == "create")
        return parse_vm_create(words);
    if (command == "vm" && arguments >= 1 && words[1] == "adopt") {
        if (auto error = expect(2, "vm adopt NAME"))
            return *error;
        return VmAdoptRequest{words[2]};
    }
    if (command == "vm" && arguments >= 1 && words[1] == "list") {
        if (auto error = expect(1, "vm list"))
            return *error;
        return VmListRequest{};
    }
    if (command == "vm" && arguments >= 1 && words[1] == "xml") {
        if (auto error = expect(2, "vm xml NAME"))
            return *error;
        return VmXmlRequest{words[2]};
    }
    if (command == "vm" && arguments >= 1 && words[1] == "define") {
        if (auto error = expect(2, "vm define FILE"))
            return *error;
        return VmDefineRequest{}; // the caller reads the file
    }
    if (command == "vm") {
        constexpr const char *kVmUsage =
            "usage: phyllomectl vm start|shutdown|destroy|adopt|xml NAME, vm list, vm define FILE, "
            "or vm create NAME --os OS [OPTIONS] (see --help)";
        if (arguments != 2)
            return CliError{kVmUsage};
        const auto action = parse_vm_action(words[1]);
        if (!action)
            return CliError{"unknown vm action \"" + words[1] +
                            "\" (start, shutdown, destroy, create, adopt, list, xml, define)"};
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
        if (args[i] == "--version") {
            options.version = true;
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
    if (i < args.size() && args[i] == "doctor") {
        options.doctor = true;
        const std::size_t rest = args.size() - i - 1;
        if (rest == 2 && args[i + 1] == "--config" && !args[i + 2].empty())
            options.doctor_config = args[i + 2];
        else if (rest != 0)
            return CliError{"usage: phyllomectl doctor [--config PATH]"};
        return options;
    }
    auto request = parse_command({args.begin() + static_cast<long>(i), args.end()});
    if (auto *error = std::get_if<CliError>(&request))
        return *error;
    options.request = std::get<Request>(request);
    if (std::holds_alternative<VmDefineRequest>(options.request))
        options.define_file = args.back();
    return options;
}

std::string cli_usage()
{
    return "Usage: phyllomectl [--socket PATH] [--json] COMMAND\n"
           "       phyllomectl --version | --help\n"
           "Controls the running phyllome-session.\n"
           "\n"
           "Commands:\n"
           "  status                         seats, outputs, devices, VMs and their states,\n"
           "                                 PipeWire, each seat's sound targets and each\n"
           "                                 VM's sound streams\n"
           "  devices                        every input device, its identity and seat\n"
           "  switch SEAT VM                 show VM on SEAT\n"
           "  reload                         read the session file again\n"
           "  vm start|shutdown|destroy NAME start, shut down (ACPI) or power off any VM of\n"
           "                                 the session's libvirt connections\n"
           "  vm create NAME --os linux|windows|other [--iso PATH] [--disk-size SIZE]\n"
           "            [--memory SIZE] [--cpus N]\n"
           "                                 define a VM with the session's model (a new\n"
           "                                 qcow2 disk; sizes like 40G, 4096M)\n"
           "  vm adopt NAME                  add a D-Bus display, a tablet and the clipboard\n"
           "                                 channel to an existing VM, saving its old\n"
           "                                 definition first\n"
           "  vm list                        every VM of the session's libvirt connections,\n"
           "                                 its state and the seats showing it\n"
           "  vm xml NAME                    print a VM's definition (libvirt domain XML)\n"
           "  vm define FILE                 define a VM from FILE (validated; a VM's old\n"
           "                                 definition is saved first)\n"
           "  doctor [--config PATH]         check KVM, the GPU, PipeWire, libvirt, each\n"
           "                                 seat's sound targets and each VM of the\n"
           "                                 session file, without the session; says how\n"
           "                                 to fix what fails (exit status 1 if anything does)\n"
           "  identify                       press a key or click on a device: says which\n"
           "                                 device it is and which rule picks it\n"
           "  usb                            every USB device: its seat, the VM it is in,\n"
           "                                 or why it is in none, and the last error\n"
           "  usb attach DEVICE [VM]         put a USB device (its name in usb's list, like\n"
           "                                 1-2.3) into VM (default: its seat's VM) until\n"
           "                                 it is unplugged or the VM stops\n"
           "  usb detach DEVICE              take it out of its VM until it is unplugged\n"
           "\n"
           "Options:\n"
           "  --socket PATH  the session's control socket (default: $PHYLLOME_SOCKET, else\n"
           "                 the only phyllome-*.sock in $XDG_RUNTIME_DIR)\n"
           "  --json         print the session's reply as JSON\n"
           "  --version      print the version and exit\n"
           "  -h, --help     this text\n"
           "\n"
           "Exit status: 0 done, 1 the session refused or could not be reached, 2 bad usage.\n";
}

} // namespace phyllome::control
