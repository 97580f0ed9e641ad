#include "control/line_buffer.hpp"

namespace phyllome::control {

std::optional<std::string> LineBuffer::next_line()
{
    const std::size_t newline = data_.find('\n');
    if (newline == std::string::npos || newline > max_line_)
        return std::nullopt;
    std::string line = data_.substr(0, newline);
    data_.erase(0, newline + 1);
    return line;
}

bool LineBuffer::overflowed() const
{
    const std::size_t newline = data_.find('\n');
    const std::size_t line = newline == std::string::npos ? data_.size() : newline;
    return line > max_line_;
}

} // namespace phyllome::control
