// phyllomectl's side of the socket: one request line out, one reply line in.
#pragma once

#include <string>

namespace phyllome::control {

// Connects to `path`, sends `line` (newline included) and returns the reply
// line without its newline. Throws std::runtime_error with a one-line reason.
std::string send_request(const std::string &path, const std::string &line);

} // namespace phyllome::control
