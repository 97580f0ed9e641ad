// UsbPolicy: which VM each device goes to, as tables of cases.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "usb/usb_policy.hpp"

namespace phyllome::usb {
namespace {

config::Config parse(std::string_view text)
{
    config::LoadResult result = config::parse_config(text, "t.toml");
    EXPECT_TRUE(result.ok()) << (result.errors.empty() ? "" : to_string(result.errors[0]));
    return result.config.value_or(config::Config{});
}

// A stick on port 2 of the first controller, unless changed.
UsbDevice device(std::string sysname, std::vector<std::uint8_t> classes = {0x08})
{
    UsbDevice d;
    d.sysname = sysname;
    d.syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/" + sysname;
    d.busnum = 1;
    d.devnum = 5;
    d.vendor = 0x0781;
    d.product = 0x5581;
    d.manufacturer = "SanDisk";
    d.product_name = "Ultra";
    d.id_path = "pci-0000:00:14.0-usb-0:" + sysname.substr(2);
    d.classes = std::move(classes);
    return d;
}

constexpr std::string_view kTwoSeats = R"(
[[vm]]
name = "work"
usb_classes = ["storage", "audio", "hid"]
[[vm]]
name = "games"
usb_classes = ["storage"]
[[vm]]
name = "off"
[[seat]]
name = "left"
vm = "work"
outputs = ["DP-1"]
usb = ["path:pci-0000:00:14.0-usb-0:1*", "id:046d:c52b", "*"]
[[seat]]
name = "right"
vm = "games"
outputs = ["DP-2"]
devices = []
usb = ["path:pci-0000:00:14.0-usb-0:2*", "name:Yubico*"]
usb_on_switch = "stay"
)";

struct Case {
    std::string what;
    UsbDevice device;
    PolicyInput extra; // every field but devices
    std::optional<std::string> seat;
    std::optional<std::string> vm;
    std::string reason;
};

PolicyInput base_input()
{
    PolicyInput input;
    input.shown = {{"left", "work"}, {"right", "games"}};
    input.running = {"work", "games"};
    return input;
}

UsbDevice with(UsbDevice d, auto change)
{
    change(d);
    return d;
}

TEST(UsbPolicy, Table)
{
    const config::Config config = parse(kTwoSeats);
    PolicyInput keyboard_of_right = base_input();
    keyboard_of_right.input_carriers["/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3"] = "right";
    PolicyInput keyboard_named = base_input();
    keyboard_named.input_carriers["/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"] = "left";
    PolicyInput logitech_carrier = base_input();
    logitech_carrier.input_carriers["/sys/devices/pci0000:00/0000:00:14.0/usb1/1-4"] = "left";
    PolicyInput right_shows_nothing = base_input();
    right_shows_nothing.shown.erase("right");
    PolicyInput games_off = base_input();
    games_off.running.erase("games");
    PolicyInput right_switched = base_input();
    right_switched.shown["right"] = "work";
    PolicyInput right_switched_in_games = right_switched;
    right_switched_in_games.attached["1-2"] = "games";
    PolicyInput left_switched_in_work = base_input();
    left_switched_in_work.shown["left"] = "games";
    left_switched_in_work.attached["1-1"] = "work";
    PolicyInput pinned_games = base_input();
    pinned_games.pins["1-1"] = "games";
    PolicyInput pinned_off = base_input();
    pinned_off.pins["1-1"] = std::nullopt;
    PolicyInput pinned_keyboard = keyboard_of_right;
    pinned_keyboard.pins["1-3"] = "work";
    PolicyInput pinned_stopped = base_input();
    pinned_stopped.pins["1-1"] = "off";

    const auto logitech = with(device("1-4", {0x03}), [](UsbDevice &d) {
        d.vendor = 0x046d;
        d.product = 0xc52b;
    });
    const auto yubikey = with(device("3-1", {0x03, 0x0b}), [](UsbDevice &d) {
        d.manufacturer = "Yubico";
        d.product_name = "YubiKey OTP+FIDO+CCID";
        d.id_path = "pci-0000:00:1d.0-usb-0:1";
    });

    const std::vector<Case> cases{
        {"port rule, shown VM", device("1-1"), base_input(), "left", "work", ""},
        {"port rule of the second seat", device("1-2"), base_input(), "right", "games", ""},
        {"rules in file order before the fallback", device("1-2.4"), base_input(), "right", "games",
         ""},
        {"fallback takes the rest", device("1-3"), base_input(), "left", "work", ""},
        {"name: rule", yubikey, base_input(), "right", std::nullopt,
         "class hid not allowed for VM 'games'"},
        {"hub", device("1-1", {0x09}), base_input(), "left", std::nullopt,
         "a hub: hubs are never passed through"},
        {"root hub", with(device("1-1"), [](UsbDevice &d) { d.sysname = "usb1"; }), base_input(),
         "left", std::nullopt, "a hub: hubs are never passed through"},
        {"interfaces not read yet", device("1-1", {}), base_input(), "left", std::nullopt,
         "its interfaces are not known yet"},
        {"composite: every class must be allowed", device("1-2", {0x08, 0x01}), base_input(),
         "right", std::nullopt, "class audio not allowed for VM 'games'"},
        {"unnamed class", device("1-1", {0x12}), base_input(), "left", std::nullopt,
         "class other (12) not allowed for VM 'work'"},
        {"a seat's keyboard is not taken by *", device("1-3", {0x03}), keyboard_of_right, "left",
         std::nullopt,
         "input device of seat 'right': name it in usb (path:, id: or name:) to pass it"},
        {"a keyboard named by path: passes", device("1-1", {0x03}), keyboard_named, "left", "work",
         ""},
        {"a keyboard named by id: passes", logitech, logitech_carrier, "left", "work", ""},
        {"a keyboard whose input the devices rules give a seat, before the compositor has it",
         with(device("1-3", {0x03}),
              [](UsbDevice &d) {
                  config::DeviceIdentity keyboard;
                  keyboard.name = "Logitech USB Keyboard";
                  d.inputs.push_back(keyboard);
              }),
         base_input(), "left", std::nullopt,
         "input device of seat 'left': name it in usb (path:, id: or name:) to pass it"},
        {"seat shows no VM", device("1-2"), right_shows_nothing, "right", std::nullopt,
         "seat 'right' shows no VM"},
        {"VM not running", device("1-2"), games_off, "right", std::nullopt,
         "VM 'games' is not running"},
        {"follow: not attached yet, goes to the new VM", device("1-2"), right_switched, "right",
         "work", ""},
        {"stay: stays in the VM it is in", device("1-2"), right_switched_in_games, "right", "games",
         ""},
        {"follow: leaves the VM it is in", device("1-1"), left_switched_in_work, "left", "games",
         ""},
        {"pin wins over the rules", device("1-1"), pinned_games, "left", "games", ""},
        {"pin to nothing", device("1-1"), pinned_off, "left", std::nullopt, "detached by hand"},
        {"a pin may pass a seat's keyboard", device("1-3", {0x03}), pinned_keyboard, "left", "work",
         ""},
        {"a pin still checks the VM runs", device("1-1"), pinned_stopped, "left", std::nullopt,
         "VM 'off' is not running"},
    };
    for (const Case &c : cases) {
        PolicyInput input = c.extra;
        input.devices = {c.device};
        const std::vector<Placement> placed = place(config, input);
        ASSERT_EQ(placed.size(), 1u) << c.what;
        EXPECT_EQ(placed[0].sysname, c.device.sysname) << c.what;
        EXPECT_EQ(placed[0].seat, c.seat) << c.what;
        EXPECT_EQ(placed[0].vm, c.vm) << c.what;
        EXPECT_EQ(placed[0].reason, c.reason) << c.what;
    }
}

TEST(UsbPolicy, NoUsbKeyPassesNothing)
{
    const config::Config config =
        parse("[[vm]]\nname = \"work\"\n[[seat]]\nname = \"s\"\nvm = \"work\"\n");
    PolicyInput input;
    input.devices = {device("1-1")};
    input.shown = {{"s", "work"}};
    input.running = {"work"};
    const auto placed = place(config, input);
    ASSERT_EQ(placed.size(), 1u);
    EXPECT_EQ(placed[0].seat, std::nullopt);
    EXPECT_EQ(placed[0].vm, std::nullopt);
    EXPECT_EQ(placed[0].reason, "no seat's usb rule matches");
}

TEST(UsbPolicy, EmptyUsbClassesLetsNothingIn)
{
    const config::Config config = parse("[[vm]]\nname = \"work\"\nusb_classes = []\n"
                                        "[[seat]]\nname = \"s\"\nvm = \"work\"\nusb = [\"*\"]\n");
    PolicyInput input;
    input.devices = {device("1-1")};
    input.shown = {{"s", "work"}};
    input.running = {"work"};
    EXPECT_EQ(place(config, input).at(0).reason, "class storage not allowed for VM 'work'");
}

TEST(UsbPolicy, SeatRuleIsNotExplicitForKeyboards)
{
    const config::Config config =
        parse("[[vm]]\nname = \"work\"\n[[seat]]\nname = \"s\"\nvm = \"work\"\n"
              "usb = [\"seat:seat1\"]\n");
    UsbDevice keyboard = device("1-1", {0x03});
    keyboard.id_seat = "seat1";
    PolicyInput input;
    input.devices = {keyboard};
    input.shown = {{"s", "work"}};
    input.running = {"work"};
    EXPECT_EQ(place(config, input).at(0).vm, "work");
    input.input_carriers[keyboard.syspath] = "s";
    EXPECT_EQ(place(config, input).at(0).vm, std::nullopt);
}

TEST(UsbDevice, ClassesNameAndIdentity)
{
    EXPECT_EQ(usb_classes(0x08, {0x03}), (std::vector<std::uint8_t>{0x08}));
    EXPECT_EQ(usb_classes(0x00, {0x03, 0x03, 0x08}), (std::vector<std::uint8_t>{0x03, 0x08}));
    EXPECT_EQ(usb_classes(0xef, {0x0e, 0x01, 0x01}), (std::vector<std::uint8_t>{0x0e, 0x01}));
    EXPECT_EQ(usb_classes(0xef, {}), (std::vector<std::uint8_t>{0xef}));
    EXPECT_TRUE(usb_classes(0x00, {}).empty());

    UsbDevice d = device("1-2.3");
    EXPECT_EQ(d.name(), "SanDisk Ultra");
    d.manufacturer.clear();
    EXPECT_EQ(d.name(), "Ultra");
    const config::DeviceIdentity identity = device("1-2.3").identity();
    EXPECT_EQ(identity.name, "SanDisk Ultra");
    EXPECT_EQ(identity.vendor, 0x0781);
    EXPECT_EQ(identity.id_path, "pci-0000:00:14.0-usb-0:2.3");
    EXPECT_EQ(identity.sysname, "1-2.3");
    std::string why;
    EXPECT_TRUE(matches(*config::parse_device_rule("name:SanDisk*", why), identity));
    EXPECT_TRUE(matches(*config::parse_device_rule("id:781:5581", why), identity));
    EXPECT_TRUE(matches(*config::parse_device_rule("path:*-usb-0:2*", why), identity));
}

TEST(UsbDevice, IdPathFallback)
{
    EXPECT_EQ(usb_id_path("pci-0000:00:14.0", "2.3"), "pci-0000:00:14.0-usb-0:2.3");
    EXPECT_EQ(usb_id_path("", "2"), "");
    EXPECT_EQ(usb_id_path("pci-0000:00:14.0", ""), "");
}

} // namespace
} // namespace phyllome::usb
