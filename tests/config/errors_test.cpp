// Every error kind of the issue, each with its exact line and column: the
// offending value, the referring key for a reference to something undefined,
// the second occurrence for a duplicate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "test_util.hpp"

namespace phyllome::config {
namespace {

using ::testing::ElementsAre;
using testing::messages;
using testing::parse;

// The exact diagnostics, nothing more, nothing less.
std::vector<std::string> errors(std::string_view text)
{
    const LoadResult result = parse(text);
    EXPECT_FALSE(result.ok());
    EXPECT_FALSE(result.config);
    return messages(result);
}

// --- TOML syntax --------------------------------------------------------

TEST(SyntaxError, UnterminatedString)
{
    EXPECT_THAT(errors("[session]\nlibvirt_uri = \"qemu:///system\n"),
                ElementsAre("t.toml:2:30: error: TOML syntax error in string: missing "
                            "closing quote: the string runs to the end of the line"));
    EXPECT_THAT(errors("[[vm]]\r\nname = \"\xc3\xa4\r\n"),
                ElementsAre("t.toml:2:10: error: TOML syntax error in string: missing "
                            "closing quote: the string runs to the end of the line"));
}

TEST(SyntaxError, RedefinedKeyAndStopsThere)
{
    // toml++ stops at the first syntax error, so the unknown key on line 1 is
    // not reported: nothing after a syntax error is reliable.
    EXPECT_THAT(errors("colour = 1\n[session]\nhost_keys = \"Ctrl\"\nhost_keys = \"Alt\"\n"),
                ElementsAre("t.toml:4:13: error: TOML syntax error in key-value pair: "
                            "cannot redefine existing string 'host_keys'"));
}

TEST(SyntaxError, ANewlineInWhatTheParserSawIsShownEscaped)
{
    // toml++ quotes what it read, newline included: one line still, and the
    // newline named as such rather than hidden as '?'.
    EXPECT_THAT(errors("[[vm]]\nname = \"a\"\nautostart = tru\n"),
                ElementsAre("t.toml:3:16: error: TOML syntax error in boolean: expected "
                            "'true', saw 'tru\\n'"));
}

TEST(SyntaxError, MissingValueAndBadUtf8)
{
    EXPECT_THAT(errors("[[vm]]\nname =\n"),
                ElementsAre(::testing::StartsWith("t.toml:2:7: error: TOML syntax error")));
    EXPECT_THAT(errors("a = \"\xff\"\n"),
                ElementsAre(::testing::StartsWith("t.toml:1:5: error: TOML syntax error")));
}

TEST(SyntaxError, NonAsciiOutsideStringsAndComments)
{
    // toml++ 3.3 must never see these (see config/toml_guard.hpp).
    EXPECT_THAT(errors("[[vm]]\nn\xc3\xa4me = \"a\"\n"),
                ElementsAre("t.toml:2:2: error: TOML syntax error: unexpected character "
                            "'\xc3\xa4' outside a string or comment"));
    EXPECT_THAT(errors("a = \"x\" \xc2\xa1\n"),
                ElementsAre("t.toml:1:9: error: TOML syntax error: unexpected character "
                            "'\xc2\xa1' outside a string or comment"));
    EXPECT_THAT(errors("a = \xff\n"),
                ElementsAre("t.toml:1:5: error: TOML syntax error: unexpected character "
                            "byte 0xff outside a string or comment"));
    // A syntax error before that character is still the one reported.
    EXPECT_THAT(errors("[session\nx = \xc3\xa9\n"),
                ElementsAre(::testing::StartsWith("t.toml:1:9: error: TOML syntax error")));
    EXPECT_THAT(errors("s = \"\"\"\\\n  \xc2\xa7\"\"\"\n"),
                ElementsAre("t.toml:2:3: error: unsupported by the TOML parser: a "
                            "line-ending backslash followed by the non-ASCII character "
                            "'\xc2\xa7'; join the lines or escape the character as \\uXXXX"));
}

// --- unknown keys and tables --------------------------------------------

TEST(UnknownKey, SuggestsTheClosestKey)
{
    EXPECT_THAT(errors("[[vm]]\nname = \"a\"\nautostrat = true\n"),
                ElementsAre("t.toml:3:1: error: unknown key 'autostrat' in [[vm]]; did you "
                            "mean 'autostart'?"));
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\n  output = [\"DP-1\"]\n"),
                ElementsAre("t.toml:3:3: error: unknown key 'output' in [[seat]]; did you "
                            "mean 'outputs'?"));
    EXPECT_THAT(errors("[keys]\nnext = \"Right\"\n"),
                ElementsAre("t.toml:2:1: error: unknown key 'next' in [keys]"));
    EXPECT_THAT(errors("[session]\nhostkeys = \"Ctrl\"\n"),
                ElementsAre("t.toml:2:1: error: unknown key 'hostkeys' in [session]; did you "
                            "mean 'host_keys'?"));
}

TEST(UnknownKey, NoSuggestionWhenNothingIsClose)
{
    EXPECT_THAT(errors("[session]\ncolour = \"blue\"\n"),
                ElementsAre("t.toml:2:1: error: unknown key 'colour' in [session]"));
}

TEST(UnknownTable, SuggestsTheClosestTable)
{
    EXPECT_THAT(errors("[sesion]\nlibvirt_uri = \"x\"\n"),
                ElementsAre("t.toml:1:2: error: unknown table [sesion]; did you mean "
                            "[session]?"));
    EXPECT_THAT(errors("[[seats]]\nname = \"s\"\n"),
                ElementsAre("t.toml:1:3: error: unknown table [[seats]]; did you mean "
                            "[[seat]]?"));
    EXPECT_THAT(errors("[[vms]]\nname = \"a\"\n"),
                ElementsAre("t.toml:1:3: error: unknown table [[vms]]; did you mean [[vm]]?"));
    EXPECT_THAT(errors("[display]\n"), ElementsAre("t.toml:1:2: error: unknown table [display]"));
}

TEST(UnknownKey, AtTheTopLevel)
{
    EXPECT_THAT(errors("libvirt_uri = \"qemu:///system\"\n"),
                ElementsAre("t.toml:1:1: error: unknown key 'libvirt_uri' at the top level; "
                            "it belongs under [session]"));
    EXPECT_THAT(errors("\nidentify = \"I\"\n"),
                ElementsAre("t.toml:2:1: error: unknown key 'identify' at the top level; it "
                            "belongs under [keys]"));
}

// --- wrong types ----------------------------------------------------------

TEST(WrongType, ScalarValues)
{
    EXPECT_THAT(errors("[[vm]]\nname = \"a\"\nautostart = \"yes\"\n"),
                ElementsAre("t.toml:3:13: error: 'autostart' must be true or false, not a "
                            "string"));
    EXPECT_THAT(errors("[[vm]]\nname = 5\n"),
                ElementsAre("t.toml:2:8: error: 'name' must be a string, not an integer"));
    EXPECT_THAT(errors("[[vm]]\nname = \"a\"\nfollow_output = 1.5\n"),
                ElementsAre("t.toml:3:17: error: 'follow_output' must be true or false, not "
                            "a float"));
    EXPECT_THAT(errors("[session]\nlibvirt_uri = 1979-05-27\n"),
                ElementsAre("t.toml:2:15: error: 'libvirt_uri' must be a string, not a date"));
    EXPECT_THAT(errors("[keys]\nnext_vm = [\"Right\"]\n"),
                ElementsAre("t.toml:2:11: error: 'next_vm' must be a string, not an array"));
}

TEST(WrongType, Lists)
{
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\noutputs = \"DP-1\"\n"),
                ElementsAre("t.toml:3:11: error: 'outputs' must be an array of strings, like "
                            "[\"DP-1\"], not a string"));
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\noutputs = [\"DP-1\", 2]\n"),
                ElementsAre("t.toml:3:20: error: each entry of 'outputs' must be a string, "
                            "not an integer"));
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\ndevices = [true]\n"),
                ElementsAre("t.toml:3:12: error: each entry of 'devices' must be a string, "
                            "not a boolean"));
}

