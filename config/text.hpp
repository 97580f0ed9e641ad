// Text helpers internal to config/: quoting names in messages, trimming
// what the user wrote.
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

// Without the spaces and tabs around it.
inline std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

} // namespace phyllome::config::detail
