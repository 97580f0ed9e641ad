#include "config/diagnostic.hpp"

#include <ostream>

namespace phyllome::config {

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
