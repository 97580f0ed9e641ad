// The reload difference: only what changed, as plain data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "config/diff.hpp"
#include "test_util.hpp"

namespace phyllome::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Config parse_ok(std::string_view text)
{
    LoadResult result = testing::parse(text);
    EXPECT_TRUE(result.ok()) << ::testing::PrintToString(testing::messages(result));
    return result.config.value_or(Config{});
}

// Actions as their log lines: the readable form of a failed expectation.
std::vector<std::string> lines(const std::vector<Action> &actions)
{
    std::vector<std::string> out;
    for (const auto &action : actions)
        out.push_back(to_string(action));
    return out;
}

std::vector<std::string> diff_lines(std::string_view before, std::string_view after)
{
    return lines(diff(parse_ok(before), parse_ok(after)));
}

constexpr std::string_view kBase = R"(
[[vm]]
name = "work"
[[vm]]
name = "games"
uri = "qemu:///session"

[[seat]]
name = "left"
vm = "work"
outputs = ["DP-1", "DP-2"]
devices = ["id:046d:c31c"]

[[seat]]
name = "right"
vm = "games"
outputs = ["HDMI-A-1"]
devices = ["*"]
)";

// kBase with one substring replaced.
std::string edit(std::string_view from, std::string_view to)
{
    std::string text(kBase);
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    return text;
}

TEST(Diff, EqualConfigsGiveNothing)
{
    EXPECT_THAT(diff(parse_ok(kBase), parse_ok(kBase)), IsEmpty());
    EXPECT_THAT(diff(default_config(), default_config()), IsEmpty());
}

TEST(Diff, CommentsAndSpellingAreNoChange)
{
    EXPECT_THAT(diff_lines(kBase, edit("[[vm]]\nname = \"work\"",
                                       "# edited\n[[vm]]\n  name   =   \"work\"  # same")),
                IsEmpty());
    EXPECT_THAT(diff_lines("[keys]\nstart_vm = \"Return\"\n", "[keys]\nstart_vm = \"return\"\n"),
                IsEmpty());
}

TEST(Diff, UnchangedSeatGetsNoAction)
{
    // Only the left seat's VM changes; the right seat is not mentioned.
    const auto actions = diff(parse_ok(kBase), parse_ok(edit("vm = \"work\"", "vm = \"games\"")));
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_EQ(actions[0].kind, Action::Kind::SeatChanged);
    EXPECT_EQ(actions[0].name, "left");
    EXPECT_EQ(actions[0].seat, (SeatAspects{.vm = true}));
    EXPECT_EQ(to_string(actions[0]), "seat 'left' changed: vm");
}

TEST(Diff, VmSettingChanged)
{
    const auto actions =
        diff(parse_ok(kBase),
             parse_ok(edit("name = \"work\"\n", "name = \"work\"\nscaling = \"integer\"\n"
                                                "autostart = true\n")));
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_EQ(actions[0].kind, Action::Kind::VmChanged);
    EXPECT_EQ(actions[0].vm, (VmAspects{.autostart = true, .scaling = true}));
    EXPECT_EQ(to_string(actions[0]), "vm 'work' changed: autostart, scaling");

    EXPECT_THAT(diff_lines(kBase, edit("name = \"work\"\n", "name = \"work\"\n"
                                                            "follow_output = false\n")),
                ElementsAre("vm 'work' changed: follow_output"));
    EXPECT_THAT(diff_lines(kBase, edit("name = \"work\"\n", "name = \"work\"\n"
                                                            "audio_when_hidden = \"play\"\n")),
                ElementsAre("vm 'work' changed: audio_when_hidden"));
    EXPECT_THAT(diff_lines(kBase, edit("devices = [\"*\"]\n", "devices = [\"*\"]\n"
                                                              "audio_out = \"node:hdmi-*\"\n")),
                ElementsAre("seat 'right' changed: audio"));
}

TEST(Diff, UriComparesTheEffectiveConnection)
{
    // The session default changes; only the VM without its own uri moves.
    EXPECT_THAT(diff_lines(kBase, "[session]\nlibvirt_uri = \"qemu+ssh://host/system\"\n" +
                                      std::string(kBase)),
                ElementsAre("vm 'work' changed: uri"));
    // Writing the default out explicitly is no change.
    EXPECT_THAT(
        diff_lines(kBase, edit("name = \"work\"\n", "name = \"work\"\nuri = \"qemu:///system\"\n")),
        IsEmpty());
}

TEST(Diff, OutputMovedBetweenSeats)
{
    std::string after = edit("[\"DP-1\", \"DP-2\"]", "[\"DP-1\"]");
    after.replace(after.find("[\"HDMI-A-1\"]"), 12, "[\"HDMI-A-1\", \"DP-2\"]");
    EXPECT_THAT(diff_lines(kBase, after),
                ElementsAre("seat 'left' changed: outputs", "seat 'right' changed: outputs"));
}

