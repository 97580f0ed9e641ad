// Shared helpers for the config unit tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/load.hpp"

namespace phyllome::config::testing {

// Parses text as "t.toml".
inline LoadResult parse(std::string_view text)
{
    return parse_config(text, "t.toml");
}

// Every diagnostic as the user sees it, "t.toml:3:7: error: ...".
inline std::vector<std::string> messages(const LoadResult &result)
{
    std::vector<std::string> out;
    for (const auto &d : result.errors)
        out.push_back(to_string(d));
    return out;
}

} // namespace phyllome::config::testing