TEST(WrongType, Tables)
{
    EXPECT_THAT(errors("[vm]\nname = \"a\"\n"),
                ElementsAre("t.toml:1:1: error: 'vm' must be an array of tables: write "
                            "[[vm]], not [vm]"));
    EXPECT_THAT(errors("[[session]]\n"),
                ElementsAre("t.toml:1:1: error: 'session' must be a table: write [session], "
                            "not [[session]]"));
    EXPECT_THAT(errors("keys = \"Right\"\n"),
                ElementsAre("t.toml:1:8: error: 'keys' must be a table: write [keys], not a "
                            "string"));
    EXPECT_THAT(errors("seat = [\"left\"]\n"),
                ElementsAre("t.toml:1:9: error: each [[seat]] entry must be a table, not a "
                            "string"));
}

// --- missing and empty values ---------------------------------------------

TEST(MissingKey, NameOfVmAndSeat)
{
    EXPECT_THAT(errors("[[vm]]\nname = \"a\"\n\n[[vm]]\nuri = \"qemu:///system\"\n"),
                ElementsAre("t.toml:4:1: error: [[vm]] is missing the required key 'name'"));
    EXPECT_THAT(errors("[[seat]]\noutputs = [\"DP-1\"]\n"),
                ElementsAre("t.toml:1:1: error: [[seat]] is missing the required key 'name'"));
}

