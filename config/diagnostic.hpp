// One problem found in a session file.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

namespace phyllome::config {

// An error makes the file unusable; a warning is a likely mistake in a file
// that is used anyway.
enum class Severity { Error, Warning };

struct Diagnostic {
    std::string path; // as given to the loader, for messages only
    int line = 0;     // 1-based; 0 when the problem is the file as a whole
    int column = 0;   // 1-based, in characters (UTF-8 code points)
    std::string message;
    Severity severity = Severity::Error;

    bool operator==(const Diagnostic &) const = default;
};

// "PATH:LINE:COL: error: MESSAGE" (or "warning:"), or "PATH: error: MESSAGE"
// when line is 0 (e.g. the file cannot be read). Always a single line:
// control characters are written as escapes (\n, \t, \x1b).
std::string to_string(const Diagnostic &diagnostic);
std::ostream &operator<<(std::ostream &out, const Diagnostic &diagnostic);

// Text with every control character written as an escape (\n, \r, \t,
// \xNN), so that a name from the file can neither break a line of a log or
// a terminal apart nor send it escape sequences.
std::string printable(std::string_view text);

} // namespace phyllome::config
