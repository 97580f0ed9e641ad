#include "control/socket_path.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

namespace phyllome::control {

std::string socket_path(std::string_view runtime_dir, std::string_view wayland_display)
{
    return std::string(runtime_dir) + "/phyllome-" + std::string(wayland_display) + ".sock";
}

std::variant<std::string, SocketLookupError>
find_socket(std::string_view option, std::string_view variable, std::string_view runtime_dir)
{
    if (!option.empty())
        return std::string(option);
    if (!variable.empty())
        return std::string(variable);
    if (runtime_dir.empty())
        return SocketLookupError{"no session socket: set PHYLLOME_SOCKET, XDG_RUNTIME_DIR or "
                                 "pass --socket PATH"};

    std::vector<std::string> found;
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(runtime_dir, error)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("phyllome-") && name.ends_with(".sock") && entry.is_socket(error))
            found.push_back(entry.path().string());
    }
    if (error)
        return SocketLookupError{"cannot read " + std::string(runtime_dir) + ": " +
                                 error.message()};
    if (found.empty())
        return SocketLookupError{"no running session: no phyllome-*.sock in " +
                                 std::string(runtime_dir)};
    if (found.size() > 1) {
        std::sort(found.begin(), found.end());
        std::string list;
        for (const auto &path : found)
            list += (list.empty() ? "" : ", ") + path;
        return SocketLookupError{"several sessions (" + list +
                                 "): pick one with --socket PATH or PHYLLOME_SOCKET"};
    }
    return found.front();
}

} // namespace phyllome::control
