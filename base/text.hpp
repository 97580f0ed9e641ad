// Text from outside (the session file, devices, guests, peers) made safe to
// print: control characters escaped, so a name never breaks a log line apart
// nor reaches a terminal raw.
#pragma once

#include <string>
#include <string_view>

namespace phyllome::base {

// \n, \r, \t and \xNN for every other control character.
std::string printable(std::string_view text);
// Text of several lines, each made printable: the newlines stay.
std::string printable_lines(std::string_view text);

} // namespace phyllome::base
