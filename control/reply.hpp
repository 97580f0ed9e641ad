// The session's replies: {"ok": true, ...} or {"ok": false, "error": "..."},
// each one line of JSON.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace phyllome::control {

// `fields` (an object, or null for none) with "ok": true added.
nlohmann::json ok(nlohmann::json fields = nullptr);
nlohmann::json error(std::string_view message);

// One line, newline included. Invalid UTF-8 in a string (a device name, say)
// is replaced rather than thrown on.
std::string to_line(const nlohmann::json &reply);

} // namespace phyllome::control
