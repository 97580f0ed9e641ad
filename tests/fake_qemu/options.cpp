#include "options.hpp"

#include "args.hpp"

#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>

namespace fake_qemu {

const char *const kUsage =
    "usage: fake-qemu --qemu-version 7.2|8.0|9.2|10.1 --fd N [--width W --height H] "
    "[--name VMNAME] [--virtio] [--audio] [--clipboard [--clipboard-reconnect]]";

std::optional<Version> Version::parse(std::string_view text)
{
    if (text == "7.2")
        return Version{7, 2};
    if (text == "8.0")
        return Version{8, 0};
    if (text == "9.2")
        return Version{9, 2};
    if (text == "10.1")
        return Version{10, 1};
    return std::nullopt;
}

std::optional<Options> parse_options(int argc, char **argv, std::string *error)
{
    Options options;
    bool have_version = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "--virtio") {
            options.virtio = true;
            continue;
        }
        if (flag == "--audio") {
            options.audio = true;
            continue;
        }
        if (flag == "--clipboard") {
            options.clipboard = true;
            continue;
        }
        if (flag == "--clipboard-reconnect") {
            options.clipboard_reconnect = true;
            continue;
        }
        if (i + 1 >= argc) {
            *error = std::string(argv[i]) + " needs a value";
            return std::nullopt;
        }
        const std::string_view value = argv[++i];
        std::optional<uint32_t> number;
        if (flag == "--qemu-version") {
            auto version = Version::parse(value);
            if (!version) {
                *error = "unsupported QEMU version " + std::string(value);
                return std::nullopt;
            }
            options.version = *version;
            have_version = true;
        } else if (flag == "--fd" && (number = parse_u32(value)) && *number <= INT32_MAX) {
            options.fd = int(*number);
        } else if (flag == "--width" && (number = parse_u32(value)) && *number > 0) {
            options.width = *number;
        } else if (flag == "--height" && (number = parse_u32(value)) && *number > 0) {
            options.height = *number;
        } else if (flag == "--name") {
            options.name = value;
        } else {
            *error = "bad option " + std::string(flag) + " " + std::string(value);
            return std::nullopt;
        }
    }
    if (!have_version || options.fd < 0) {
        *error = "--qemu-version and --fd are required";
        return std::nullopt;
    }
    struct stat st {};
    int type = 0;
    socklen_t len = sizeof(type);
    if (fstat(options.fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
        getsockopt(options.fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
        *error = "--fd " + std::to_string(options.fd) + " is not a stream socket";
        return std::nullopt;
    }
    return options;
}

} // namespace fake_qemu
