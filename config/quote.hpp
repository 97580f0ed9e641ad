// Quoting names in messages. Internal to config/.
#pragma once

#include <string>
#include <string_view>

namespace phyllome::config::detail {

// 'name'. Built by appending: GCC 12 at -O3 reports a false -Wrestrict on
// "'" + std::string(s) + "'" (GCC bug 105329), which --werror would make fatal.
inline std::string quote(std::string_view s)
{
    std::string out;
    out.reserve(s.size() + 2);
    out += '\'';
    out += s;
    out += '\'';
    return out;
}

} // namespace phyllome::config::detail
