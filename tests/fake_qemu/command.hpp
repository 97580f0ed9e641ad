// What every stdin command shares: its table entry, argument helpers, and
// how a call's reply becomes the one result line.
#pragma once

#include "fake.hpp"
#include "listener.hpp"

#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fake_qemu {

using Words = std::vector<std::string>;
// Each command calls done exactly once, now or when the client has replied.
using Done = std::function<void(const std::string &line)>;

struct CommandSpec {
    std::string_view name;
    std::string_view usage;
    void (*run)(Fake &fake, const Words &words, Done done);
};

std::span<const CommandSpec> control_commands();
std::span<const CommandSpec> frame_commands();
std::span<const CommandSpec> bad_commands();
std::span<const CommandSpec> audio_commands();
std::span<const CommandSpec> clipboard_commands();

// Thrown by the argument helpers; the dispatcher prints "error usage: ...".
struct UsageError {};

// Positional words after the command name, and key=value options.
struct Arguments {
    Words positional;
    std::map<std::string, std::string, std::less<>> options;
};
Arguments split_arguments(const Words &words, std::initializer_list<std::string_view> keys);

inline constexpr uint32_t kMaxSide = 16384; // valid commands stay within what QEMU sends

uint32_t arg_u32(std::string_view text);
uint32_t arg_side(std::string_view text);       // 1..kMaxSide
uint32_t arg_coordinate(std::string_view text); // 0..kMaxSide
int32_t arg_i32(std::string_view text);
uint32_t arg_bits32(std::string_view text);
uint64_t arg_u64(std::string_view text);
uint32_t arg_colour(std::string_view text);
uint32_t arg_format(std::string_view text);      // a pixman format name
uint32_t arg_format_code(std::string_view text); // a name or any 32-bit number
uint32_t arg_fourcc(std::string_view text);      // four characters or a number
bool arg_flag(std::string_view text);            // 0 or 1

// "ok", or "error <name>: <message>"; a timeout names how long it waited.
std::string result_line(const CallResult &result);
// For commands whose only effect is a call on the listener.
inline constexpr const char *kNoListener = "error no-listener: no listener is registered";

} // namespace fake_qemu
