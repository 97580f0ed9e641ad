// parse_config: TOML syntax via toml++, then a validator that keeps going
// after each problem so one run reports everything wrong with the file.
#include <toml++/toml.h>
#include <xkbcommon/xkbcommon.h>

#include <algorithm>
#include <array>
#include <climits>
#include <map>
#include <memory>
#include <set>

#include "config/load.hpp"
#include "config/suggest.hpp"
#include "config/text.hpp"
#include "config/toml_guard.hpp"
#include "config/usb_class.hpp"

namespace phyllome::config {

namespace {

using detail::quote;

struct Where {
    int line = 0;
    int column = 0;
};

int clamp_index(toml::source_index i)
{
    return i > static_cast<toml::source_index>(INT_MAX) ? INT_MAX : static_cast<int>(i);
}

Where at(const toml::source_region &region)
{
    return {clamp_index(region.begin.line), clamp_index(region.begin.column)};
}
Where at(const toml::node &node)
{
    return at(node.source());
}
Where at(const toml::key &key)
{
    return at(key.source());
}

std::string type_name(const toml::node &node)
{
    switch (node.type()) {
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates)
{
    if (auto s = closest(word, candidates))
        return "; did you mean " + quote(*s) + "?";
    return {};
}

// Longer names than this are surely a mistake (a pasted paragraph): no
// status card or terminal line shows them whole.
constexpr std::size_t kLongName = 128;

bool has_control_character(std::string_view s)
{
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

// Why a name is likely a mistake ("" when it is fine). `what`: "VM name".
std::string odd_name(std::string_view name, std::string_view what)
{
    if (has_control_character(name))
        return std::string(what) + " " + quote(name) +
               " contains a control character; logs and terminals show it escaped";
    std::size_t characters = 0;
    for (const char c : name)
        characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (characters > kLongName)
        return std::string(what) + " of " + std::to_string(characters) +
               " characters; names of more than " + std::to_string(kLongName) +
               " are cut off wherever they are shown";
    return "";
}

// Why a device rule's glob can never match what it was meant to ("" when it
// can): fnmatch reads an unclosed '[' as a literal '[', and a range written
// backwards ([z-a]) matches nothing.
std::string glob_problem(std::string_view glob)
{
    for (std::size_t i = 0; i < glob.size(); ++i) {
        if (glob[i] == '\\') {
            ++i;
            continue;
        }
        if (glob[i] != '[')
            continue;
        std::size_t j = i + 1;
        if (j < glob.size() && (glob[j] == '!' || glob[j] == '^'))
            ++j;
        if (j < glob.size() && glob[j] == ']')
            ++j; // a ']' first is a member
        for (; j < glob.size() && glob[j] != ']'; ++j) {
            if (glob[j] == '[' && j + 1 < glob.size() &&
                (glob[j + 1] == ':' || glob[j + 1] == '.' || glob[j + 1] == '=')) {
                // [:alpha:], [.a.], [=a=]: skip to their closing "x]".
                const auto close = glob.find(std::string{glob[j + 1], ']'}, j + 2);
                if (close == std::string_view::npos)
                    break;
                j = close + 1;
            } else if (j + 2 < glob.size() && glob[j + 1] == '-' && glob[j + 2] != ']' &&
                       static_cast<unsigned char>(glob[j + 2]) <
                           static_cast<unsigned char>(glob[j])) {
                return "the range " + quote(glob.substr(j, 3)) +
                       " is written backwards and matches nothing; write " +
                       quote(std::string{glob[j + 2], '-', glob[j]});
            }
        }
        if (j >= glob.size())
            return "the '[' at character " + std::to_string(i + 1) +
                   " is never closed, so the glob only matches a literal '['; close it with "
                   "']' or write '\\[' for a literal '['";
        i = j;
    }
    return "";
}

// The host's keymap (XKB_DEFAULT_* from the environment, as the session
// compiles it for keyboards), compiled once; nullptr when xkb cannot.
xkb_keymap *host_keymap()
{
    struct Free {
        void operator()(xkb_keymap *keymap) const { xkb_keymap_unref(keymap); }
    };
    static const std::unique_ptr<xkb_keymap, Free> keymap([] {
        xkb_context *context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
        if (!context)
            return static_cast<xkb_keymap *>(nullptr);
        xkb_keymap *compiled =
            xkb_keymap_new_from_names(context, nullptr, XKB_KEYMAP_COMPILE_NO_FLAGS);
        xkb_context_unref(context);
        return compiled;
    }());
    return keymap.get();
}

// Whether a key of the host's keymap gives `keysym` (lower-cased, as the
// host-key layer compares it) while `modifiers` (Modifier bits: host_keys
// plus the chord's own) are held, as the session's keyboards compute it.
// nullopt when there is no keymap to ask.
std::optional<bool> keymap_types(std::uint32_t keysym, std::uint32_t modifiers)
{
    xkb_keymap *keymap = host_keymap();
    if (!keymap)
        return std::nullopt;
    xkb_mod_mask_t held = 0;
    for (const auto &[bit, name] : {std::pair{kModShift, XKB_MOD_NAME_SHIFT},
                                    {kModCtrl, XKB_MOD_NAME_CTRL},
                                    {kModAlt, XKB_MOD_NAME_ALT},
                                    {kModSuper, XKB_MOD_NAME_LOGO}}) {
        const xkb_mod_index_t index = xkb_keymap_mod_get_index(keymap, name);
        if ((modifiers & bit) && index != XKB_MOD_INVALID)
            held |= 1u << index;
    }
    xkb_state *state = xkb_state_new(keymap);
    if (!state)
        return std::nullopt;
    xkb_state_update_mask(state, held, 0, 0, 0, 0, 0);
    bool typed = false;
    for (xkb_keycode_t key = xkb_keymap_min_keycode(keymap);
         key <= xkb_keymap_max_keycode(keymap) && !typed; ++key)
        typed = xkb_keysym_to_lower(xkb_state_key_get_one_sym(state, key)) == keysym;
    xkb_state_unref(state);
    return typed;
}

// The character at a toml++ position (1-based line, column in code points),
// or '\0' when out of range.
char char_at(std::string_view text, Where where)
{
    int line = 1;
    std::size_t i = 0;
    while (line < where.line && i < text.size()) {
        if (text[i++] == '\n')
            ++line;
    }
    for (int column = 1; i < text.size(); ++i) {
        // Continuation bytes of UTF-8 do not start a new column.
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
            continue;
        if (column++ == where.column)
            return text[i];
    }
    return '\0';
}

// "Error while parsing key-value pair: cannot redefine ..." reads better as
// "TOML syntax error in key-value pair: cannot redefine ...".
std::string syntax_message(std::string_view description, char offending)
{
    constexpr std::string_view kPrefix = "Error while parsing ";
    std::string out = "TOML syntax error";
    if (description.starts_with(kPrefix)) {
        description.remove_prefix(kPrefix.size());
        const auto colon = description.find(": ");
        if (colon != std::string_view::npos) {
            out += " in " + std::string(description.substr(0, colon));
            description.remove_prefix(colon + 2);
        }
    }
    out += ": ";
    // toml++ calls a missing closing quote a control character (the newline);
    // say what the user most likely did.
    if ((offending == '\n' || offending == '\r') &&
        description.find("control character") != std::string_view::npos) {
        out += "missing closing quote: the string runs to the end of the line";
    } else {
        out += description;
    }
    return out;
}

constexpr std::array<std::string_view, 4> kRootKeys{"session", "keys", "vm", "seat"};
constexpr std::array<std::string_view, 3> kSessionKeys{"libvirt_uri", "host_keys",
                                                       "clipboard_across_seats"};
constexpr std::array<std::string_view, 8> kKeysKeys{
    "next_vm",  "prev_vm",       "start_vm",       "shutdown_vm",
    "identify", "release_input", "clipboard_take", "clipboard_give"};
constexpr std::array<std::string_view, 7> kVmKeys{
    "name", "uri", "autostart", "scaling", "follow_output", "audio_when_hidden", "usb_classes"};
constexpr std::array<std::string_view, 9> kSeatKeys{
    "name", "vm", "vms", "outputs", "devices", "audio_out", "audio_in", "usb", "usb_on_switch"};
constexpr std::array<std::string_view, 2> kUsbOnSwitchNames{"follow", "stay"};
constexpr std::array<std::string_view, 4> kScalingNames{"fit", "stretch", "integer", "none"};

// How a root entry is written, for messages: [session], [[vm]].
std::string header_of(std::string_view key)
{
    if (key == "vm" || key == "seat")
        return "[[" + std::string(key) + "]]";
    return "[" + std::string(key) + "]";
}

// A key that is present in a table, with both positions.
struct Field {
    const toml::key *key;
    const toml::node *value;
};

std::optional<Field> field(const toml::table &table, std::string_view name)
{
    const auto it = table.find(name);
    if (it == table.end())
        return std::nullopt;
    return Field{&it->first, &it->second};
}

// What a seat said, kept for the checks that need every [[vm]] first.
struct SeatRefs {
    std::size_t index;           // into the parsed seats
    std::optional<Where> vm_key; // position of the `vm` key
    std::optional<Where> vms_key;
};

class Validator {
public:
    explicit Validator(std::string path) : path_(std::move(path)) {}

    Config run(const toml::table &root);
    std::vector<Diagnostic> &errors() { return errors_; }
    std::vector<Diagnostic> &warnings() { return warnings_; }
    std::vector<OutputRef> &outputs() { return outputs_; }

private:
    void error(Where where, std::string message);
    void warning(Where where, std::string message);
    void check_name(Where where, std::string_view name, std::string_view what);
    void check_chords(const toml::table *keys_table, const Config &config);

    void check_keys(const toml::table &table, std::span<const std::string_view> allowed,
                    std::string_view context);
    void check_root_keys(const toml::table &root);

    std::optional<std::string> get_string(const Field &f, bool allow_empty = false);
    std::optional<bool> get_bool(const Field &f);
    // Strings of an array, with their nodes; nullopt when not an array.
    std::optional<std::vector<std::pair<std::string, const toml::node *>>>
    get_strings(const Field &f, std::string_view example);
    // [[vm]]/[[seat]]: the tables of an array, reporting anything else.
    std::vector<const toml::table *> get_tables(const Field &f);
    const toml::table *get_table(const Field &f);

    void parse_session(const toml::table &table, Session &session);
    void parse_keys(const toml::table &table, Keys &keys);
    void parse_vm(const toml::table &table, Config &config);
    void parse_seat(const toml::table &table, std::size_t number, Config &config);
    void parse_outputs(const toml::table &table, const std::string &label, Seat &seat);
    void parse_devices(const toml::table &table, const std::string &label, Seat &seat);
    void parse_usb(const toml::table &table, const std::string &label, Seat &seat);
    void parse_usb_classes(const toml::table &table, Vm &vm);
    void check_references(const Config &config);

    std::string path_;
    std::vector<Diagnostic> errors_;
    std::vector<Diagnostic> warnings_;
    std::vector<OutputRef> outputs_;

    std::map<std::string, int, std::less<>> vm_lines_;   // name -> line
    std::map<std::string, int, std::less<>> seat_lines_; // name -> line
    std::map<std::string, std::pair<std::string, int>, std::less<>>
        output_owner_;                                        // output -> (seat label, line)
    std::optional<std::pair<std::string, int>> rest_outputs_; // seat label, line
    std::optional<std::pair<std::string, int>> fallback_;     // seat label, line
    std::optional<std::pair<std::string, int>> usb_fallback_; // seat label, line
    std::vector<SeatRefs> refs_;
    struct {
        const toml::table *session = nullptr;
        const toml::table *keys = nullptr;
    } config_table_;
};

void Validator::error(Where where, std::string message)
{
    // Every node toml++ creates has a position; clamping keeps the
    // PATH:LINE:COL form even if one ever did not.
    errors_.push_back(
        Diagnostic{path_, std::max(1, where.line), std::max(1, where.column), std::move(message)});
}

void Validator::warning(Where where, std::string message)
{
    warnings_.push_back(Diagnostic{path_, std::max(1, where.line), std::max(1, where.column),
                                   std::move(message), Severity::Warning});
}

void Validator::check_name(Where where, std::string_view name, std::string_view what)
{
    if (std::string problem = odd_name(name, what); !problem.empty())
        warning(where, std::move(problem));
}

// Chords that are valid but cannot work as written: one on a key that
// switches the virtual terminal, one whose key is typed with Shift but
// written without it (or the other way round), and host_keys that take the
// guest's own terminal keys.
void Validator::check_chords(const toml::table *keys_table, const Config &config)
{
    const Where host_keys_at = [&] {
        if (const auto *session = config_table_.session)
            if (auto f = field(*session, "host_keys"))
                return at(*f->value);
        return Where{};
    }();
    if (host_keys_at.line > 0 && config.session.host_keys.modifiers == (kModCtrl | kModAlt)) {
        warning(host_keys_at,
                "host_keys 'Ctrl+Alt' plus F1..F12 switches the host's virtual terminal, so no "
                "guest gets Ctrl+Alt+F1..F12 (its own terminal switch); add Super or Shift");
    }
    if (!keys_table)
        return;
    const std::array<std::pair<std::string_view, const KeyChord *>, 8> bindings{{
        {"next_vm", &config.keys.next_vm},
        {"prev_vm", &config.keys.prev_vm},
        {"start_vm", &config.keys.start_vm},
        {"shutdown_vm", &config.keys.shutdown_vm},
        {"identify", &config.keys.identify},
        {"release_input", &config.keys.release_input},
        {"clipboard_take", &config.keys.clipboard_take},
        {"clipboard_give", &config.keys.clipboard_give},
    }};
    for (const auto &[name, chord] : bindings) {
        const auto f = field(*keys_table, name);
        if (!f || !f->value->is_string())
            continue;
        const Where where = at(*f->value);
        const std::string written = to_string(*chord);
        const std::uint32_t sym = chord->keysym;
        const bool function_key = sym >= XKB_KEY_F1 && sym <= XKB_KEY_F12;
        const bool vt_key = sym >= XKB_KEY_XF86Switch_VT_1 && sym <= XKB_KEY_XF86Switch_VT_12;
        if ((function_key || vt_key) && chord->modifiers == 0) {
            const auto vt = function_key ? sym - XKB_KEY_F1 + 1 : sym - XKB_KEY_XF86Switch_VT_1 + 1;
            warning(where, quote(name) + " = " + quote(written) + " collides with host_keys+F" +
                               std::to_string(vt) + ", which switches to virtual terminal " +
                               std::to_string(vt) + "; pick another key");
            continue;
        }
        // Never typed as written, but typed with Shift changed: say so. (A
        // key this layout lacks altogether may be on the keyboard's own.)
        const std::uint32_t held = config.session.host_keys.modifiers | chord->modifiers;
        if (keymap_types(sym, held) != false || keymap_types(sym, held ^ kModShift) != true)
            continue;
        if (!(chord->modifiers & kModShift)) {
            warning(where, quote(name) + " = " + quote(written) + " is typed with Shift on this " +
                               "keyboard layout, so it never matches as written; write " +
                               quote("Shift+" + written));
        } else {
            warning(where, quote(name) + " = " + quote(written) +
                               " never matches: Shift turns the key into another one on this "
                               "keyboard layout; write it without Shift, or name the shifted "
                               "key");
        }
    }
}

void Validator::check_keys(const toml::table &table, std::span<const std::string_view> allowed,
                           std::string_view context)
{
    for (const auto &[key, value] : table) {
        if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end())
            continue;
        error(at(key), "unknown key " + quote(key.str()) + " in " + std::string(context) +
                           did_you_mean(key.str(), allowed));
    }
}

void Validator::check_root_keys(const toml::table &root)
{
    for (const auto &[key, value] : root) {
        const std::string_view name = key.str();
        if (std::find(kRootKeys.begin(), kRootKeys.end(), name) != kRootKeys.end())
            continue;

        std::string message;
        if (value.is_table()) {
            message = "unknown table [" + std::string(name) + "]";
        } else if (value.is_array_of_tables()) {
            message = "unknown table [[" + std::string(name) + "]]";
        } else {
            message = "unknown key " + quote(name) + " at the top level";
        }
        if (auto s = closest(name, kRootKeys)) {
            message += "; did you mean " + header_of(*s) + "?";
        } else if (std::find(kSessionKeys.begin(), kSessionKeys.end(), name) !=
                   kSessionKeys.end()) {
            message += "; it belongs under [session]";
        } else if (std::find(kKeysKeys.begin(), kKeysKeys.end(), name) != kKeysKeys.end()) {
            message += "; it belongs under [keys]";
        }
        error(at(key), std::move(message));
    }
}

std::optional<std::string> Validator::get_string(const Field &f, bool allow_empty)
{
    const auto *s = f.value->as_string();
    if (!s) {
        error(at(*f.value), quote(f.key->str()) + " must be a string, not " + type_name(*f.value));
        return std::nullopt;
    }
    if (!allow_empty && s->get().empty()) {
        error(at(*f.value), quote(f.key->str()) + " must not be empty");
        return std::nullopt;
    }
    return s->get();
}

std::optional<bool> Validator::get_bool(const Field &f)
{
    if (const auto *b = f.value->as_boolean())
        return b->get();
    error(at(*f.value), quote(f.key->str()) + " must be true or false, not " + type_name(*f.value));
    return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, const toml::node *>>>
Validator::get_strings(const Field &f, std::string_view example)
{
    const auto *array = f.value->as_array();
    if (!array) {
        error(at(*f.value), quote(f.key->str()) + " must be an array of strings, like " +
                                std::string(example) + ", not " + type_name(*f.value));
        return std::nullopt;
    }
    std::vector<std::pair<std::string, const toml::node *>> out;
    for (const auto &element : *array) {
        if (const auto *s = element.as_string()) {
            out.emplace_back(s->get(), &element);
        } else {
            error(at(element), "each entry of " + quote(f.key->str()) + " must be a string, not " +
                                   type_name(element));
        }
    }
    return out;
}

std::vector<const toml::table *> Validator::get_tables(const Field &f)
{
    const std::string header = header_of(f.key->str());
    std::vector<const toml::table *> tables;
    const auto *array = f.value->as_array();
    if (!array) {
        error(at(*f.value), quote(f.key->str()) + " must be an array of tables: write " + header +
                                ", not " +
                                (f.value->is_table() ? "[" + std::string(f.key->str()) + "]"
                                                     : type_name(*f.value)));
        return tables;
    }
    for (const auto &element : *array) {
        if (const auto *t = element.as_table()) {
            tables.push_back(t);
        } else {
            error(at(element),
                  "each " + header + " entry must be a table, not " + type_name(element));
        }
    }
    return tables;
}

const toml::table *Validator::get_table(const Field &f)
{
    if (const auto *t = f.value->as_table())
        return t;
    const std::string header = header_of(f.key->str());
    error(at(*f.value),
          quote(f.key->str()) + " must be a table: write " + header + ", not " +
              (f.value->is_array_of_tables() ? "[" + header + "]" : type_name(*f.value)));
    return nullptr;
}

void Validator::parse_session(const toml::table &table, Session &session)
{
    check_keys(table, kSessionKeys, "[session]");
    if (auto f = field(table, "libvirt_uri")) {
        if (auto s = get_string(*f))
            session.libvirt_uri = *s;
    }
    if (auto f = field(table, "host_keys")) {
        if (auto s = get_string(*f, true)) {
            std::string why;
            if (auto chord = parse_modifier_chord(*s, why)) {
                session.host_keys = *chord;
            } else {
                error(at(*f->value), "cannot parse key chord " + quote(*s) + " for " +
                                         quote("host_keys") + ": " + why);
            }
        }
    }
    if (auto f = field(table, "clipboard_across_seats")) {
        if (auto b = get_bool(*f))
            session.clipboard_across_seats = *b;
    }
}

void Validator::parse_keys(const toml::table &table, Keys &keys)
{
    check_keys(table, kKeysKeys, "[keys]");

    struct Binding {
        std::string_view name;
        KeyChord *chord;
        std::optional<Where> where; // nullopt: the default was kept
    };
    std::array<Binding, 8> bindings{{{"next_vm", &keys.next_vm, {}},
                                     {"prev_vm", &keys.prev_vm, {}},
                                     {"start_vm", &keys.start_vm, {}},
                                     {"shutdown_vm", &keys.shutdown_vm, {}},
                                     {"identify", &keys.identify, {}},
                                     {"release_input", &keys.release_input, {}},
                                     {"clipboard_take", &keys.clipboard_take, {}},
                                     {"clipboard_give", &keys.clipboard_give, {}}}};
    bool all_valid = true;
    for (auto &binding : bindings) {
        auto f = field(table, binding.name);
        if (!f)
            continue;
        auto s = get_string(*f, true);
        if (!s) {
            all_valid = false;
            continue;
        }
        std::string why;
        if (auto chord = parse_key_chord(*s, why)) {
            *binding.chord = *chord;
            binding.where = at(*f->value);
        } else {
            all_valid = false;
            error(at(*f->value), "cannot parse key chord " + quote(*s) + " for " +
                                     quote(binding.name) + ": " + why);
        }
    }
    if (!all_valid)
        return; // a clash with a broken binding is noise

    // Two commands on one chord: report the later one in the file (a default
    // counts as earlier than anything written).
    auto earlier = [](const Binding &a, const Binding &b) {
        if (!a.where || !b.where)
            return !a.where && b.where;
        return std::pair(a.where->line, a.where->column) <
               std::pair(b.where->line, b.where->column);
    };
    std::stable_sort(bindings.begin(), bindings.end(), earlier);
    for (std::size_t i = 1; i < bindings.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (*bindings[i].chord == *bindings[j].chord && bindings[i].where) {
                error(*bindings[i].where, quote(bindings[i].name) + " uses the same keys (" +
                                              to_string(*bindings[i].chord) + ") as " +
                                              quote(bindings[j].name));
                break;
            }
        }
    }
}

void Validator::parse_vm(const toml::table &table, Config &config)
{
    check_keys(table, kVmKeys, "[[vm]]");
    Vm vm;
    bool named = false;
    if (auto f = field(table, "name")) {
        if (auto s = get_string(*f)) {
            const Where where = at(*f->value);
            if (auto it = vm_lines_.find(*s); it != vm_lines_.end()) {
                error(where, "duplicate VM name " + quote(*s) + " (first defined on line " +
                                 std::to_string(it->second) + ")");
            } else {
                vm_lines_.emplace(*s, where.line);
                vm.name = *s;
                named = true;
                check_name(where, *s, "VM name");
            }
        }
    } else {
        error(at(table), "[[vm]] is missing the required key 'name'");
    }
    if (auto f = field(table, "uri")) {
        if (auto s = get_string(*f))
            vm.uri = *s;
    }
    if (auto f = field(table, "autostart")) {
        if (auto b = get_bool(*f))
            vm.autostart = *b;
    }
    if (auto f = field(table, "follow_output")) {
        if (auto b = get_bool(*f))
            vm.follow_output = *b;
    }
    if (auto f = field(table, "audio_when_hidden")) {
        if (auto s = get_string(*f, true)) {
            if (*s == "mute")
                vm.audio_when_hidden = Vm::HiddenAudio::Mute;
            else if (*s == "play")
                vm.audio_when_hidden = Vm::HiddenAudio::Play;
            else
                error(at(*f->value),
                      "unknown audio_when_hidden " + quote(*s) + " (expected mute or play)");
        }
    }
    if (auto f = field(table, "scaling")) {
        if (auto s = get_string(*f, true)) {
            if (auto scaling = parse_scaling(*s)) {
                vm.scaling = *scaling;
            } else {
                error(at(*f->value), "unknown scaling " + quote(*s) +
                                         " (expected fit, stretch, integer or none)" +
                                         did_you_mean(*s, kScalingNames));
            }
        }
    }
    parse_usb_classes(table, vm);
    if (named)
        config.vms.push_back(std::move(vm));
}

void Validator::parse_seat(const toml::table &table, std::size_t number, Config &config)
{
    check_keys(table, kSeatKeys, "[[seat]]");
    const Where header = at(table);
    Seat seat;
    SeatRefs refs{config.seats.size(), {}, {}};

    if (auto f = field(table, "name")) {
        if (auto s = get_string(*f)) {
            const Where where = at(*f->value);
            if (auto it = seat_lines_.find(*s); it != seat_lines_.end()) {
                error(where, "duplicate seat name " + quote(*s) + " (first defined on line " +
                                 std::to_string(it->second) + ")");
            } else {
                seat_lines_.emplace(*s, where.line);
                check_name(where, *s, "seat name");
            }
            seat.name = *s;
        }
    } else {
        error(header, "[[seat]] is missing the required key 'name'");
    }
    // How other messages refer to this seat, even without a usable name.
    const std::string label =
        seat.name.empty() ? "[[seat]] #" + std::to_string(number) : "seat " + quote(seat.name);

    if (auto f = field(table, "vm")) {
        if (auto s = get_string(*f)) {
            seat.vm = *s;
            refs.vm_key = at(*f->key);
        }
    }
    if (auto f = field(table, "vms")) {
        if (auto names = get_strings(*f, "[\"work\", \"games\"]")) {
            if (names->empty() && f->value->as_array()->empty()) {
                error(at(*f->value), "'vms' is empty; list the VMs " + label +
                                         " may show, or omit 'vms' to allow every VM");
            }
            std::set<std::string, std::less<>> seen;
            for (const auto &[name, node] : *names) {
                if (!seen.insert(name).second) {
                    error(at(*node), "VM " + quote(name) + " is listed twice in 'vms'");
                } else {
                    seat.vms.push_back(name);
                }
            }
            seat.all_vms = false;
            refs.vms_key = at(*f->key);
        }
    }
    parse_outputs(table, label, seat);
    parse_devices(table, label, seat);
    parse_usb(table, label, seat);
    for (const auto &[key, target] :
         {std::pair{"audio_out", &seat.audio_out}, std::pair{"audio_in", &seat.audio_in}}) {
        if (auto f = field(table, key)) {
            if (auto s = get_string(*f)) {
                std::string why;
                if (auto parsed = parse_sound_target(*s, why))
                    *target = std::move(*parsed);
                else
                    error(at(*f->value), std::string("'") + key + "': " + why);
            }
        }
    }

    config.seats.push_back(std::move(seat));
    refs_.push_back(refs);
}

void Validator::parse_outputs(const toml::table &table, const std::string &label, Seat &seat)
{
    const auto f = field(table, "outputs");
    if (!f) {
        // Omitted: this seat takes every output nobody lists; only one may.
        const Where header = at(table);
        if (rest_outputs_) {
            error(header, label +
                              " has no 'outputs', so it would take every output no "
                              "other seat lists, but " +
                              rest_outputs_->first + " (line " +
                              std::to_string(rest_outputs_->second) +
                              ") already does; list this seat's outputs");
        } else {
            rest_outputs_.emplace(label, header.line);
        }
        seat.all_outputs = true;
        return;
    }
    const auto names = get_strings(*f, "[\"DP-1\"]");
    if (!names)
        return;
    if (f->value->as_array()->empty()) {
        error(at(*f->value), "'outputs' is empty; list at least one output, or omit "
                             "'outputs' to take every output no other seat lists");
        return;
    }
    for (const auto &[name, node] : *names) {
        const Where where = at(*node);
        if (name.empty()) {
            error(where, "empty output name in 'outputs'");
            continue;
        }
        if (auto it = output_owner_.find(name); it != output_owner_.end()) {
            const auto &[owner, line] = it->second;
            error(where, owner == label ? "output " + quote(name) + " is listed twice in " + label
                                        : "output " + quote(name) + " is already claimed by " +
                                              owner + " (line " + std::to_string(line) + ")");
            continue;
        }
        output_owner_.emplace(name, std::pair(label, where.line));
        check_name(where, name, "output name");
        outputs_.push_back(OutputRef{label, name, where.line, where.column});
        seat.outputs.push_back(name);
    }
}

void Validator::parse_devices(const toml::table &table, const std::string &label, Seat &seat)
{
    auto claim_fallback = [&](Where where, const std::string &how) {
        if (fallback_) {
            error(where, how + " makes " + label + " a second fallback seat, but " +
                             fallback_->first + " (line " + std::to_string(fallback_->second) +
                             ") already takes every device no other seat claims; only one "
                             "seat may be the fallback");
        } else {
            fallback_.emplace(label, where.line);
        }
    };

    const auto f = field(table, "devices");
    if (!f) {
        claim_fallback(at(table), "omitting 'devices' (which means [\"*\"])");
        seat.devices.push_back(DeviceRule{});
        return;
    }
    const auto rules = get_strings(*f, "[\"*\"]");
    if (!rules)
        return;
    for (const auto &[text, node] : *rules) {
        std::string why;
        auto rule = parse_device_rule(text, why);
        if (!rule) {
            error(at(*node), why);
            continue;
        }
        if (rule->kind == DeviceRule::Kind::Fallback) {
            if (std::find(seat.devices.begin(), seat.devices.end(), *rule) != seat.devices.end()) {
                error(at(*node), "'*' is listed twice in 'devices'");
                continue;
            }
            claim_fallback(at(*node), "'*'");
        }
        if (rule->kind == DeviceRule::Kind::Path || rule->kind == DeviceRule::Kind::Name) {
            if (std::string problem = glob_problem(rule->pattern); !problem.empty())
                warning(at(*node), "device rule " + quote(text) + ": " + problem);
        }
        seat.devices.push_back(std::move(*rule));
    }
}

void Validator::parse_usb_classes(const toml::table &table, Vm &vm)
{
    const auto f = field(table, "usb_classes");
    if (!f)
        return;
    const auto names = get_strings(*f, "[\"storage\", \"audio\"]");
    if (!names)
        return;
    std::vector<std::string_view> known{"*"};
    for (const auto &c : usb_class_names())
        known.push_back(c.name);
    vm.usb_classes.clear();
    for (const auto &[name, node] : *names) {
        if (name != "*" && !usb_class_code(name)) {
            error(at(*node), "unknown USB class " + quote(name) +
                                 " in 'usb_classes' (expected audio, cdc, hid, image, printer, "
                                 "storage, smartcard, video, wireless, misc, vendor or \"*\")" +
                                 did_you_mean(name, known));
            continue;
        }
        if (std::find(vm.usb_classes.begin(), vm.usb_classes.end(), name) != vm.usb_classes.end()) {
            error(at(*node), "USB class " + quote(name) + " is listed twice in 'usb_classes'");
            continue;
        }
        vm.usb_classes.push_back(name);
    }
    if (vm.usb_classes.size() > 1 &&
        std::find(vm.usb_classes.begin(), vm.usb_classes.end(), "*") != vm.usb_classes.end()) {
        warning(at(*f->value), "'usb_classes' lists \"*\", which allows every class, so the "
                               "other names in it change nothing");
    }
}

// `usb`: the device-rule language, but no default: nothing passes through
// until the file says so. At most one seat takes every USB device with "*".
void Validator::parse_usb(const toml::table &table, const std::string &label, Seat &seat)
{
    if (auto f = field(table, "usb_on_switch")) {
        if (auto s = get_string(*f, true)) {
            if (*s == "follow")
                seat.usb_on_switch = Seat::UsbOnSwitch::Follow;
            else if (*s == "stay")
                seat.usb_on_switch = Seat::UsbOnSwitch::Stay;
            else
                error(at(*f->value), "unknown usb_on_switch " + quote(*s) +
                                         " (expected follow or stay)" +
                                         did_you_mean(*s, kUsbOnSwitchNames));
        }
    }
    const auto f = field(table, "usb");
    if (!f)
        return;
    const auto rules = get_strings(*f, "[\"id:0781:5581\", \"*\"]");
    if (!rules)
        return;
    for (const auto &[text, node] : *rules) {
        std::string why;
        auto rule = parse_device_rule(text, why);
        if (!rule) {
            error(at(*node), "'usb': " + why);
            continue;
        }
        if (std::find(seat.usb.begin(), seat.usb.end(), *rule) != seat.usb.end()) {
            error(at(*node), "USB rule " + quote(text) + " is listed twice in 'usb'");
            continue;
        }
        if (rule->kind == DeviceRule::Kind::Fallback) {
            if (usb_fallback_) {
                error(at(*node), "'*' in 'usb' makes " + label +
                                     " take every USB device no other seat claims, but " +
                                     usb_fallback_->first + " (line " +
                                     std::to_string(usb_fallback_->second) +
                                     ") already does; only one seat may have '*' in 'usb'");
                continue;
            }
            usb_fallback_.emplace(label, at(*node).line);
        }
        if (rule->kind == DeviceRule::Kind::Path || rule->kind == DeviceRule::Kind::Name) {
            if (std::string problem = glob_problem(rule->pattern); !problem.empty())
                warning(at(*node), "USB rule " + quote(text) + ": " + problem);
        }
        seat.usb.push_back(std::move(*rule));
    }
}

void Validator::check_references(const Config &config)
{
    std::vector<std::string_view> defined;
    for (const auto &[name, line] : vm_lines_)
        defined.push_back(name);

    std::map<std::string, std::pair<std::string, int>, std::less<>> shown_by; // vm -> seat, line
    for (const auto &refs : refs_) {
        const Seat &seat = config.seats[refs.index];
        const std::string label = seat.name.empty() ? "this seat" : "seat " + quote(seat.name);
        if (refs.vm_key && seat.vm && vm_lines_.count(*seat.vm)) {
            const auto [it, first] =
                shown_by.try_emplace(*seat.vm, std::pair(label, refs.vm_key->line));
            if (!first) {
                warning(*refs.vm_key, label + " shows VM " + quote(*seat.vm) + ", which " +
                                          it->second.first + " (line " +
                                          std::to_string(it->second.second) +
                                          ") shows too: the input of both seats would reach "
                                          "that one VM");
            }
        }
        if (refs.vms_key) {
            for (const auto &name : seat.vms) {
                if (vm_lines_.count(name))
                    continue;
                error(*refs.vms_key, "'vms' of " + label + " names VM " + quote(name) +
                                         ", which no [[vm]] defines" + did_you_mean(name, defined));
            }
        }
        if (refs.vm_key && seat.vm) {
            if (!vm_lines_.count(*seat.vm)) {
                error(*refs.vm_key, label + " shows VM " + quote(*seat.vm) +
                                        ", which no [[vm]] defines" +
                                        did_you_mean(*seat.vm, defined));
            } else if (!seat.all_vms &&
                       std::find(seat.vms.begin(), seat.vms.end(), *seat.vm) == seat.vms.end()) {
                error(*refs.vm_key,
                      label + " shows VM " + quote(*seat.vm) + ", which is not in its 'vms' list");
            }
        }
    }
}

Config Validator::run(const toml::table &root)
{
    Config config;
    check_root_keys(root);
    const std::size_t errors_before_keys = errors_.size();

    if (auto f = field(root, "session")) {
        if (const auto *t = get_table(*f)) {
            config_table_.session = t;
            parse_session(*t, config.session);
        }
    }
    if (auto f = field(root, "keys")) {
        if (const auto *t = get_table(*f)) {
            config_table_.keys = t;
            parse_keys(*t, config.keys);
        }
    }
    if (errors_.size() == errors_before_keys)
        check_chords(config_table_.keys, config); // a broken chord has its error already
    // Every [[vm]] first: seats may refer to VMs defined further down.
    if (auto f = field(root, "vm")) {
        for (const auto *t : get_tables(*f))
            parse_vm(*t, config);
    }
    bool has_seats = false;
    if (auto f = field(root, "seat")) {
        has_seats = true;
        std::size_t number = 0;
        for (const auto *t : get_tables(*f))
            parse_seat(*t, ++number, config);
    }
    check_references(config);

    if (!has_seats || (config.seats.empty() && errors_.empty())) {
        // No [[seat]] at all (or `seat = []`): the built-in single seat.
        config.seats = default_config().seats;
    }
    return config;
}

} // namespace

LoadResult parse_config(std::string_view text, std::string path_for_messages)
{
    LoadResult result;
    if (text.size() > kMaxConfigBytes) {
        result.errors.push_back(Diagnostic{std::move(path_for_messages), 0, 0,
                                           "file is too large (" + std::to_string(text.size()) +
                                               " bytes; the limit is " +
                                               std::to_string(kMaxConfigBytes) + ")"});
        return result;
    }

    auto syntax_error = [&](const toml::parse_error &e) {
        const Where where = at(e.source());
        result.errors.push_back(Diagnostic{path_for_messages, std::max(1, where.line),
                                           std::max(1, where.column),
                                           syntax_message(e.description(), char_at(text, where))});
    };

    if (const auto unsafe = detail::find_unsafe_input(text)) {
        // toml++ must not see the text from there on, but an error before it is
        // still the first problem, so let toml++ check what comes before.
        try {
            (void)toml::parse(text.substr(0, unsafe->offset), std::string_view(path_for_messages));
        } catch (const toml::parse_error &e) {
            const Where where = at(e.source());
            if (std::pair(where.line, where.column) < std::pair(unsafe->line, unsafe->column)) {
                syntax_error(e);
                return result;
            }
        }
        result.errors.push_back(
            Diagnostic{path_for_messages, unsafe->line, unsafe->column, unsafe->message});
        return result;
    }

    toml::table root;
    try {
        root = toml::parse(text, std::string_view(path_for_messages));
    } catch (const toml::parse_error &e) {
        // toml++ stops at the first syntax error; nothing after it is known.
        syntax_error(e);
        return result;
    }

    Validator validator(path_for_messages);
    Config config = validator.run(root);
    auto &errors = validator.errors();
    auto by_position = [](const Diagnostic &a, const Diagnostic &b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    };
    std::stable_sort(errors.begin(), errors.end(), by_position);
    result.warnings = std::move(validator.warnings());
    std::stable_sort(result.warnings.begin(), result.warnings.end(), by_position);
    result.outputs = std::move(validator.outputs());
    if (errors.empty()) {
        result.config = std::move(config);
    } else {
        result.errors = std::move(errors);
    }
    return result;
}

} // namespace phyllome::config
