#include "command.hpp"

#include "args.hpp"
#include "calls.hpp"
#include "pixels.hpp"

#include <algorithm>

namespace fake_qemu {

Arguments split_arguments(const Words &words, std::initializer_list<std::string_view> keys)
{
    Arguments out;
    for (size_t i = 1; i < words.size(); ++i) {
        const std::string &word = words[i];
        const size_t eq = word.find('=');
        if (eq == std::string::npos) {
            out.positional.push_back(word);
            continue;
        }
        const std::string_view key(word.data(), eq);
        if (std::find(keys.begin(), keys.end(), key) == keys.end())
            throw UsageError{};
        out.options.emplace(std::string(key), word.substr(eq + 1));
    }
    return out;
}

template <typename T> static T need(std::optional<T> value)
{
    if (!value)
        throw UsageError{};
    return *value;
}

uint32_t arg_u32(std::string_view text)
{
    return need(parse_u32(text));
}

uint32_t arg_side(std::string_view text)
{
    const uint32_t value = arg_u32(text);
    if (value == 0 || value > kMaxSide)
        throw UsageError{};
    return value;
}

uint32_t arg_coordinate(std::string_view text)
{
    const uint32_t value = arg_u32(text);
    if (value > kMaxSide)
        throw UsageError{};
    return value;
}

int32_t arg_i32(std::string_view text)
{
    return need(parse_i32(text));
}
uint32_t arg_bits32(std::string_view text)
{
    return need(parse_bits32(text));
}
uint64_t arg_u64(std::string_view text)
{
    return need(parse_u64(text));
}
uint32_t arg_colour(std::string_view text)
{
    return need(parse_colour(text));
}
uint32_t arg_format(std::string_view text)
{
    return need(pixman_format_by_name(text));
}

uint32_t arg_format_code(std::string_view text)
{
    if (auto code = pixman_format_by_name(text))
        return *code;
    return arg_bits32(text);
}

uint32_t arg_fourcc(std::string_view text)
{
    if (text.size() == 4 && !parse_u32(text))
        return fourcc(text[0], text[1], text[2], text[3]);
    return arg_bits32(text);
}

bool arg_flag(std::string_view text)
{
    if (text != "0" && text != "1")
        throw UsageError{};
    return text == "1";
}

std::string result_line(const CallResult &result)
{
    if (result.ok)
        return "ok";
    if (result.timed_out)
        return "error timeout: no reply within " + std::to_string(kReplyTimeoutUs / 1000000) +
               " seconds";
    return "error " + result.error_name + ": " + result.error_message;
}

} // namespace fake_qemu