TEST(Diff, OutputOrderIsAChange)
{
    // Order is the guest's screen order.
    EXPECT_THAT(diff_lines(kBase, edit("[\"DP-1\", \"DP-2\"]", "[\"DP-2\", \"DP-1\"]")),
                ElementsAre("seat 'left' changed: outputs"));
}

TEST(Diff, DeviceRuleChanged)
{
    const auto actions =
        diff(parse_ok(kBase), parse_ok(edit("id:046d:c31c", "path:pci-0000:00:14.0-usb-0:1*")));
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_EQ(actions[0].name, "left");
    EXPECT_EQ(actions[0].seat, (SeatAspects{.devices = true}));
}

TEST(Diff, AllowedVmsChanged)
{
    EXPECT_THAT(diff_lines(kBase, edit("vm = \"work\"\n", "vm = \"work\"\nvms = [\"work\"]\n")),
                ElementsAre("seat 'left' changed: vms"));
}

TEST(Diff, SeveralAspectsOfOneSeat)
{
    std::string after = edit("vm = \"work\"\n", "vm = \"games\"\n");
    after.replace(after.find("[\"DP-1\", \"DP-2\"]"), 16, "[\"DP-2\"]");
    EXPECT_THAT(diff_lines(kBase, after), ElementsAre("seat 'left' changed: vm, outputs"));
}

TEST(Diff, AddedAndRemovedInApplyOrder)
{
    const std::string after = R"(
[[vm]]
name = "games"
uri = "qemu:///session"
[[vm]]
name = "media"

[[seat]]
name = "right"
vm = "media"
outputs = ["HDMI-A-1"]
devices = ["*"]

[[seat]]
name = "tv"
outputs = ["DP-3"]
devices = []
)";
    const auto actions = diff(parse_ok(kBase), parse_ok(after));
    EXPECT_THAT(lines(actions),
                ElementsAre("seat 'left' removed", "vm 'work' removed", "vm 'media' added",
                            "seat 'right' changed: vm", "seat 'tv' added"));
    EXPECT_EQ(actions[0].kind, Action::Kind::SeatRemoved);
    EXPECT_EQ(actions[4].kind, Action::Kind::SeatAdded);
}

TEST(Diff, RenamedSeatIsRemovedAndAdded)
{
    EXPECT_THAT(diff_lines(kBase, edit("name = \"left\"", "name = \"west\"")),
                ElementsAre("seat 'left' removed", "seat 'west' added"));
}

TEST(Diff, SeatOrderMattersForDevices)
{
    const std::string swapped = R"(
[[vm]]
name = "work"
[[vm]]
name = "games"
uri = "qemu:///session"

[[seat]]
name = "right"
vm = "games"
outputs = ["HDMI-A-1"]
devices = ["*"]

[[seat]]
name = "left"
vm = "work"
outputs = ["DP-1", "DP-2"]
devices = ["id:046d:c31c"]
)";
    const auto actions = diff(parse_ok(kBase), parse_ok(swapped));
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_EQ(actions[0].kind, Action::Kind::SeatOrderChanged);
    EXPECT_EQ(to_string(actions[0]), "seat order changed");
}

TEST(Diff, KeysChanged)
{
    EXPECT_THAT(diff_lines(kBase, "[session]\nhost_keys = \"Ctrl+Alt\"\n" + std::string(kBase)),
                ElementsAre("keys changed"));
    EXPECT_THAT(diff_lines(kBase, "[keys]\nidentify = \"F1\"\n" + std::string(kBase)),
                ElementsAre("keys changed"));
}

TEST(Diff, FromAndToTheDefault)
{
    EXPECT_THAT(lines(diff(default_config(), parse_ok(kBase))),
                ElementsAre("seat 'seat0' removed", "vm 'work' added", "vm 'games' added",
                            "seat 'left' added", "seat 'right' added"));
    EXPECT_THAT(lines(diff(parse_ok(kBase), default_config())),
                ElementsAre("seat 'left' removed", "seat 'right' removed", "vm 'work' removed",
                            "vm 'games' removed", "seat 'seat0' added"));
}

TEST(Action, Prints)
{
    std::ostringstream out;
    Action action;
    action.kind = Action::Kind::SeatChanged;
    action.name = "s";
    action.seat = SeatAspects{.vm = true, .vms = true, .outputs = true, .devices = true};
    out << action;
    EXPECT_EQ(out.str(), "seat 's' changed: vm, vms, outputs, devices");
    EXPECT_EQ(to_string(Action{Action::Kind::VmAdded, "v", {}, {}}), "vm 'v' added");
    EXPECT_EQ(to_string(Action{}), "keys changed");
}

} // namespace
} // namespace phyllome::config
