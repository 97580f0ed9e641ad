// The USB keys: [[seat]] usb and usb_on_switch, [[vm]] usb_classes; their
// defaults, errors, warnings and reload differences.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/diff.hpp"
#include "config/usb_class.hpp"
#include "test_util.hpp"

namespace phyllome::config {
namespace {

using ::testing::ElementsAre;
using testing::messages;
using testing::parse;

Config parse_ok(std::string_view text)
{
    LoadResult result = parse(text);
    EXPECT_TRUE(result.ok()) << ::testing::PrintToString(messages(result));
    return result.config.value_or(Config{});
}

std::vector<std::string> errors(std::string_view text)
{
    const LoadResult result = parse(text);
    EXPECT_FALSE(result.ok());
    return messages(result);
}

std::vector<std::string> warnings(std::string_view text)
{
    const LoadResult result = parse(text);
    EXPECT_TRUE(result.ok()) << ::testing::PrintToString(messages(result));
    std::vector<std::string> out;
    for (const auto &d : result.warnings)
        out.push_back(to_string(d));
    return out;
}

TEST(UsbConfig, DefaultsPassNothingFollowAndAllowEveryClass)
{
    const Config config = parse_ok("[[vm]]\nname = \"work\"\n[[seat]]\nname = \"s\"\n");
    ASSERT_EQ(config.seats.size(), 1u);
    EXPECT_TRUE(config.seats[0].usb.empty());
    EXPECT_EQ(config.seats[0].usb_on_switch, Seat::UsbOnSwitch::Follow);
    ASSERT_EQ(config.vms.size(), 1u);
    EXPECT_THAT(config.vms[0].usb_classes, ElementsAre("*"));
    EXPECT_TRUE(default_config().seats[0].usb.empty());
}

TEST(UsbConfig, ParsesRulesSwitchAndClasses)
{
    const Config config = parse_ok(R"(
[[vm]]
name = "work"
usb_classes = ["storage", "audio"]
[[vm]]
name = "games"
usb_classes = []
[[seat]]
name = "left"
usb = ["path:pci-0000:00:14.0-usb-0:2*", "id:0781:5581", "name:SanDisk*", "*"]
usb_on_switch = "stay"
[[seat]]
name = "right"
outputs = ["DP-2"]
devices = []
usb = ["seat:right"]
)");
    ASSERT_EQ(config.seats.size(), 2u);
    const Seat &left = config.seats[0];
    ASSERT_EQ(left.usb.size(), 4u);
    EXPECT_EQ(left.usb[0].kind, DeviceRule::Kind::Path);
    EXPECT_EQ(left.usb[0].pattern, "pci-0000:00:14.0-usb-0:2*");
    EXPECT_EQ(left.usb[1].kind, DeviceRule::Kind::Id);
    EXPECT_EQ(left.usb[1].vendor, 0x0781);
    EXPECT_EQ(left.usb[1].product, 0x5581);
    EXPECT_EQ(left.usb[2].kind, DeviceRule::Kind::Name);
    EXPECT_EQ(left.usb[3].kind, DeviceRule::Kind::Fallback);
    EXPECT_EQ(left.usb_on_switch, Seat::UsbOnSwitch::Stay);
    EXPECT_EQ(config.seats[1].usb.at(0).kind, DeviceRule::Kind::Seat);
    EXPECT_THAT(config.vms[0].usb_classes, ElementsAre("storage", "audio"));
    EXPECT_TRUE(config.vms[1].usb_classes.empty());
}

TEST(UsbConfig, Errors)
{
    EXPECT_THAT(errors("[[vm]]\nname = \"w\"\nusb_classes = [\"strage\", 3]\n"),
                ElementsAre("t.toml:3:16: error: unknown USB class 'strage' in 'usb_classes' "
                            "(expected audio, cdc, hid, image, printer, storage, smartcard, "
                            "video, wireless, misc, vendor or \"*\"); did you mean 'storage'?",
                            "t.toml:3:26: error: each entry of 'usb_classes' must be a string, "
                            "not an integer"));
    EXPECT_THAT(errors("[[vm]]\nname = \"w\"\nusb_classes = [\"hid\", \"hid\"]\n"),
                ElementsAre("t.toml:3:23: error: USB class 'hid' is listed twice in "
                            "'usb_classes'"));
    EXPECT_THAT(errors("[[vm]]\nname = \"w\"\nusb_classes = \"storage\"\n"),
                ElementsAre("t.toml:3:15: error: 'usb_classes' must be an array of strings, "
                            "like [\"storage\", \"audio\"], not a string"));
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\nusb_on_switch = \"stya\"\n"),
                ElementsAre("t.toml:3:17: error: unknown usb_on_switch 'stya' (expected follow "
                            "or stay); did you mean 'stay'?"));
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\nusb = [\"paht:pci-*\", \"*\", \"*\"]\n"),
                ElementsAre(::testing::StartsWith("t.toml:3:8: error: 'usb': "),
                            "t.toml:3:27: error: USB rule '*' is listed twice in 'usb'"));
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\nusb = \"*\"\n"),
                ElementsAre(::testing::StartsWith("t.toml:3:7: error: 'usb' must be an array")));
    EXPECT_THAT(errors("[[seat]]\nname = \"s\"\nusbs = []\n"),
                ElementsAre("t.toml:3:1: error: unknown key 'usbs' in [[seat]]; did you mean "
                            "'usb'?"));
}

