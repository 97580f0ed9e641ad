#include "config/toml_guard.hpp"

#include <algorithm>
#include <cstdio>

#include "config/text.hpp"

namespace phyllome::config::detail {

namespace {

enum class State { Outside, BareValue, Comment, Basic, Literal, MultiBasic, MultiLiteral };

// Where toml++ stops reading a bare value (number, date, boolean) ahead.
bool ends_bare_value(char c)
{
    switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case ',':
    case ']':
    case '}':
    case '#':
        return true;
    default:
        return false;
    }
}

bool is_continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

// The character starting at i, for a message: its UTF-8 bytes, or its hex
// value when they are not valid UTF-8.
std::string describe(std::string_view text, std::size_t i)
{
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    bool valid = lead >= 0xC2 && lead <= 0xF4 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
        valid = is_continuation(static_cast<unsigned char>(text[i + k]));
    }
    if (valid)
        return quote(text.substr(i, length));
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", lead);
    return std::string("byte ") + hex;
}

// Length of the run of `quote` characters starting at i.
std::size_t run_length(std::string_view text, std::size_t i, char quote)
{
    std::size_t n = 0;
    while (i + n < text.size() && text[i + n] == quote)
        ++n;
    return n;
}

// In valid TOML a string starts only after one of these; a quote glued to a
// bare key (a"x") is not a string to toml++ either, so the scan stays outside
// and conservative. '.' separates dotted keys, never values.
bool starts_string(char previous, bool in_value)
{
    switch (previous) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case '=':
    case '[':
    case ',':
    case '{':
        return true;
    case '.':
        return !in_value;
    default:
        return false;
    }
}

// Follows keys, values and brackets well enough to tell a dotted key from a
// value. Only valid TOML needs to be followed exactly.
void track_structure(char c, bool &in_value, std::string &brackets)
{
    const char top = brackets.empty() ? '\0' : brackets.back();
    switch (c) {
    case '=':
        in_value = true;
        break;
    case '[':
        brackets += in_value ? '[' : 'h';
        break;
    case '{':
        brackets += '{';
        in_value = false;
        break;
    case ']':
    case '}':
        // A closed array or inline table was a value; a closed header was not.
        if (!brackets.empty())
            brackets.pop_back();
        in_value = top != 'h';
        break;
    case ',':
        in_value = top != '{';
        break;
    case '\n':
        // Only arrays span lines; anything else open is toml++'s error.
        while (!brackets.empty() && brackets.back() != '[')
            brackets.pop_back();
        if (brackets.empty())
            in_value = false;
        break;
    default:
        break;
    }
}

class Scanner {
public:
    // The scan stops at the first NUL, which is itself reported.
    explicit Scanner(std::string_view text)
        : text_(text), limit_(std::min(text.size(), text.find('\0')))
    {
    }

    std::optional<UnsafeInput> run();

private:
    // Moves to byte `to`, keeping line and column up to date.
    void advance_to(std::size_t to)
    {
        for (; i_ < to && i_ < limit_; ++i_) {
            const auto c = static_cast<unsigned char>(text_[i_]);
            if (c == '\n') {
                ++line_;
                column_ = 1;
            } else if (!is_continuation(c)) {
                ++column_;
            }
        }
    }
    UnsafeInput hit(std::string message) const
    {
        return UnsafeInput{i_, line_, column_, std::move(message)};
    }
    // After a backslash in a """ string: if it ends the line, skip to the
    // next non-whitespace character and return its offset.
    std::optional<std::size_t> line_ending_backslash_target(std::size_t backslash) const;

    std::string_view text_;
    std::size_t limit_;
    std::size_t i_ = 0;
    int line_ = 1;
    int column_ = 1;
};

std::optional<std::size_t> Scanner::line_ending_backslash_target(std::size_t backslash) const
{
    std::size_t j = backslash + 1;
    while (j < text_.size() && (text_[j] == ' ' || text_[j] == '\t'))
        ++j;
    if (j < text_.size() && text_[j] == '\r')
        ++j;
    if (j >= text_.size() || text_[j] != '\n')
        return std::nullopt;
    while (j < text_.size() &&
           (text_[j] == ' ' || text_[j] == '\t' || text_[j] == '\r' || text_[j] == '\n')) {
        ++j;
    }
    return j;
}

