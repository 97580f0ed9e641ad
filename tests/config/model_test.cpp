// The model's building blocks: defaults, key chords, device rules,
// suggestions, diagnostics and the summary line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <sstream>

#include "config/config.hpp"
#include "config/device_rule.hpp"
#include "config/diagnostic.hpp"
#include "config/key_chord.hpp"
#include "config/suggest.hpp"

namespace phyllome::config {
namespace {

using ::testing::HasSubstr;

KeyChord key(std::string_view text)
{
    std::string error;
    auto chord = parse_key_chord(text, error);
    EXPECT_TRUE(chord) << text << ": " << error;
    return chord.value_or(KeyChord{});
}

std::string key_error(std::string_view text)
{
    std::string error;
    EXPECT_FALSE(parse_key_chord(text, error)) << text;
    return error;
}

std::string modifier_error(std::string_view text)
{
    std::string error;
    EXPECT_FALSE(parse_modifier_chord(text, error)) << text;
    return error;
}

DeviceRule rule(std::string_view text)
{
    std::string error;
    auto parsed = parse_device_rule(text, error);
    EXPECT_TRUE(parsed) << text << ": " << error;
    return parsed.value_or(DeviceRule{});
}

std::string rule_error(std::string_view text)
{
    std::string error;
    EXPECT_FALSE(parse_device_rule(text, error)) << text;
    return error;
}

TEST(DefaultConfig, OneSeatWithEveryOutputAndDeviceAndNoVm)
{
    const Config config = default_config();
    ASSERT_EQ(config.seats.size(), 1u);
    const Seat &seat = config.seats[0];
    EXPECT_EQ(seat.name, "seat0");
    EXPECT_FALSE(seat.vm); // the status card
    EXPECT_TRUE(seat.all_vms);
    EXPECT_TRUE(seat.all_outputs);
    EXPECT_TRUE(seat.outputs.empty());
    ASSERT_EQ(seat.devices.size(), 1u);
    EXPECT_EQ(seat.devices[0].kind, DeviceRule::Kind::Fallback);
    EXPECT_TRUE(config.vms.empty());
    EXPECT_EQ(config.session.libvirt_uri, "qemu:///system");
    EXPECT_EQ(to_string(config.session.host_keys), "Ctrl+Alt+Super");
}

TEST(DefaultConfig, DefaultKeysEqualTheirSpelling)
{
    const Keys keys;
    EXPECT_EQ(keys.next_vm, key("Right"));
    EXPECT_EQ(keys.prev_vm, key("Left"));
    EXPECT_EQ(keys.start_vm, key("Return"));
    EXPECT_EQ(keys.shutdown_vm, key("End"));
    EXPECT_EQ(keys.identify, key("I"));
    EXPECT_EQ(keys.release_input, key("Escape"));
    EXPECT_EQ(keys.clipboard_take, key("C"));
    EXPECT_EQ(keys.clipboard_give, key("V"));
    EXPECT_FALSE(Session{}.clipboard_across_seats);
    std::string error;
    EXPECT_EQ(Session{}.host_keys, parse_modifier_chord("Ctrl+Alt+Super", error));
}

TEST(DefaultConfig, ComparesByValue)
{
    Config a = default_config();
    Config b = default_config();
    EXPECT_EQ(a, b);
    b.seats[0].vm = "work";
    EXPECT_NE(a, b);
    b = a;
    b.vms.push_back(Vm{"work", {}, false, Scaling::Fit, true});
    EXPECT_NE(a, b);
}

TEST(ModifierChord, ParsesNamesAndAliases)
{
    std::string error;
    auto chord = parse_modifier_chord("Ctrl+Alt+Super", error);
    ASSERT_TRUE(chord) << error;
    EXPECT_EQ(chord->modifiers, kModCtrl | kModAlt | kModSuper);
    EXPECT_TRUE(chord->key.empty());

    chord = parse_modifier_chord("control + mod1 + LOGO + Shift", error);
    ASSERT_TRUE(chord) << error;
    EXPECT_EQ(chord->modifiers, kModCtrl | kModAlt | kModSuper | kModShift);
    EXPECT_EQ(to_string(*chord), "Ctrl+Alt+Shift+Super");
}

TEST(ModifierChord, RejectsBadChords)
{
    EXPECT_THAT(modifier_error(""), HasSubstr("no modifiers"));
    EXPECT_THAT(modifier_error("Ctrl++Alt"), HasSubstr("empty part"));
    EXPECT_THAT(modifier_error("Ctrl+Alt+"), HasSubstr("empty part"));
    EXPECT_THAT(modifier_error("Ctrl+Control"), HasSubstr("appears twice"));
    EXPECT_EQ(modifier_error("Ctrl+Alt+Supr"),
              "'Supr' is not a modifier (Ctrl, Alt, Shift or Super); did you mean 'Super'?");
    EXPECT_THAT(modifier_error("Ctrl+Right"), HasSubstr("'Right' is not a modifier"));
}

TEST(KeyChord, ParsesKeysWithOptionalModifiers)
{
    const KeyChord right = key("Right");
    EXPECT_EQ(right.modifiers, 0u);
    EXPECT_EQ(right.key, "Right");
    EXPECT_EQ(right.keysym, 0xff53u);

    const KeyChord shifted = key("Shift+Right");
    EXPECT_EQ(shifted.modifiers, kModShift);
    EXPECT_EQ(to_string(shifted), "Shift+Right");
    EXPECT_NE(shifted, right);

    EXPECT_EQ(key("plus").keysym, 0x2bu);
    EXPECT_EQ(key("F12").keysym, 0xffc9u);
}

TEST(KeyChord, SpellingDoesNotMatterForEquality)
{
    EXPECT_EQ(key("return"), key("Return"));
    EXPECT_EQ(key("I"), key("i")); // keysyms are stored lower-cased
    EXPECT_EQ(key("I").keysym, 0x69u);
}

TEST(KeyChord, RejectsBadChords)
{
    EXPECT_THAT(key_error(""), HasSubstr("no key"));
    EXPECT_EQ(key_error("Rigth"),
              "unknown key name 'Rigth' (xkb keysym names, like 'Right' or 'F1'); did you "
              "mean 'Right'?");
    EXPECT_THAT(key_error("Super"), HasSubstr("'Super' is a modifier"));
    EXPECT_THAT(key_error("Ctrl+"), HasSubstr("empty part"));
    EXPECT_THAT(key_error("Right+Left"), HasSubstr("'Right' is not a modifier"));
    EXPECT_THAT(key_error("\xc3\x9c"), HasSubstr("unknown key name"));
    EXPECT_THAT(key_error(std::string_view("Right\0x", 7)), HasSubstr("unknown key name"));
}

TEST(DeviceRule, ParsesEveryKind)
{
    EXPECT_EQ(rule("*"), DeviceRule{});
    EXPECT_EQ(rule(" * ").kind, DeviceRule::Kind::Fallback);

    const DeviceRule path = rule("path:pci-0000:00:14.0-usb-0:1*");
    EXPECT_EQ(path.kind, DeviceRule::Kind::Path);
    EXPECT_EQ(path.pattern, "pci-0000:00:14.0-usb-0:1*");

    const DeviceRule name = rule("name:Logitech K120");
    EXPECT_EQ(name.kind, DeviceRule::Kind::Name);
    EXPECT_EQ(name.pattern, "Logitech K120");

    const DeviceRule id = rule("id:046D:c31c");
    EXPECT_EQ(id.kind, DeviceRule::Kind::Id);
    EXPECT_EQ(id.vendor, 0x046d);
    EXPECT_EQ(id.product, 0xc31c);
    EXPECT_EQ(rule("id:46d:1").vendor, 0x046d);

    const DeviceRule seat = rule("seat:seat1");
    EXPECT_EQ(seat.kind, DeviceRule::Kind::Seat);
    EXPECT_EQ(seat.pattern, "seat1");
}

TEST(DeviceRule, PrintsAsWritten)
{
    for (const char *text :
         {"*", "path:pci-*", "name:Logitech K120", "id:046d:c31c", "seat:seat1"}) {
        EXPECT_EQ(to_string(rule(text)), text);
    }
    EXPECT_EQ(to_string(rule("id:46D:1")), "id:046d:0001");
}

TEST(DeviceRule, RejectsMalformedRules)
{
    EXPECT_THAT(rule_error(""), HasSubstr("empty device rule"));
    EXPECT_EQ(rule_error("paht:pci-*"),
              "unknown device rule prefix 'paht:' (expected path:GLOB, name:GLOB, "
              "id:VVVV:PPPP, seat:NAME or *); did you mean 'path:'?");
    EXPECT_THAT(rule_error("keyboard"), HasSubstr("unknown device rule 'keyboard'"));
    EXPECT_EQ(rule_error("id:04zd:c31c"),
              "bad USB id 'id:04zd:c31c': expected id:VVVV:PPPP with the vendor and "
              "product in hex, like id:046d:c31c");
    EXPECT_THAT(rule_error("id:046d"), HasSubstr("bad USB id"));
    EXPECT_THAT(rule_error("id:12345:0001"), HasSubstr("bad USB id"));
    EXPECT_THAT(rule_error("id:0x46d:0001"), HasSubstr("bad USB id"));
    EXPECT_THAT(rule_error("id:046d:c31c:1"), HasSubstr("bad USB id"));
    EXPECT_THAT(rule_error("id:-46d:c31c"), HasSubstr("bad USB id"));
    EXPECT_THAT(rule_error("name:"), HasSubstr("needs a value"));
    EXPECT_THAT(rule_error("name:a\nb"), HasSubstr("control character"));
}

TEST(DeviceRule, MatchesItsProperty)
{
    DeviceIdentity keyboard;
    keyboard.name = "Logitech K120";
    keyboard.vendor = 0x046d;
    keyboard.product = 0xc31c;
    keyboard.id_path = "pci-0000:00:14.0-usb-0:1.2:1.0";
    keyboard.id_seat = "seat1";

    EXPECT_TRUE(matches(rule("path:pci-0000:00:14.0-usb-0:1*"), keyboard));
    EXPECT_FALSE(matches(rule("path:pci-0000:00:14.0-usb-0:2*"), keyboard));
    EXPECT_TRUE(matches(rule("name:Logitech*"), keyboard));
    EXPECT_TRUE(matches(rule("name:Logitech K1[0-9]0"), keyboard));
    EXPECT_FALSE(matches(rule("name:logitech*"), keyboard)); // globs are case-sensitive
    EXPECT_TRUE(matches(rule("id:046d:c31c"), keyboard));
    EXPECT_FALSE(matches(rule("id:046d:c31d"), keyboard));
    EXPECT_TRUE(matches(rule("seat:seat1"), keyboard));
    EXPECT_FALSE(matches(rule("seat:seat2"), keyboard));
    EXPECT_FALSE(matches(rule("*"), keyboard)); // only as a fallback

    DeviceIdentity virtual_device;
    virtual_device.name = "uinput";
    virtual_device.wl_seat = "seat2";
    EXPECT_FALSE(matches(rule("path:*"), virtual_device)); // no ID_PATH
    EXPECT_TRUE(matches(rule("seat:seat2"), virtual_device));
}

TEST(Suggest, EditDistance)
{
    EXPECT_EQ(edit_distance("", ""), 0u);
    EXPECT_EQ(edit_distance("abc", ""), 3u);
    EXPECT_EQ(edit_distance("session", "sesion"), 1u);
    EXPECT_EQ(edit_distance("autostrat", "autostart"), 1u); // a swap counts once
    EXPECT_EQ(edit_distance("Fit", "fit"), 0u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Suggest, ClosestOnlyWhenLikelyATypo)
{
    constexpr std::array<std::string_view, 4> names{"session", "keys", "vm", "seat"};
    EXPECT_EQ(closest("sesion", names), "session");
    EXPECT_EQ(closest("vms", names), "vm");
    EXPECT_EQ(closest("seats", names), "seat");
    EXPECT_FALSE(closest("display", names));
    EXPECT_FALSE(closest("xy", names));
    EXPECT_FALSE(closest("", names));
    EXPECT_FALSE(closest(std::string(1000, 'a'), names));
}

TEST(Diagnostic, FormatsOneLine)
{
    EXPECT_EQ(to_string(Diagnostic{"a.toml", 3, 7, "bad"}), "a.toml:3:7: error: bad");
    EXPECT_EQ(to_string(Diagnostic{"a.toml", 0, 0, "cannot read"}), "a.toml: error: cannot read");
    // Control characters as escapes: the line stays one line and says what
    // is there.
    EXPECT_EQ(to_string(Diagnostic{"a.toml", 1, 1, "x\ny\tz\x1b\r\x7f"}),
              "a.toml:1:1: error: x\\ny\\tz\\x1b\\r\\x7f");
    EXPECT_EQ(to_string(Diagnostic{"a\n.toml", 2, 3, "odd", Severity::Warning}),
              "a\\n.toml:2:3: warning: odd");
    std::ostringstream out;
    out << Diagnostic{"p", 1, 2, "m"};
    EXPECT_EQ(out.str(), "p:1:2: error: m");
}

TEST(Summary, CountsVmsSeatsAndOutputs)
{
    EXPECT_EQ(summary(default_config()), "0 VMs, 1 seat, every output");
    Config config;
    config.vms.push_back(Vm{"a", {}, false, Scaling::Fit, true});
    Seat left;
    left.name = "left";
    left.outputs = {"DP-1", "DP-2"};
    Seat right;
    right.name = "right";
    right.outputs = {"HDMI-A-1"};
    config.seats = {left, right};
    EXPECT_EQ(summary(config), "1 VM, 2 seats, 3 outputs");
    config.seats[1].outputs.clear();
    config.seats[1].all_outputs = true;
    EXPECT_EQ(summary(config), "1 VM, 2 seats, 2 outputs and every other output");
}

TEST(Scaling, RoundTrips)
{
    for (const Scaling s : {Scaling::Fit, Scaling::Stretch, Scaling::Integer, Scaling::None}) {
        EXPECT_EQ(parse_scaling(to_string(s)), s);
    }
    EXPECT_FALSE(parse_scaling("Fit"));
    EXPECT_FALSE(parse_scaling(""));
}

TEST(Helpers, AllowedVmsAndEffectiveUri)
{
    Config config;
    config.session.libvirt_uri = "qemu:///session";
    config.vms = {Vm{"a", {}, false, Scaling::Fit, true},
                  Vm{"b", "qemu+ssh://host/system", false, Scaling::Fit, true}};
    Seat seat;
    EXPECT_EQ(allowed_vms(config, seat), (std::vector<std::string>{"a", "b"}));
    seat.all_vms = false;
    seat.vms = {"b"};
    EXPECT_EQ(allowed_vms(config, seat), (std::vector<std::string>{"b"}));
    EXPECT_EQ(effective_uri(config, config.vms[0]), "qemu:///session");
    EXPECT_EQ(effective_uri(config, config.vms[1]), "qemu+ssh://host/system");
    // "embedded": libvirt's embedded driver under the session's state folder.
    setenv("XDG_STATE_HOME", "/var/tmp/state", 1);
    config.session.libvirt_uri = kEmbeddedUri;
    EXPECT_EQ(effective_uri(config, config.vms[0]),
              "qemu:///embed?root=/var/tmp/state/phyllome/libvirt");
    setenv("XDG_STATE_HOME", "relative/ignored", 1);
    setenv("HOME", "/home/ann", 1);
    EXPECT_EQ(state_dir(), "/home/ann/.local/state/phyllome");
    EXPECT_EQ(config.find_vm("b"), &config.vms[1]);
    EXPECT_EQ(config.find_vm("c"), nullptr);
}

} // namespace
} // namespace phyllome::config
