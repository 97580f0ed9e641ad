// A successful reply in words, for a person at a terminal (phyllomectl
// without --json). Missing or odd fields print as "?" rather than fail: the
// session may be newer than this phyllomectl.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "control/request.hpp"

namespace phyllome::control {

std::string format_reply(const Request &request, const nlohmann::json &reply);

} // namespace phyllome::control
