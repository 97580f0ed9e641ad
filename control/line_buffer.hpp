// Bytes from a stream socket cut into lines, whatever the read boundaries,
// with a bound on how long a line may grow.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace phyllome::control {

class LineBuffer {
public:
    explicit LineBuffer(std::size_t max_line) : max_line_(max_line) {}

    void append(std::string_view bytes) { data_.append(bytes); }

    // The next complete line, without its newline; nullopt when none is
    // complete yet or the buffer overflowed.
    std::optional<std::string> next_line();

    // True once a line longer than max_line was seen (complete or not):
    // the stream cannot be trusted to resynchronise after it.
    bool overflowed() const;

    // Bytes of an unfinished line (what a peer sent before closing).
    bool has_partial() const { return !data_.empty(); }
    std::size_t size() const { return data_.size(); }

private:
    std::size_t max_line_;
    std::string data_;
};

} // namespace phyllome::control
