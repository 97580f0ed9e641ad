// Parsing of the numbers and colours in command lines.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fake_qemu {

// Decimal or 0x-prefixed hexadecimal.
std::optional<uint64_t> parse_u64(std::string_view text);
std::optional<uint32_t> parse_u32(std::string_view text);
std::optional<int32_t> parse_i32(std::string_view text);
// Any 32-bit pattern: 0..4294967295, or -2147483648..-1 taken as two's complement.
std::optional<uint32_t> parse_bits32(std::string_view text);
// RRGGBB, six hexadecimal digits.
std::optional<uint32_t> parse_colour(std::string_view text);

std::vector<std::string> split_words(std::string_view line);

} // namespace fake_qemu
