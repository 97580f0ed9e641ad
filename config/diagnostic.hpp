// One problem found in a session file.
#pragma once

#include <iosfwd>
#include <string>

namespace phyllome::config {

struct Diagnostic {
    std::string path; // as given to the loader, for messages only
    int line = 0;     // 1-based; 0 when the problem is the file as a whole
    int column = 0;   // 1-based, in characters (UTF-8 code points)
    std::string message;

    bool operator==(const Diagnostic &) const = default;
};

// "PATH:LINE:COL: error: MESSAGE", or "PATH: error: MESSAGE" when line is 0
// (e.g. the file cannot be read). Always a single line.
std::string to_string(const Diagnostic &diagnostic);
std::ostream &operator<<(std::ostream &out, const Diagnostic &diagnostic);

} // namespace phyllome::config