TEST(EmptyValue, Outputs)
{
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\noutputs = []\n"),
                ElementsAre("t.toml:3:11: error: 'outputs' is empty; list at least one "
                            "output, or omit 'outputs' to take every output no other seat "
                            "lists"));
}

TEST(EmptyValue, NamesUrisAndVms)
{
    EXPECT_THAT(errors("[[vm]]\nname = \"\"\n"),
                ElementsAre("t.toml:2:8: error: 'name' must not be empty"));
    EXPECT_THAT(errors("[session]\nlibvirt_uri = \"\"\n"),
                ElementsAre("t.toml:2:15: error: 'libvirt_uri' must not be empty"));
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\noutputs = [\"\"]\n"),
                ElementsAre("t.toml:3:12: error: empty output name in 'outputs'"));
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\nvms = []\n"),
                ElementsAre("t.toml:3:7: error: 'vms' is empty; list the VMs seat 's' may "
                            "show, or omit 'vms' to allow every VM"));
}

// --- duplicates: the second occurrence ------------------------------------

TEST(Duplicate, VmNames)
{
    EXPECT_THAT(errors("[[vm]]\nname = \"work\"\n[[vm]]\n  name = \"work\"\n"),
                ElementsAre("t.toml:4:10: error: duplicate VM name 'work' (first defined on "
                            "line 2)"));
}

TEST(Duplicate, SeatNames)
{
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\noutputs = [\"DP-1\"]\n"
                       "[[seat]]\nname = \"s\"\noutputs = [\"DP-2\"]\ndevices = []\n"),
                ElementsAre("t.toml:5:8: error: duplicate seat name 's' (first defined on "
                            "line 2)"));
}

TEST(Duplicate, OutputClaimedByTwoSeats)
{
    EXPECT_THAT(errors(R"([[seat]]
name = "left"
outputs = ["DP-1", "DP-2"]
[[seat]]
name = "right"
outputs = ["HDMI-A-1", "DP-2"]
devices = []
)"),
                ElementsAre("t.toml:6:24: error: output 'DP-2' is already claimed by seat "
                            "'left' (line 3)"));
}

TEST(Duplicate, OutputListedTwiceInOneSeat)
{
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\noutputs = [\"DP-1\", \"DP-1\"]\n"),
                ElementsAre("t.toml:3:20: error: output 'DP-1' is listed twice in seat 's'"));
}

TEST(Duplicate, VmListedTwiceInVms)
{
    EXPECT_THAT(errors("[[vm]]\nname = \"a\"\n[[seat]]\nname = \"s\"\nvms = [\"a\", \"a\"]\n"),
                ElementsAre("t.toml:5:13: error: VM 'a' is listed twice in 'vms'"));
}

TEST(Duplicate, SecondFallbackSeat)
{
    EXPECT_THAT(errors(R"([[seat]]
name = "left"
outputs = ["DP-1"]
devices = ["*"]
[[seat]]
name = "right"
outputs = ["DP-2"]
devices = ["id:046d:c31c", "*"]
)"),
                ElementsAre("t.toml:8:28: error: '*' makes seat 'right' a second fallback "
                            "seat, but seat 'left' (line 4) already takes every device no "
                            "other seat claims; only one seat may be the fallback"));
}