std::optional<UnsafeInput> Scanner::run()
{
    // A UTF-8 byte order mark is allowed at the very start.
    if (text_.starts_with("\xEF\xBB\xBF"))
        advance_to(3);

    State state = State::Outside;
    // Outside strings: whether a value or a key comes next, the open brackets
    // ('[' array, 'h' table header, '{' inline table), and the byte before.
    bool in_value = false;
    std::string brackets;
    char previous = '\n';

    while (i_ < limit_) {
        const char c = text_[i_];
        std::size_t next = i_ + 1;

        switch (state) {
        case State::Outside:
            if (c == '#') {
                state = State::Comment;
            } else if ((c == '"' || c == '\'') && starts_string(previous, in_value)) {
                const bool multi = run_length(text_, i_, c) >= 3;
                state = c == '"' ? (multi ? State::MultiBasic : State::Basic)
                                 : (multi ? State::MultiLiteral : State::Literal);
                if (multi)
                    next = i_ + 3;
            } else if (static_cast<unsigned char>(c) >= 0x80) {
                return hit("TOML syntax error: unexpected character " + describe(text_, i_) +
                           " outside a string or comment");
            } else if (in_value && !ends_bare_value(c) && c != '"' && c != '\'' && c != '[' &&
                       c != '{') {
                // toml++ reads a bare value ahead to its end, quotes and all.
                state = State::BareValue;
            } else {
                track_structure(c, in_value, brackets);
            }
            break;
        case State::BareValue:
            if (static_cast<unsigned char>(c) >= 0x80) {
                return hit("TOML syntax error: unexpected character " + describe(text_, i_) +
                           " in a value");
            }
            if (ends_bare_value(c)) {
                state = State::Outside;
                continue; // the terminator is read again outside
            }
            break;
        case State::Comment:
            if (c == '\n') {
                state = State::Outside;
                track_structure(c, in_value, brackets);
            }
            break;
        case State::Basic:
        case State::MultiBasic:
            if (c == '\\' && i_ + 1 < limit_ && static_cast<unsigned char>(text_[i_ + 1]) >= 0x80) {
                advance_to(i_ + 1);
                return hit("TOML syntax error in string: unknown escape sequence '\\" +
                           describe(text_, i_).substr(1));
            }
            if (state == State::Basic) {
                if (c == '\\' && i_ + 1 < limit_ && text_[i_ + 1] != '\n') {
                    next = i_ + 2; // the escaped character cannot end the string
                } else if (c == '"' || c == '\n') {
                    state = State::Outside; // a newline here is toml++'s error to report
                }
            } else if (c == '\\') {
                // "\ é": toml++ takes the blank for a line-ending backslash and
                // classifies what follows it.
                std::size_t j = i_ + 1;
                while (j < limit_ && (text_[j] == ' ' || text_[j] == '\t'))
                    ++j;
                if (j < limit_ && static_cast<unsigned char>(text_[j]) >= 0x80) {
                    advance_to(j);
                    return hit("TOML syntax error in string: a line-ending backslash must be "
                               "the last character on its line");
                }
                if (auto target = line_ending_backslash_target(i_)) {
                    if (*target < limit_ && static_cast<unsigned char>(text_[*target]) >= 0x80) {
                        advance_to(*target);
                        return hit("unsupported by the TOML parser: a line-ending backslash "
                                   "followed by the non-ASCII character " +
                                   describe(text_, i_) +
                                   "; join the lines or escape the character as \\uXXXX");
                    }
                    next = *target;
                } else {
                    next = i_ + 2;
                }
            } else if (c == '"') {
                // Up to two quotes may precede the closing three.
                const std::size_t n = run_length(text_, i_, '"');
                if (n >= 3)
                    state = State::Outside;
                next = i_ + n;
            }
            break;
        case State::Literal:
            if (c == '\'' || c == '\n')
                state = State::Outside;
            break;
        case State::MultiLiteral:
            if (c == '\'') {
                const std::size_t n = run_length(text_, i_, '\'');
                if (n >= 3)
                    state = State::Outside;
                next = i_ + n;
            }
            break;
        }
        next = std::min(next, limit_); // a skip may run past the end
        previous = text_[next - 1];
        advance_to(next);
    }
    if (limit_ < text_.size()) {
        advance_to(limit_);
        return hit("TOML syntax error: NUL byte (is this a binary file?)");
    }
    return std::nullopt;
}

} // namespace

std::optional<UnsafeInput> find_unsafe_input(std::string_view text)
{
    return Scanner(text).run();
}

} // namespace phyllome::config::detail
