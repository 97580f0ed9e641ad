// Likely mistakes in a valid session file: warnings with their place, and
// the file is still used.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "test_util.hpp"

namespace phyllome::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::parse;

// The warnings of a file that must still be valid.
std::vector<std::string> warnings(std::string_view text)
{
    const LoadResult result = parse(text);
    EXPECT_TRUE(result.ok()) << (result.errors.empty() ? "" : to_string(result.errors[0]));
    std::vector<std::string> out;
    for (const auto &d : result.warnings) {
        EXPECT_EQ(d.severity, Severity::Warning);
        out.push_back(to_string(d));
    }
    return out;
}

class Warnings : public ::testing::Test {
protected:
    // The chord checks read the host's keymap: a US one, whatever this
    // machine's environment says.
    static void SetUpTestSuite()
    {
        for (const char *name : {"XKB_DEFAULT_RULES", "XKB_DEFAULT_MODEL", "XKB_DEFAULT_VARIANT",
                                 "XKB_DEFAULT_OPTIONS"})
            unsetenv(name);
        setenv("XKB_DEFAULT_LAYOUT", "us", 1);
    }
};

TEST_F(Warnings, NoneForAnOrdinaryFile)
{
    EXPECT_THAT(warnings(R"([session]
host_keys = "Ctrl+Alt+Super"
[keys]
next_vm = "Page_Down"
identify = "Shift+I"
shutdown_vm = "Shift+End"
[[vm]]
name = "work"
[[vm]]
name = "games"
[[seat]]
name = "left"
vm = "work"
outputs = ["DP-1"]
devices = ["name:[Ll]ogitech*", "path:pci-*-usb-0:[1-3]*", "name:[[:alpha:]]*"]
[[seat]]
name = "right"
vm = "games"
outputs = ["HDMI-A-1"]
)"),
                IsEmpty());
}

TEST_F(Warnings, AVmThatTwoSeatsShow)
{
    EXPECT_THAT(warnings(R"([[vm]]
name = "work"
[[seat]]
name = "left"
vm = "work"
outputs = ["DP-1"]
devices = ["*"]
[[seat]]
name = "right"
vm = "work"
outputs = ["DP-2"]
devices = []
)"),
                ElementsAre("t.toml:10:1: warning: seat 'right' shows VM 'work', which seat "
                            "'left' (line 5) shows too: the input of both seats would reach "
                            "that one VM"));
}

TEST_F(Warnings, ChordsOnTheTerminalKeysOrNeedingShift)
{
    EXPECT_THAT(warnings(R"([session]
host_keys = "Ctrl+Alt"
[keys]
next_vm = "F2"
prev_vm = "exclam"
start_vm = "Shift+1"
identify = "XF86Switch_VT_3"
)"),
                ElementsAre("t.toml:2:13: warning: host_keys 'Ctrl+Alt' plus F1..F12 switches "
                            "the host's virtual terminal, so no guest gets Ctrl+Alt+F1..F12 (its "
                            "own terminal switch); add Super or Shift",
                            "t.toml:4:11: warning: 'next_vm' = 'F2' collides with host_keys+F2, "
                            "which switches to virtual terminal 2; pick another key",
                            "t.toml:5:11: warning: 'prev_vm' = 'exclam' is typed with Shift on "
                            "this keyboard layout, so it never matches as written; write "
                            "'Shift+exclam'",
                            "t.toml:6:12: warning: 'start_vm' = 'Shift+1' never matches: Shift "
                            "turns the key into another one on this keyboard layout; write it "
                            "without Shift, or name the shifted key",
                            "t.toml:7:12: warning: 'identify' = 'XF86Switch_VT_3' collides with "
                            "host_keys+F3, which switches to virtual terminal 3; pick another "
                            "key"));
    // With a modifier of its own an F key is no terminal switch.
    EXPECT_THAT(warnings("[keys]\nnext_vm = \"Shift+F2\"\n"), IsEmpty());
}

