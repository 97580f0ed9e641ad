#include "config/key_chord.hpp"

#include <xkbcommon/xkbcommon.h>

#include <array>
#include <span>
#include <vector>

#include "config/text.hpp"
#include "config/suggest.hpp"

namespace phyllome::config {

namespace {

using detail::quote;
using detail::trim;

struct ModifierName {
    std::string_view name;
    std::uint32_t bit;
};

// Canonical names first: to_string() and suggestions use them.
constexpr std::array<ModifierName, 9> kModifierNames{{
    {"Ctrl", kModCtrl},
    {"Alt", kModAlt},
    {"Shift", kModShift},
    {"Super", kModSuper},
    {"Control", kModCtrl},
    {"Mod1", kModAlt},
    {"Logo", kModSuper},
    {"Win", kModSuper},
    {"Mod4", kModSuper},
}};

constexpr std::array<std::string_view, 4> kCanonicalModifiers{"Ctrl", "Alt", "Shift", "Super"};

// Keys people are likely to bind; only used to suggest a spelling.
constexpr std::array<std::string_view, 34> kCommonKeys{
    "Right",   "Left",      "Up",     "Down",   "Return",    "End",   "Home",   "Prior", "Next",
    "Page_Up", "Page_Down", "Insert", "Delete", "BackSpace", "Tab",   "Escape", "space", "Print",
    "Pause",   "F1",        "F2",     "F3",     "F4",        "F5",    "F6",     "F7",    "F8",
    "F9",      "F10",       "F11",    "F12",    "Menu",      "comma", "period"};

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto fold = [](char c) {
            return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        };
        if (fold(a[i]) != fold(b[i]))
            return false;
    }
    return true;
}

std::optional<std::uint32_t> modifier_bit(std::string_view part)
{
    for (const auto &m : kModifierNames) {
        if (iequals(part, m.name))
            return m.bit;
    }
    return std::nullopt;
}

// The chord's parts, split on '+' and trimmed, or nullopt with `error`:
// `nothing` when the text is blank, or the empty part's problem.
std::optional<std::vector<std::string_view>> chord_parts(std::string_view text, const char *nothing,
                                                         std::string &error)
{
    if (trim(text).empty()) {
        error = nothing;
        return std::nullopt;
    }
    std::vector<std::string_view> parts;
    for (;;) {
        const auto plus = text.find('+');
        parts.push_back(trim(text.substr(0, plus)));
        if (parts.back().empty()) {
            error = "empty part between '+' signs (to bind the + key itself, write "
                    "'plus')";
            return std::nullopt;
        }
        if (plus == std::string_view::npos)
            break;
        text.remove_prefix(plus + 1);
    }
    return parts;
}

std::string not_a_modifier(std::string_view part)
{
    std::string msg = quote(part) + " is not a modifier (Ctrl, Alt, Shift or Super)";
    if (auto s = closest(part, kCanonicalModifiers)) {
        msg += "; did you mean " + quote(*s) + "?";
    }
    return msg;
}

// Applies the modifier parts, reporting the first problem.
bool add_modifiers(std::span<const std::string_view> parts, KeyChord &chord, std::string &error)
{
    for (const auto part : parts) {
        const auto bit = modifier_bit(part);
        if (!bit) {
            error = not_a_modifier(part);
            return false;
        }
        if (chord.modifiers & *bit) {
            error = "modifier " + quote(part) + " appears twice";
            return false;
        }
        chord.modifiers |= *bit;
    }
    return true;
}

// xkb key names are printable ASCII; anything else (including a NUL that
// would cut the C string short) cannot be one.
bool printable_ascii(std::string_view s)
{
    for (const char c : s) {
        if (c <= ' ' || c > '~')
            return false;
    }
    return true;
}

} // namespace

std::optional<KeyChord> parse_modifier_chord(std::string_view text, std::string &error)
{
    const auto parts =
        chord_parts(text, "no modifiers given (for example 'Ctrl+Alt+Super')", error);
    if (!parts)
        return std::nullopt;
    KeyChord chord;
    if (!add_modifiers(*parts, chord, error))
        return std::nullopt;
    return chord;
}

std::optional<KeyChord> parse_key_chord(std::string_view text, std::string &error)
{
    const auto parts = chord_parts(text, "no key given (for example 'Right')", error);
    if (!parts)
        return std::nullopt;

    KeyChord chord;
    const std::span<const std::string_view> all(*parts);
    if (!add_modifiers(all.first(all.size() - 1), chord, error))
        return std::nullopt;

    const std::string_view key = parts->back();
    if (modifier_bit(key)) {
        error = quote(key) + " is a modifier; name a key after it, like '" + std::string(key) +
                "+Right'";
        return std::nullopt;
    }
    xkb_keysym_t sym = XKB_KEY_NoSymbol;
    if (printable_ascii(key)) {
        const std::string name(key);
        sym = xkb_keysym_from_name(name.c_str(), XKB_KEYSYM_NO_FLAGS);
        if (sym == XKB_KEY_NoSymbol) {
            sym = xkb_keysym_from_name(name.c_str(), XKB_KEYSYM_CASE_INSENSITIVE);
        }
    }
    if (sym == XKB_KEY_NoSymbol) {
        error = "unknown key name " + quote(key) + " (xkb keysym names, like 'Right' or 'F1')";
        if (auto s = closest(key, kCommonKeys))
            error += "; did you mean " + quote(*s) + "?";
        return std::nullopt;
    }
    chord.key = std::string(key);
    chord.keysym = xkb_keysym_to_lower(sym);
    return chord;
}

std::string to_string(const KeyChord &chord)
{
    std::string out;
    for (const auto name : kCanonicalModifiers) {
        if (chord.modifiers & *modifier_bit(name)) {
            if (!out.empty())
                out += '+';
            out += name;
        }
    }
    if (!chord.key.empty()) {
        if (!out.empty())
            out += '+';
        out += chord.key;
    }
    return out;
}

} // namespace phyllome::config
