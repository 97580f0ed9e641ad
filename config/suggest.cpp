#include "config/suggest.hpp"

#include <algorithm>
#include <vector>

namespace phyllome::config {

namespace {

char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Longer words are not misspellings of configuration names; skipping them
// keeps the quadratic distance cheap on hostile input.
constexpr std::size_t kMaxWordLength = 64;

template <typename Candidates>
std::optional<std::string_view> closest_in(std::string_view word, const Candidates &candidates)
{
    if (word.empty() || word.size() > kMaxWordLength)
        return std::nullopt;
    // Roughly one typo per three characters, and at least one.
    const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
    std::optional<std::string_view> best;
    std::size_t best_distance = limit + 1;
    for (const auto &candidate : candidates) {
        const std::string_view c = candidate;
        if (c.size() > kMaxWordLength)
            continue;
        const std::size_t d = edit_distance(word, c);
        // Replacing every character is no suggestion at all.
        if (d < best_distance && d < c.size()) {
            best = c;
            best_distance = d;
        }
    }
    return best;
}

} // namespace

std::size_t edit_distance(std::string_view a, std::string_view b)
{
    // Three rolling rows of the classic dynamic programme: the swap of two
    // neighbours looks two rows back.
    const std::size_t n = b.size();
    std::vector<std::size_t> before(n + 1), previous(n + 1), current(n + 1);
    for (std::size_t j = 0; j <= n; ++j)
        previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= n; ++j) {
            const bool same = lower(a[i - 1]) == lower(b[j - 1]);
            current[j] =
                std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (same ? 0 : 1)});
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1])) {
                current[j] = std::min(current[j], before[j - 2] + 1);
            }
        }
        std::swap(before, previous);
        std::swap(previous, current);
    }
    return previous[n];
}

std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates)
{
    return closest_in(word, candidates);
}

std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string> candidates)
{
    return closest_in(word, candidates);
}

} // namespace phyllome::config
