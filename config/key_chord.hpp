// Key chords: the host modifier chord and the host command keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace phyllome::config {

// Modifier bits. The values equal wlroots' WLR_MODIFIER_* and xkb's usual
// real-modifier order, so the compositor can compare them with
// wlr_keyboard_get_modifiers() directly.
enum Modifier : std::uint32_t {
    kModShift = 1u << 0,
    kModCtrl = 1u << 2,
    kModAlt = 1u << 3,
    kModSuper = 1u << 6,
};

// Modifiers plus at most one key. host_keys has no key; every [keys] entry
// has one.
struct KeyChord {
    std::uint32_t modifiers = 0; // Modifier bits
    std::string key;             // xkb keysym name as written; empty for none
    // Lower-cased keysym (xkb_keysym_to_lower), 0 when key is empty. Compare it
    // with xkb_keysym_to_lower() of the pressed key so "I" and "i" both work.
    std::uint32_t keysym = 0;

    // Two chords are equal when they react to the same keys, whatever the
    // spelling ("Return" and "return", "I" and "i").
    friend bool operator==(const KeyChord &a, const KeyChord &b)
    {
        return a.modifiers == b.modifiers && a.keysym == b.keysym;
    }
};

// Parses "Ctrl+Alt+Super": modifiers only, at least one. On failure returns
// nullopt and sets error to a sentence explaining why.
std::optional<KeyChord> parse_modifier_chord(std::string_view text, std::string &error);

// Parses "Right" or "Shift+Right": optional modifiers, then exactly one xkb
// key name (case-insensitive fallback, so "return" works).
std::optional<KeyChord> parse_key_chord(std::string_view text, std::string &error);

// "Ctrl+Alt+Super", "Shift+Right": modifiers in a fixed order, then the key.
std::string to_string(const KeyChord &chord);

} // namespace phyllome::config