TEST_F(Warnings, GlobsThatCannotMatch)
{
    EXPECT_THAT(
        warnings(R"([[seat]]
name = "s"
devices = ["name:[unclosed", "path:pci-[9-1]*", "name:\\[literal"]
)"),
        ElementsAre("t.toml:3:12: warning: device rule 'name:[unclosed': the '[' at character 1 "
                    "is never closed, so the glob only matches a literal '['; close it with ']' "
                    "or write '\\[' for a literal '['",
                    "t.toml:3:30: warning: device rule 'path:pci-[9-1]*': the range '9-1' is "
                    "written backwards and matches nothing; write '1-9'"));
}

TEST_F(Warnings, NamesWithControlCharactersOrAbsurdlyLong)
{
    const std::string long_name(200, 'x');
    const auto found = warnings("[[vm]]\nname = \"a\\u001b[31mb\"\n[[seat]]\nname = \"" +
                                long_name + "\"\noutputs = [\"DP\\n1\"]\n");
    ASSERT_EQ(found.size(), 3u);
    EXPECT_EQ(found[0], "t.toml:2:8: warning: VM name 'a\\x1b[31mb' contains a control "
                        "character; logs and terminals show it escaped");
    EXPECT_EQ(found[1], "t.toml:4:8: warning: seat name of 200 characters; names of more than "
                        "128 are cut off wherever they are shown");
    EXPECT_EQ(found[2], "t.toml:5:12: warning: output name 'DP\\n1' contains a control "
                        "character; logs and terminals show it escaped");
    for (const auto &line : found) {
        EXPECT_EQ(line.find('\n'), std::string::npos);
        EXPECT_EQ(line.find('\x1b'), std::string::npos);
    }
}

TEST_F(Warnings, OutputsThatDoNotExistNow)
{
    const LoadResult result = parse(R"([[seat]]
name = "left"
outputs = ["DP-1", "hdmi-a-1"]
[[seat]]
name = "right"
outputs = ["DP-9"]
devices = []
)");
    ASSERT_TRUE(result.ok());
    EXPECT_THAT(result.outputs, ElementsAre(OutputRef{"seat 'left'", "DP-1", 3, 12},
                                            OutputRef{"seat 'left'", "hdmi-a-1", 3, 20},
                                            OutputRef{"seat 'right'", "DP-9", 6, 12}));
    std::vector<std::string> found;
    for (const auto &d : check_outputs(result.outputs, {"DP-1", "HDMI-A-1"}, "t.toml"))
        found.push_back(to_string(d));
    EXPECT_THAT(found,
                ElementsAre("t.toml:3:20: warning: seat 'left' lists output 'hdmi-a-1', which "
                            "does not exist: output names are case-sensitive; did you mean "
                            "'HDMI-A-1'?",
                            "t.toml:6:12: warning: seat 'right' lists output 'DP-9', which does "
                            "not exist now (outputs: DP-1, HDMI-A-1)"));
    EXPECT_THAT(check_outputs(result.outputs, {"DP-1", "HDMI-A-1", "DP-9", "hdmi-a-1"}, "t.toml"),
                IsEmpty());
}

TEST_F(Warnings, CheckConfigPrintsThemAndExitsZero)
{
    const auto path = std::filesystem::temp_directory_path() / "phyllome-warnings-test.toml";
    std::ofstream(path) << "[[vm]]\nname = \"w\"\n[[seat]]\nname = \"a\"\nvm = \"w\"\n"
                           "outputs = [\"DP-1\"]\n[[seat]]\nname = \"b\"\nvm = \"w\"\n"
                           "outputs = [\"dp-2\"]\ndevices = []\n";
    std::ostringstream out, err;
    EXPECT_EQ(check_config(path, out, err, std::vector<std::string>{"DP-1", "DP-2"}), 0);
    EXPECT_EQ(out.str(), path.string() + ": ok: 1 VM, 2 seats, 2 outputs (2 warnings)\n");
    EXPECT_EQ(err.str(), path.string() +
                             ":9:1: warning: seat 'b' shows VM 'w', which seat 'a' "
                             "(line 5) shows too: the input of both seats would "
                             "reach that one VM\n" +
                             path.string() +
                             ":10:12: warning: seat 'b' lists output 'dp-2', which does not "
                             "exist: output names are case-sensitive; did you mean 'DP-2'?\n");
    std::filesystem::remove(path);
}

} // namespace
} // namespace phyllome::config