TEST(Duplicate, OmittedDevicesCountAsAFallback)
{
    EXPECT_THAT(errors(R"([[seat]]
name = "left"
outputs = ["DP-1"]
[[seat]]
name = "right"
outputs = ["DP-2"]
)"),
                ElementsAre("t.toml:4:1: error: omitting 'devices' (which means [\"*\"]) makes "
                            "seat 'right' a second fallback seat, but seat 'left' (line 1) "
                            "already takes every device no other seat claims; only one seat "
                            "may be the fallback"));
}

TEST(Duplicate, TwoSeatsOmittingOutputs)
{
    EXPECT_THAT(errors(R"([[seat]]
name = "left"
devices = []
[[seat]]
name = "right"
)"),
                ElementsAre("t.toml:4:1: error: seat 'right' has no 'outputs', so it would "
                            "take every output no other seat lists, but seat 'left' (line 1) "
                            "already does; list this seat's outputs"));
}

TEST(Duplicate, KeyBindings)
{
    EXPECT_THAT(errors("[keys]\nnext_vm = \"Up\"\nprev_vm = \"Up\"\n"),
                ElementsAre("t.toml:3:11: error: 'prev_vm' uses the same keys (Up) as "
                            "'next_vm'"));
    // A binding written in the file clashes with a default it did not change.
    EXPECT_THAT(errors("[keys]\nrelease_input = \"I\"\n"),
                ElementsAre("t.toml:2:17: error: 'release_input' uses the same keys (I) as "
                            "'identify'"));
    EXPECT_THAT(errors("[keys]\nidentify = \"Right\"\n"),
                ElementsAre("t.toml:2:12: error: 'identify' uses the same keys (Right) as "
                            "'next_vm'"));
    // The clipboard chords count like the others.
    EXPECT_THAT(errors("[keys]\nclipboard_give = \"C\"\n"),
                ElementsAre("t.toml:2:18: error: 'clipboard_give' uses the same keys (C) as "
                            "'clipboard_take'"));
    EXPECT_THAT(errors("[keys]\nclipboard_take = \"I\"\n"),
                ElementsAre("t.toml:2:18: error: 'clipboard_take' uses the same keys (I) as "
                            "'identify'"));
}

// --- references: the line of the referring key -----------------------------

TEST(Reference, SeatNamesAnUndefinedVm)
{
    EXPECT_THAT(errors("[[vm]]\nname = \"work\"\n[[seat]]\nname = \"s\"\n  vm = \"wrok\"\n"),
                ElementsAre("t.toml:5:3: error: seat 's' shows VM 'wrok', which no [[vm]] "
                            "defines; did you mean 'work'?"));
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\nvm = \"work\"\n"),
                ElementsAre("t.toml:3:1: error: seat 's' shows VM 'work', which no [[vm]] "
                            "defines"));
}

TEST(Reference, VmNotInVms)
{
    EXPECT_THAT(errors(R"([[vm]]
name = "work"
[[vm]]
name = "games"
[[seat]]
name = "s"
vm = "games"
vms = ["work"]
)"),
                ElementsAre("t.toml:7:1: error: seat 's' shows VM 'games', which is not in "
                            "its 'vms' list"));
}

TEST(Reference, VmsNamesAnUndefinedVm)
{
    EXPECT_THAT(errors(R"([[vm]]
name = "work"
[[vm]]
name = "games"
[[seat]]
name = "s"
vms = [
  "work",
  "gmaes",
]
)"),
                ElementsAre("t.toml:7:1: error: 'vms' of seat 's' names VM 'gmaes', which no "
                            "[[vm]] defines; did you mean 'games'?"));
}

// --- malformed values -------------------------------------------------------

TEST(BadValue, DeviceRules)
{
    EXPECT_THAT(errors(R"([[seat]]
name = "s"
devices = ["paht:pci-*", "id:04zd:c31c", "name:", "keyboard"]
)"),
                ElementsAre("t.toml:3:12: error: unknown device rule prefix 'paht:' (expected "
                            "path:GLOB, name:GLOB, id:VVVV:PPPP, seat:NAME or *); did you mean "
                            "'path:'?",
                            "t.toml:3:26: error: bad USB id 'id:04zd:c31c': expected "
                            "id:VVVV:PPPP with the vendor and product in hex, like "
                            "id:046d:c31c",
                            "t.toml:3:42: error: 'name:' needs a value after the colon "
                            "(expected path:GLOB, name:GLOB, id:VVVV:PPPP, seat:NAME or *)",
                            "t.toml:3:51: error: unknown device rule 'keyboard' (expected "
                            "path:GLOB, name:GLOB, id:VVVV:PPPP, seat:NAME or *)"));
}

