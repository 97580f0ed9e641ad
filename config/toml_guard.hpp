// Input that the TOML parser must not see. Internal to parse.cpp.
//
// toml++ 3.3 (Debian 12) reaches TOML_UNREACHABLE, i.e. undefined
// behaviour, when it classifies some non-ASCII characters as whitespace or
// not (upstream marzer/tomlplusplus#190 and #295). It only does so outside
// strings and comments, where any non-ASCII character is a syntax error
// anyway, and after a line-ending backslash in a """ string. It also trips
// an internal assertion on a raw NUL. A small scan over the string and
// comment structure of TOML finds all of these first.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace phyllome::config::detail {

struct UnsafeInput {
    std::size_t offset; // byte offset of the offending character
    int line;           // 1-based
    int column;         // 1-based, in code points, as toml++ counts
    std::string message;
};

std::optional<UnsafeInput> find_unsafe_input(std::string_view text);

} // namespace phyllome::config::detail
