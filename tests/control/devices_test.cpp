// Which rule picks a device, the rules that would, and its JSON.
#include <gtest/gtest.h>

#include "control/devices.hpp"

namespace phyllome::control {
namespace {

config::Seat seat(const std::string &name, const std::vector<std::string> &rules)
{
    config::Seat s;
    s.name = name;
    for (const auto &text : rules) {
        std::string error;
        auto rule = config::parse_device_rule(text, error);
        EXPECT_TRUE(rule) << text << ": " << error;
        if (rule)
            s.devices.push_back(*rule);
    }
    return s;
}

config::DeviceIdentity keyboard()
{
    config::DeviceIdentity device;
    device.name = "Logitech K120 [wired]";
    device.vendor = 0x046d;
    device.product = 0xc31c;
    device.id_path = "pci-0000:00:14.0-usb-0:2:1.0";
    device.sysname = "event5";
    return device;
}

TEST(Devices, SelectingRuleIsTheFirstMatchOfTheChosenSeat)
{
    config::Config config;
    config.seats = {seat("left", {"name:Other*", "id:046d:c31c", "name:Logitech*"}),
                    seat("right", {"*"})};
    auto match = selecting_rule(config, keyboard());
    ASSERT_TRUE(match);
    EXPECT_EQ(match->seat, "left");
    EXPECT_EQ(match->rule, "id:046d:c31c");
}

TEST(Devices, FallbackSeatAndNoSeat)
{
    config::Config config;
    config.seats = {seat("left", {"name:Other*"}), seat("rest", {"*"})};
    auto match = selecting_rule(config, keyboard());
    ASSERT_TRUE(match);
    EXPECT_EQ(match->seat, "rest");
    EXPECT_EQ(match->rule, "*");

    config.seats = {seat("left", {"name:Other*"})};
    EXPECT_FALSE(selecting_rule(config, keyboard()));
}

TEST(Devices, SuggestedRulesEachPickTheDevice)
{
    const auto rules = suggested_rules(keyboard());
    ASSERT_EQ(rules.size(), 3u);
    EXPECT_EQ(rules[0], "path:pci-0000:00:14.0-usb-0:2:1.0");
    EXPECT_EQ(rules[1], "id:046d:c31c");
    EXPECT_EQ(rules[2], "name:Logitech K120 \\[wired\\]");
    config::DeviceIdentity other = keyboard();
    other.name = "Logitech K120 w";
    for (const auto &text : rules) {
        std::string error;
        auto rule = config::parse_device_rule(text, error);
        ASSERT_TRUE(rule) << text << ": " << error;
        EXPECT_TRUE(config::matches(*rule, keyboard())) << text;
    }
    // The name rule is the exact name, not a pattern.
    std::string error;
    EXPECT_FALSE(config::matches(*config::parse_device_rule(rules[2], error), other));
}

TEST(Devices, NoUsbIdsNoPath)
{
    config::DeviceIdentity device;
    device.name = "headless";
    EXPECT_EQ(suggested_rules(device), std::vector<std::string>{"name:headless"});
}

TEST(Devices, Json)
{
    config::Config config;
    config.seats = {seat("left", {"id:046d:c31c"})};
    const auto json = device_json(config, keyboard(), "keyboard", std::string("left"));
    EXPECT_EQ(json["type"], "keyboard");
    EXPECT_EQ(json["seat"], "left");
    EXPECT_EQ(json["rule"], "id:046d:c31c");
    EXPECT_EQ(json["identity"]["vendor"], "046d");
    EXPECT_EQ(json["identity"]["product"], "c31c");
    EXPECT_EQ(json["identity"]["sysname"], "event5");
    EXPECT_FALSE(json["identity"].contains("wl_seat")); // unset properties are left out
    EXPECT_EQ(json["suggested_rules"].size(), 3u);

    const auto dropped = device_json(config, keyboard(), "keyboard", std::nullopt);
    EXPECT_TRUE(dropped["seat"].is_null());
    EXPECT_TRUE(dropped["rule"].is_null());
}

} // namespace
} // namespace phyllome::control