TEST(BadValue, HostKeyChord)
{
    EXPECT_THAT(errors("[session]\nhost_keys = \"Ctrl+Alt+Supr\"\n"),
                ElementsAre("t.toml:2:13: error: cannot parse key chord 'Ctrl+Alt+Supr' for "
                            "'host_keys': 'Supr' is not a modifier (Ctrl, Alt, Shift or "
                            "Super); did you mean 'Super'?"));
    EXPECT_THAT(errors("[session]\nhost_keys = \"\"\n"),
                ElementsAre("t.toml:2:13: error: cannot parse key chord '' for 'host_keys': "
                            "no modifiers given (for example 'Ctrl+Alt+Super')"));
}

TEST(BadValue, CommandKeyChord)
{
    EXPECT_THAT(errors("[keys]\nstart_vm = \"Ctrl+Retrun\"\n"),
                ElementsAre("t.toml:2:12: error: cannot parse key chord 'Ctrl+Retrun' for "
                            "'start_vm': unknown key name 'Retrun' (xkb keysym names, like "
                            "'Right' or 'F1'); did you mean 'Return'?"));
    EXPECT_THAT(errors("[keys]\nidentify = \"Super\"\n"),
                ElementsAre("t.toml:2:12: error: cannot parse key chord 'Super' for "
                            "'identify': 'Super' is a modifier; name a key after it, like "
                            "'Super+Right'"));
}

TEST(BadValue, SoundDevicesAndHiddenAudio)
{
    EXPECT_THAT(errors(R"([[seat]]
name = "s"
audio_out = "speakers"
audio_in = "node:"
[[seat]]
name = "t"
outputs = ["HDMI-A-1"]
devices = ["name:*"]
audio_out = "path:pci-0000:00:1f.3"
)"),
                ElementsAre("t.toml:3:13: error: 'audio_out': unknown sound device 'speakers' "
                            "(expected default, or node:GLOB for a PipeWire node name such as "
                            "node:alsa_output.usb-* (pw-cli ls Node lists them))",
                            "t.toml:4:12: error: 'audio_in': 'node:' needs a value after the "
                            "colon (expected default, or node:GLOB for a PipeWire node name such "
                            "as node:alsa_output.usb-* (pw-cli ls Node lists them))",
                            "t.toml:9:13: error: 'audio_out': sound devices are not found by udev "
                            "path (expected default, or node:GLOB for a PipeWire node name such "
                            "as node:alsa_output.usb-* (pw-cli ls Node lists them))"));
    EXPECT_THAT(errors("[[vm]]\nname = \"a\"\naudio_when_hidden = \"loud\"\n"),
                ElementsAre("t.toml:3:21: error: unknown audio_when_hidden 'loud' (expected "
                            "mute or play)"));
}

TEST(BadValue, ScalingEnum)
{
    EXPECT_THAT(errors("[[vm]]\nname = \"a\"\nscaling = \"strech\"\n"),
                ElementsAre("t.toml:3:11: error: unknown scaling 'strech' (expected fit, "
                            "stretch, integer or none); did you mean 'stretch'?"));
    EXPECT_THAT(errors("[[vm]]\nname = \"a\"\nscaling = \"Fit\"\n"),
                ElementsAre("t.toml:3:11: error: unknown scaling 'Fit' (expected fit, "
                            "stretch, integer or none); did you mean 'fit'?"));
    EXPECT_THAT(errors("[[vm]]\nname = \"a\"\nscaling = \"zoom\"\n"),
                ElementsAre("t.toml:3:11: error: unknown scaling 'zoom' (expected fit, "
                            "stretch, integer or none)"));
}

// --- everything at once -------------------------------------------------------

