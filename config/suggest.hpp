// "Did you mean ...?" suggestions for misspelt names.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace phyllome::config {

// Optimal string alignment distance (insertions, deletions, substitutions
// and swaps of neighbours), ignoring ASCII case.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to word, if it is close enough to be a likely typo
// (first one wins a tie); nullopt otherwise.
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates);
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string> candidates);

} // namespace phyllome::config
