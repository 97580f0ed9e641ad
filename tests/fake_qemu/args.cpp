#include "args.hpp"

#include <charconv>

namespace fake_qemu {

std::optional<uint64_t> parse_u64(std::string_view text)
{
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::optional<uint32_t> parse_u32(std::string_view text)
{
    const auto value = parse_u64(text);
    if (!value || *value > UINT32_MAX)
        return std::nullopt;
    return uint32_t(*value);
}

std::optional<int32_t> parse_i32(std::string_view text)
{
    const bool negative = !text.empty() && text[0] == '-';
    const auto magnitude = parse_u64(negative ? text.substr(1) : text);
    if (!magnitude)
        return std::nullopt;
    if (negative ? *magnitude > uint64_t(INT32_MAX) + 1 : *magnitude > uint64_t(INT32_MAX))
        return std::nullopt;
    return negative ? int32_t(-int64_t(*magnitude)) : int32_t(*magnitude);
}

std::optional<uint32_t> parse_bits32(std::string_view text)
{
    if (!text.empty() && text[0] == '-') {
        const auto value = parse_i32(text);
        return value ? std::optional<uint32_t>(uint32_t(*value)) : std::nullopt;
    }
    return parse_u32(text);
}

std::optional<uint32_t> parse_colour(std::string_view text)
{
    if (text.size() != 6)
        return std::nullopt;
    uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::vector<std::string> split_words(std::string_view line)
{
    std::vector<std::string> words;
    size_t pos = 0;
    while (pos < line.size()) {
        const size_t start = line.find_first_not_of(" \t\r", pos);
        if (start == std::string_view::npos)
            break;
        size_t end = line.find_first_of(" \t\r", start);
        if (end == std::string_view::npos)
            end = line.size();
        words.emplace_back(line.substr(start, end - start));
        pos = end;
    }
    return words;
}

} // namespace fake_qemu
