#include "session/options.hpp"

#include <charconv>
#include <sstream>

namespace phyllome {
namespace {

constexpr int kMaxOutputSide = 16384; // larger than any mode KMS offers today
constexpr std::size_t kMaxHeadlessOutputs = 16;

std::optional<int> parse_int(std::string_view text, int min, int max)
{
    int value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < min || value > max)
        return std::nullopt;
    return value;
}

std::optional<OutputSize> parse_size(std::string_view text)
{
    const auto x = text.find('x');
    if (x == std::string_view::npos)
        return std::nullopt;
    auto width = parse_int(text.substr(0, x), 1, kMaxOutputSide);
    auto height = parse_int(text.substr(x + 1), 1, kMaxOutputSide);
    if (!width || !height)
        return std::nullopt;
    return OutputSize{*width, *height};
}

} // namespace

std::optional<std::vector<OutputSize>> parse_output_sizes(const std::string &text)
{
    std::vector<OutputSize> sizes;
    std::string_view rest = text;
    while (true) {
        const auto comma = rest.find(',');
        auto size = parse_size(rest.substr(0, comma));
        if (!size)
            return std::nullopt;
        sizes.push_back(*size);
        if (comma == std::string_view::npos)
            break;
        rest.remove_prefix(comma + 1);
    }
    if (sizes.size() > kMaxHeadlessOutputs)
        return std::nullopt;
    return sizes;
}

std::variant<Options, OptionsError> parse_options(const std::vector<std::string> &args)
{
    Options options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        // Accept both "--opt value" and "--opt=value".
        std::string name = arg;
        std::optional<std::string> inline_value;
        if (arg.rfind("--", 0) == 0) {
            if (auto eq = arg.find('='); eq != std::string::npos) {
                name = arg.substr(0, eq);
                inline_value = arg.substr(eq + 1);
            }
        }
        auto take_value = [&]() -> std::optional<std::string> {
            if (inline_value)
                return inline_value;
            if (i + 1 < args.size())
                return args[++i];
            return std::nullopt;
        };
        auto no_value = [&]() {
            return inline_value.has_value();
        };

        if (name == "-h" || name == "--help") {
            if (no_value())
                return OptionsError{name + " takes no value"};
            options.help = true;
        } else if (name == "--version") {
            if (no_value())
                return OptionsError{name + " takes no value"};
            options.version = true;
        } else if (name == "-v" || name == "--verbose") {
            if (no_value())
                return OptionsError{name + " takes no value"};
            options.verbose = true;
        } else if (name == "--headless") {
            auto value = take_value();
            if (!value)
                return OptionsError{"--headless needs WIDTHxHEIGHT[,WIDTHxHEIGHT...]"};
            auto sizes = parse_output_sizes(*value);
            if (!sizes)
                return OptionsError{"--headless: '" + *value +
                                    "' is not a list of WIDTHxHEIGHT sizes (1 to 16384 each, "
                                    "at most 16 outputs)"};
            options.headless = *sizes;
        } else if (name == "--ready-fd") {
            auto value = take_value();
            if (!value)
                return OptionsError{"--ready-fd needs a file descriptor number"};
            auto fd = parse_int(*value, 0, 1 << 20);
            if (!fd)
                return OptionsError{"--ready-fd: '" + *value + "' is not a file descriptor number"};
            options.ready_fd = *fd;
        } else if (name == "--vm-fd") {
            auto value = take_value();
            const auto eq = value ? value->rfind('=') : std::string::npos;
            std::optional<int> fd;
            if (eq != std::string::npos && eq > 0)
                fd = parse_int(std::string_view(*value).substr(eq + 1), 0, 1 << 20);
            if (!fd)
                return OptionsError{"--vm-fd needs NAME=FD (a VM name and a file descriptor)"};
            options.vm_fds.emplace_back(value->substr(0, eq), *fd);
        } else if (name == "--config") {
            auto value = take_value();
            if (!value || value->empty())
                return OptionsError{"--config needs a file path"};
            options.config_path = *value;
        } else if (name == "--check-config") {
            options.check_config = true;
            // The path is optional: take the next argument only if it is not
            // an option.
            if (inline_value)
                options.config_path = *inline_value;
            else if (i + 1 < args.size() && args[i + 1].rfind("-", 0) != 0)
                options.config_path = args[++i];
        } else {
            return OptionsError{"unknown argument '" + arg + "'"};
        }
    }
    return options;
}

std::string usage_text()
{
    std::ostringstream out;
    out << "Usage: phyllome-session [OPTIONS]\n"
           "\n"
           "The login session of a virtualization host: shows each seat's virtual\n"
           "machine fullscreen on every display of the PC.\n"
           "\n"
           "Options:\n"
           "  --config PATH           session file (default: $XDG_CONFIG_HOME/phyllome/\n"
           "                          session.toml, then /etc/phyllome/session.toml)\n"
           "  --check-config [PATH]   validate the session file and exit\n"
           "  --headless WxH[,WxH...] run without a display on headless outputs of these\n"
           "                          sizes, named HEADLESS-1, HEADLESS-2, ...\n"
           "  --ready-fd N            write the Wayland socket name to fd N and close it\n"
           "                          once every output has shown its first frame\n"
           "  --vm-fd NAME=FD         show VM NAME's display from fd FD, a connected\n"
           "                          peer-to-peer D-Bus socket to its QEMU (-display\n"
           "                          dbus,p2p=on, attached with QMP add_client)\n"
           "  -v, --verbose           log debug messages\n"
           "  --version               print the version and exit\n"
           "  -h, --help              print this help and exit\n"
           "\n"
           "Without --headless the backend follows the environment: nested in a window\n"
           "when WAYLAND_DISPLAY or DISPLAY is set, else every DRM display and input\n"
           "device of the seat, through libseat.\n";
    return out.str();
}

} // namespace phyllome
