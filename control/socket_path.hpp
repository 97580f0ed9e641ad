// Where the control socket is: $XDG_RUNTIME_DIR/phyllome-<WAYLAND_DISPLAY>.sock,
// one per running session; phyllomectl finds it from its environment.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace phyllome::control {

// The variable the session exports to its children with the socket's path.
inline constexpr const char *kSocketVariable = "PHYLLOME_SOCKET";

std::string socket_path(std::string_view runtime_dir, std::string_view wayland_display);

struct SocketLookupError {
    std::string message;
};

// --socket PATH when given (non-empty), else $PHYLLOME_SOCKET, else the only
// phyllome-*.sock in $XDG_RUNTIME_DIR. Empty arguments mean "not set".
std::variant<std::string, SocketLookupError>
find_socket(std::string_view option, std::string_view variable, std::string_view runtime_dir);

} // namespace phyllome::control
