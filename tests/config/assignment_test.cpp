// Which seat owns a device or an output, and whether a reload moves it.
#include <gtest/gtest.h>

#include "config/assignment.hpp"
#include "test_util.hpp"

namespace phyllome::config {
namespace {

Config parse_ok(std::string_view text)
{
    LoadResult result = testing::parse(text);
    EXPECT_TRUE(result.ok()) << ::testing::PrintToString(testing::messages(result));
    return result.config.value_or(Config{});
}

DeviceIdentity device(std::string name, std::uint16_t vendor, std::uint16_t product,
                      std::string id_path)
{
    DeviceIdentity d;
    d.name = std::move(name);
    d.vendor = vendor;
    d.product = product;
    d.id_path = std::move(id_path);
    return d;
}

const DeviceIdentity kLogitech =
    device("Logitech K120", 0x046d, 0xc31c, "pci-0000:00:14.0-usb-0:1:1.0");
const DeviceIdentity kPortTwoMouse =
    device("PixArt Mouse", 0x093a, 0x2510, "pci-0000:00:14.0-usb-0:2:1.0");
const DeviceIdentity kOther = device("Power Button", 0, 0, "acpi-LNXPWRBN:00");

constexpr std::string_view kThreeSeats = R"(
[[seat]]
name = "a"
outputs = ["DP-1"]
devices = ["name:Logitech*"]

[[seat]]
name = "b"
outputs = ["DP-2"]
devices = ["id:046d:c31c", "*"]

[[seat]]
name = "c"
devices = ["path:*-usb-0:2:*"]
)";

TEST(SeatForDevice, FirstSeatInFileOrderWins)
{
    const Config config = parse_ok(kThreeSeats);
    // Matches a (by name) and b (by id): a comes first.
    EXPECT_EQ(seat_for_device(config, kLogitech), 0u);
}

TEST(SeatForDevice, AnyMatchingRuleBeatsAnEarlierFallback)
{
    const Config config = parse_ok(kThreeSeats);
    EXPECT_EQ(seat_for_device(config, kPortTwoMouse), 2u);
}

TEST(SeatForDevice, UnclaimedDevicesGoToTheFallback)
{
    const Config config = parse_ok(kThreeSeats);
    EXPECT_EQ(seat_for_device(config, kOther), 1u);
}

TEST(SeatForDevice, NoFallbackMeansNoSeat)
{
    const Config config = parse_ok(R"(
[[seat]]
name = "a"
devices = ["seat:seat1"]
)");
    EXPECT_EQ(seat_for_device(config, kOther), std::nullopt);
    DeviceIdentity tagged = kOther;
    tagged.wl_seat = "seat1";
    EXPECT_EQ(seat_for_device(config, tagged), 0u);
}

TEST(SeatForDevice, DefaultConfigTakesEverything)
{
    EXPECT_EQ(seat_for_device(default_config(), kOther), 0u);
    EXPECT_EQ(seat_for_device(default_config(), DeviceIdentity{}), 0u);
}

TEST(SeatForOutput, ListedElseTheRest)
{
    const Config config = parse_ok(kThreeSeats);
    EXPECT_EQ(seat_for_output(config, "DP-1"), 0u);
    EXPECT_EQ(seat_for_output(config, "DP-2"), 1u);
    EXPECT_EQ(seat_for_output(config, "HDMI-A-1"), 2u); // c omits outputs
    EXPECT_EQ(seat_for_output(default_config(), "eDP-1"), 0u);

    const Config listed_only = parse_ok("[[seat]]\nname = \"a\"\noutputs = [\"DP-1\"]\n");
    EXPECT_EQ(seat_for_output(listed_only, "DP-2"), std::nullopt);
}

TEST(DeviceMove, ReportsOldAndNewSeat)
{
    const Config before = parse_ok(kThreeSeats);
    // Seat a no longer claims Logitech devices: it falls to b by its id rule.
    std::string changed(kThreeSeats);
    changed.replace(changed.find("name:Logitech*"), 14, "name:Cherry*");
    const Config after = parse_ok(changed);

    const SeatMove moved = device_move(before, after, kLogitech);
    EXPECT_EQ(moved.old_seat, "a");
    EXPECT_EQ(moved.new_seat, "b");
    EXPECT_TRUE(moved.moved());

    const SeatMove stayed = device_move(before, after, kPortTwoMouse);
    EXPECT_EQ(stayed, (SeatMove{"c", "c"}));
    EXPECT_FALSE(stayed.moved());
}

TEST(DeviceMove, ToAndFromNoSeat)
{
    const Config before = parse_ok(kThreeSeats);
    const Config after = parse_ok("[[seat]]\nname = \"a\"\ndevices = [\"name:Logitech*\"]\n");
    EXPECT_EQ(device_move(before, after, kOther), (SeatMove{"b", std::nullopt}));
    EXPECT_EQ(device_move(after, before, kOther), (SeatMove{std::nullopt, "b"}));
    EXPECT_FALSE(device_move(after, before, kLogitech).moved());
}

TEST(OutputMove, OutputChangesSeat)
{
    const Config before = parse_ok(kThreeSeats);
    std::string changed(kThreeSeats);
    changed.replace(changed.find("[\"DP-1\"]"), 8, "[\"DP-1\", \"HDMI-A-1\"]");
    const Config after = parse_ok(changed);
    EXPECT_EQ(output_move(before, after, "HDMI-A-1"), (SeatMove{"c", "a"}));
    EXPECT_FALSE(output_move(before, after, "DP-1").moved());
}

} // namespace
} // namespace phyllome::config