TEST(MultipleErrors, AllReportedInFileOrder)
{
    EXPECT_THAT(
        errors(R"([sesion]
libvirt_uri = "qemu:///system"

[keys]
next_vm = "Rigth"

[[vm]]
name = "work"
scaling = "strech"

[[vm]]
name = "work"
autostart = "yes"

[[seat]]
name = "left"
vm = "wrok"
outputs = ["DP-1"]
devices = ["paht:pci-*", "*"]

[[seat]]
name = "right"
outputs = ["DP-1"]
devices = ["*", "id:046d:zzzz"]

[[seat]]
outputs = []
)"),
        ElementsAre("t.toml:1:2: error: unknown table [sesion]; did you mean [session]?",
                    "t.toml:5:11: error: cannot parse key chord 'Rigth' for 'next_vm': "
                    "unknown key name 'Rigth' (xkb keysym names, like 'Right' or 'F1'); did "
                    "you mean 'Right'?",
                    "t.toml:9:11: error: unknown scaling 'strech' (expected fit, stretch, "
                    "integer or none); did you mean 'stretch'?",
                    "t.toml:12:8: error: duplicate VM name 'work' (first defined on line 8)",
                    "t.toml:13:13: error: 'autostart' must be true or false, not a string",
                    "t.toml:17:1: error: seat 'left' shows VM 'wrok', which no [[vm]] "
                    "defines; did you mean 'work'?",
                    "t.toml:19:12: error: unknown device rule prefix 'paht:' (expected "
                    "path:GLOB, name:GLOB, id:VVVV:PPPP, seat:NAME or *); did you mean "
                    "'path:'?",
                    "t.toml:23:12: error: output 'DP-1' is already claimed by seat 'left' "
                    "(line 18)",
                    "t.toml:24:12: error: '*' makes seat 'right' a second fallback seat, but "
                    "seat 'left' (line 19) already takes every device no other seat claims; "
                    "only one seat may be the fallback",
                    "t.toml:24:17: error: bad USB id 'id:046d:zzzz': expected id:VVVV:PPPP "
                    "with the vendor and product in hex, like id:046d:c31c",
                    "t.toml:26:1: error: [[seat]] is missing the required key 'name'",
                    "t.toml:26:1: error: omitting 'devices' (which means [\"*\"]) makes "
                    "[[seat]] #3 a second fallback seat, but seat 'left' (line 19) already "
                    "takes every device no other seat claims; only one seat may be the fallback",
                    "t.toml:27:11: error: 'outputs' is empty; list at least one output, or "
                    "omit 'outputs' to take every output no other seat lists"));
}

// --- hostile input ------------------------------------------------------------

TEST(HostileInput, OversizedText)
{
    const std::string huge(kMaxConfigBytes + 1, '#');
    EXPECT_THAT(errors(huge),
                ElementsAre(::testing::HasSubstr("t.toml: error: file is too large")));
}

TEST(HostileInput, DeepNestingAndControlCharacters)
{
    std::string nested = "a = ";
    for (int i = 0; i < 5000; ++i)
        nested += '[';
    EXPECT_EQ(errors(nested).size(), 1u);
    EXPECT_THAT(errors(std::string("[[vm]]\nname = \"\xc3\xa4\0b\"\n", 18)),
                ElementsAre("t.toml:2:10: error: TOML syntax error: NUL byte (is this a "
                            "binary file?)"));
    EXPECT_EQ(errors(std::string("[\0", 2)).size(), 1u);
    // Found by the fuzzer: constructs cut off by the end of the text, and
    // non-ASCII characters that toml++ reads ahead into.
    for (const char *text : {"\"\"\"\\", "\"\\", "a = \"\"\"\\ \r", "'''", "a = ['''",
                             "s=-\"\xc3\xbe", "s=9[\"\xc6\x92", "a = 1.\"\xc3\xa9\"",
                             "s = \"\"\"\\\xc3\xa9\"\"\"", "\"\"\"\\ \xc2\xa1"}) {
        EXPECT_EQ(errors(text).size(), 1u) << text;
    }
    const auto escaped = errors("[[seat]]\nname = \"s\"\ndevices = [\"name:\\u001b[31m\"]\n");
    ASSERT_EQ(escaped.size(), 1u);
    EXPECT_EQ(escaped[0].find('\x1b'), std::string::npos);
}

} // namespace
} // namespace phyllome::config
