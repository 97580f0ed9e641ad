// Valid files and the configuration they produce.
#include <gtest/gtest.h>

#include <cstdlib>

#include "config/load.hpp"
#include "test_util.hpp"

namespace phyllome::config {
namespace {

using testing::messages;
using testing::parse;

Config parse_ok(std::string_view text)
{
    LoadResult result = parse(text);
    EXPECT_TRUE(result.ok()) << ::testing::PrintToString(messages(result));
    return result.config.value_or(Config{});
}

KeyChord key(std::string_view text)
{
    std::string error;
    return parse_key_chord(text, error).value();
}

TEST(Parse, SoundDevicesPerSeatAndHiddenAudioPerVm)
{
    const Config config = parse_ok(R"(
[[vm]]
name = "work"
audio_when_hidden = "play"
[[vm]]
name = "games"

[[seat]]
name = "left"
vm = "work"
devices = ["id:046d:c31c"]
audio_out = "node:alsa_output.usb-Generic_Headset-*"
audio_in = "node:alsa_input.usb-Generic_Headset-*"
[[seat]]
name = "right"
vm = "games"
outputs = ["HDMI-A-1"]
)");
    ASSERT_EQ(config.vms.size(), 2u);
    ASSERT_EQ(config.seats.size(), 2u);
    EXPECT_EQ(config.vms[0].audio_when_hidden, Vm::HiddenAudio::Play);
    EXPECT_EQ(config.vms[1].audio_when_hidden, Vm::HiddenAudio::Mute); // the default
    const Seat &left = config.seats[0];
    EXPECT_EQ(left.audio_out,
              (SoundTarget{SoundTarget::Kind::Node, "alsa_output.usb-Generic_Headset-*"}));
    EXPECT_EQ(left.audio_in,
              (SoundTarget{SoundTarget::Kind::Node, "alsa_input.usb-Generic_Headset-*"}));
    EXPECT_EQ(to_string(left.audio_out), "node:alsa_output.usb-Generic_Headset-*");
    EXPECT_EQ(config.seats[1].audio_out, SoundTarget{}); // default
    EXPECT_EQ(to_string(config.seats[1].audio_in), "default");
}

TEST(Parse, EmptyFileIsTheDefault)
{
    EXPECT_EQ(parse_ok(""), default_config());
    EXPECT_EQ(parse_ok("# nothing here\n\n"), default_config());
}

TEST(Parse, TheIssueExample)
{
    const Config config = parse_ok(R"(
[session]
libvirt_uri = "qemu:///session"
host_keys = "Ctrl+Alt"
clipboard_across_seats = true

[keys]
next_vm = "Page_Down"
prev_vm = "Page_Up"
start_vm = "Shift+Return"
shutdown_vm = "End"
identify = "i"
release_input = "Pause"
clipboard_take = "Shift+C"
clipboard_give = "Insert"

[[vm]]
name = "work"
uri = "qemu:///system"
autostart = true
scaling = "fit"
follow_output = true

[[vm]]
name = "games"
scaling = "integer"
follow_output = false

[[seat]]
name = "left"
vm = "work"
vms = ["work", "games"]
outputs = ["DP-1", "DP-2"]
devices = ["path:pci-0000:00:14.0-usb-0:1*", "name:Logitech K120", "id:046d:c31c", "seat:seat1"]

[[seat]]
name = "right"
vm = "games"
outputs = ["HDMI-A-1"]
devices = ["*"]
)");

    Config expected;
    expected.session.libvirt_uri = "qemu:///session";
    expected.session.host_keys.modifiers = kModCtrl | kModAlt;
    expected.keys.next_vm = key("Page_Down");
    expected.keys.prev_vm = key("Page_Up");
    expected.keys.start_vm = key("Shift+Return");
    expected.keys.identify = key("i");
    expected.keys.release_input = key("Pause");
    expected.keys.clipboard_take = key("Shift+C");
    expected.keys.clipboard_give = key("Insert");
    expected.session.clipboard_across_seats = true;
    expected.vms = {Vm{"work", "qemu:///system", true, Scaling::Fit, true},
                    Vm{"games", {}, false, Scaling::Integer, false}};

    Seat left;
    left.name = "left";
    left.vm = "work";
    left.all_vms = false;
    left.vms = {"work", "games"};
    left.outputs = {"DP-1", "DP-2"};
    std::string error;
    for (const char *text :
         {"path:pci-0000:00:14.0-usb-0:1*", "name:Logitech K120", "id:046d:c31c", "seat:seat1"}) {
        left.devices.push_back(*parse_device_rule(text, error));
    }
    Seat right;
    right.name = "right";
    right.vm = "games";
    right.outputs = {"HDMI-A-1"};
    right.devices = {DeviceRule{}};
    expected.seats = {left, right};

    EXPECT_EQ(config, expected);
    EXPECT_EQ(config.keys.start_vm.modifiers, kModShift);
}

TEST(Parse, TheShippedExampleIsValid)
{
    const char *path = std::getenv("PHYLLOME_EXAMPLE_CONFIG");
    if (!path)
        GTEST_SKIP() << "PHYLLOME_EXAMPLE_CONFIG is not set (run through meson test)";
    const LoadResult result = load_config(path);
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(messages(result));
    EXPECT_EQ(summary(*result.config), "2 VMs, 2 seats, 2 outputs");
    EXPECT_EQ(result.config->seats[0].devices.size(), 4u);
}

TEST(Parse, VmsWithoutSeatsGetTheDefaultSeat)
{
    const Config config = parse_ok("[[vm]]\nname = \"a\"\n[[vm]]\nname = \"b\"\n");
    ASSERT_EQ(config.vms.size(), 2u);
    EXPECT_EQ(config.seats, default_config().seats);
    EXPECT_EQ(allowed_vms(config, config.seats[0]), (std::vector<std::string>{"a", "b"}));
}

TEST(Parse, OmittedOutputsAndDevicesMeanTheRest)
{
    const Config config = parse_ok(R"(
[[vm]]
name = "a"
[[seat]]
name = "main"
vm = "a"
)");
    ASSERT_EQ(config.seats.size(), 1u);
    const Seat &seat = config.seats[0];
    EXPECT_TRUE(seat.all_outputs);
    EXPECT_TRUE(seat.outputs.empty());
    EXPECT_EQ(seat.devices, std::vector<DeviceRule>{DeviceRule{}});
    EXPECT_TRUE(seat.all_vms);
}

TEST(Parse, EmptyDevicesMeansNoInput)
{
    const Config config = parse_ok("[[seat]]\nname = \"tv\"\ndevices = []\n");
    EXPECT_TRUE(config.seats[0].devices.empty());
}

TEST(Parse, SeatsMayReferToVmsDefinedLater)
{
    const Config config = parse_ok(R"(
[[seat]]
name = "s"
vm = "later"
[[vm]]
name = "later"
)");
    EXPECT_EQ(config.seats[0].vm, "later");
}

TEST(Parse, InlineTablesAreTablesToo)
{
    const Config config = parse_ok(R"(
session = { libvirt_uri = "test:///default" }
vm = [{ name = "a", scaling = "none" }, { name = "b", scaling = "stretch" }]
seat = [{ name = "s", vm = "b", outputs = ["DP-1"] }]
)");
    EXPECT_EQ(config.session.libvirt_uri, "test:///default");
    ASSERT_EQ(config.vms.size(), 2u);
    EXPECT_EQ(config.vms[0].scaling, Scaling::None);
    EXPECT_EQ(config.vms[1].scaling, Scaling::Stretch);
    EXPECT_EQ(config.seats[0].outputs, std::vector<std::string>{"DP-1"});
}

TEST(Parse, CrLfAndByteOrderMark)
{
    const Config config = parse_ok("\xEF\xBB\xBF[[vm]]\r\nname = \"a\"\r\n");
    ASSERT_EQ(config.vms.size(), 1u);
    EXPECT_EQ(config.vms[0].name, "a");
}

TEST(Parse, NonAsciiInStringsAndComments)
{
    const Config config = parse_ok("# \xc3\x89"
                                   "cran gauche: caf\xc3\xa9 \xc2\xa1\n"
                                   "[[vm]] # \xc3\xa9\n"
                                   "name = \"caf\xc3\xa9 \xc2\xa1\"\n"
                                   "uri = 'qemu:///caf\xc3\xa9'\n"
                                   "[[seat]]\n"
                                   "name = \"\"\"\n\xc3\xa9"
                                   "cran\"\"\"\n"
                                   "outputs = ['''\n\xc3\xa9''']\n");
    ASSERT_EQ(config.vms.size(), 1u);
    EXPECT_EQ(config.vms[0].name, "caf\xc3\xa9 \xc2\xa1");
    EXPECT_EQ(config.vms[0].uri, "qemu:///caf\xc3\xa9");
    EXPECT_EQ(config.seats[0].name, "\xc3\xa9"
                                    "cran");
    EXPECT_EQ(config.seats[0].outputs, std::vector<std::string>{"\xc3\xa9"});
}

TEST(Parse, QuotesInsideStringsDoNotConfuseTheGuard)
{
    // Escaped quotes, '#' inside strings, quotes closing """ strings early:
    // the non-ASCII characters after them are all still inside strings.
    const Config config = parse_ok(R"X([[vm]]
name = "a\"# \\ é"
uri = '"# é'
[[seat]]
name = """x"é""""
devices = ['''name:é"''\''']
)X");
    EXPECT_EQ(config.vms[0].name, "a\"# \\ \xc3\xa9");
    EXPECT_EQ(config.vms[0].uri, "\"# \xc3\xa9");
    EXPECT_EQ(config.seats[0].name, "x\"\xc3\xa9\"");
    EXPECT_EQ(config.seats[0].devices[0].pattern, "\xc3\xa9\"''\\");
}

TEST(Parse, NamesAreCaseSensitive)
{
    const Config config = parse_ok(R"(
[[vm]]
name = "Work"
[[vm]]
name = "work"
[[seat]]
name = "a"
outputs = ["DP-1"]
[[seat]]
name = "b"
outputs = ["dp-1"]
devices = ["seat:seat1"]
)");
    EXPECT_EQ(config.vms.size(), 2u);
    EXPECT_EQ(config.seats.size(), 2u);
}

} // namespace
} // namespace phyllome::config
