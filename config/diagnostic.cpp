#include "config/diagnostic.hpp"

#include <ostream>

namespace phyllome::config {

namespace {

// One problem, one line: names taken from the file (or the path) must never
// break a log line or the --check-config output apart, nor send terminal
// escape sequences.
void append_printable(std::string &out, const std::string &text)
{
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\t') {
            out += ' ';
        } else if (u < 0x20 || u == 0x7f) {
            out += '?';
        } else {
            out += c;
        }
    }
}

} // namespace

std::string to_string(const Diagnostic &diagnostic)
{
    std::string out;
    append_printable(out, diagnostic.path);
    if (diagnostic.line > 0) {
        out += ':' + std::to_string(diagnostic.line) + ':' + std::to_string(diagnostic.column);
    }
    out += ": error: ";
    append_printable(out, diagnostic.message);
    return out;
}

std::ostream &operator<<(std::ostream &out, const Diagnostic &diagnostic)
{
    return out << to_string(diagnostic);
}

} // namespace phyllome::config
