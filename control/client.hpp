// phyllomectl's side of the socket: one request line out, one reply line in.
#pragma once

#include <string>
#include <variant>

namespace phyllome::control {

// Why a request got no reply, in one line.
struct RequestFailure {
    std::string message;
};

// Connects to `path`, sends `line` (newline included) and returns the reply
// line without its newline.
std::variant<std::string, RequestFailure> send_request(const std::string &path,
                                                       const std::string &line);

} // namespace phyllome::control
