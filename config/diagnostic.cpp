#include "config/diagnostic.hpp"

#include <ostream>

namespace phyllome::config {

std::string printable(std::string_view text)
{
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            out += "\\x";
            out += kHex[u >> 4];
            out += kHex[u & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

std::string to_string(const Diagnostic &diagnostic)
{
    std::string out = printable(diagnostic.path);
    if (diagnostic.line > 0) {
        out += ':' + std::to_string(diagnostic.line) + ':' + std::to_string(diagnostic.column);
    }
    out += diagnostic.severity == Severity::Warning ? ": warning: " : ": error: ";
    out += printable(diagnostic.message);
    return out;
}

std::ostream &operator<<(std::ostream &out, const Diagnostic &diagnostic)
{
    return out << to_string(diagnostic);
}

} // namespace phyllome::config