TEST(UsbConfig, TwoSeatsWithStarIsAnError)
{
    EXPECT_THAT(errors(R"([[seat]]
name = "left"
usb = ["*"]
[[seat]]
name = "right"
outputs = ["DP-2"]
devices = []
usb = ["id:1:2", "*"]
)"),
                ElementsAre("t.toml:8:18: error: '*' in 'usb' makes seat 'right' take every "
                            "USB device no other seat claims, but seat 'left' (line 3) already "
                            "does; only one seat may have '*' in 'usb'"));
}

TEST(UsbConfig, Warnings)
{
    EXPECT_THAT(warnings("[[vm]]\nname = \"w\"\nusb_classes = [\"*\", \"hid\"]\n"),
                ElementsAre("t.toml:3:15: warning: 'usb_classes' lists \"*\", which allows every "
                            "class, so the other names in it change nothing"));
    EXPECT_THAT(warnings("[[seat]]\nname = \"s\"\nusb = [\"path:pci-[z-a]\"]\n"),
                ElementsAre(::testing::StartsWith("t.toml:3:8: warning: USB rule "
                                                  "'path:pci-[z-a]': the range 'z-a'")));
}

TEST(UsbConfig, DiffReportsUsbAspects)
{
    const Config before = parse_ok("[[vm]]\nname = \"w\"\n[[seat]]\nname = \"s\"\n");
    const Config rules = parse_ok("[[vm]]\nname = \"w\"\n[[seat]]\nname = \"s\"\nusb = [\"*\"]\n");
    const Config stay =
        parse_ok("[[vm]]\nname = \"w\"\n[[seat]]\nname = \"s\"\nusb_on_switch = \"stay\"\n");
    const Config classes =
        parse_ok("[[vm]]\nname = \"w\"\nusb_classes = [\"hid\"]\n[[seat]]\nname = \"s\"\n");
    auto lines = [](const std::vector<Action> &actions) {
        std::vector<std::string> out;
        for (const auto &a : actions)
            out.push_back(to_string(a));
        return out;
    };
    EXPECT_THAT(lines(diff(before, rules)), ElementsAre("seat 's' changed: usb"));
    EXPECT_THAT(lines(diff(before, stay)), ElementsAre("seat 's' changed: usb"));
    EXPECT_THAT(lines(diff(before, classes)), ElementsAre("vm 'w' changed: usb_classes"));
    EXPECT_TRUE(diff(before, before).empty());
}

TEST(UsbClass, NamesAndCodes)
{
    EXPECT_EQ(usb_class_code("storage"), 0x08);
    EXPECT_EQ(usb_class_code("vendor"), 0xff);
    EXPECT_EQ(usb_class_code("*"), std::nullopt);
    EXPECT_EQ(usb_class_code("hub"), std::nullopt);
    EXPECT_EQ(usb_class_name(0x09), "hub");
    EXPECT_EQ(usb_class_name(0x03), "hid");
    EXPECT_EQ(usb_class_name(0x42), "other");
    const std::vector<std::string> some{"storage", "audio"};
    EXPECT_TRUE(usb_class_allowed(some, 0x08));
    EXPECT_FALSE(usb_class_allowed(some, 0x03));
    const std::vector<std::string> all{"*"};
    EXPECT_TRUE(usb_class_allowed(all, 0x42));
    EXPECT_FALSE(usb_class_allowed({}, 0x08));
}

} // namespace
} // namespace phyllome::config
