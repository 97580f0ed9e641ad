// Two real Linux guests (tests/guest: Debian's kernel, busybox and a program
// printing every input event to the serial port) shown on two seats of one
// in-process session, with headless keyboards and mice named for the seats'
// device rules. What each guest's kernel received is read from its serial
// port: seat A's typing arrives in VM A and nowhere else; clicks, wheel
// steps and motion arrive as the right evdev events, through an absolute
// pointer (virtio tablet) in VM A and a relative one (PS/2 mouse) in VM B.
#include <filesystem>
#include <linux/input-event-codes.h>

#include <gtest/gtest.h>

#include "compositor/input_devices.hpp"
#include "compositor/wlr_compat.hpp"
#include "tests/support/guest.hpp"
#include "tests/support/headless_input.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/seated_vms.hpp"

namespace phyllome::test {
namespace {

using namespace std::chrono_literals;

// Generous: under TCG on a loaded machine the guest boots in tens of seconds.
constexpr auto kBootTimeout = 180s;
constexpr auto kEventTimeout = 30s;

constexpr char kKeyboard[] = "AT Translated Set 2 keyboard";
constexpr char kTablet[] = "QEMU Virtio Tablet";
constexpr char kPs2Mouse[] = "ImExPS/2 Generic Explorer Mouse";

// Everything that lives for the whole suite: booting two guests per test
// would cost a minute each under TCG.
struct Guests {
    std::string dir;
    config::Config config;
    std::unique_ptr<InProcessSession> session;
    std::unique_ptr<SeatedVms> side;
    std::unique_ptr<GuestVm> vm_a, vm_b;
    wlr_input_device *keyboard_a = nullptr, *keyboard_b = nullptr;
    wlr_input_device *mouse_a = nullptr, *mouse_b = nullptr;
    std::string accelerator;

    ~Guests()
    {
        side.reset();
        vm_a.reset();
        vm_b.reset();
        session.reset();
        if (!dir.empty())
            std::filesystem::remove_all(dir);
    }
};

class RealGuests : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        const char *qemu = getenv("QEMU");
        if (!qemu || !*qemu)
            return; // each test skips
        guests_ = new Guests;
        try {
            start();
        } catch (const std::exception &error) {
            setup_error_ = error.what();
        }
    }

    static void TearDownTestSuite()
    {
        delete guests_;
        guests_ = nullptr;
    }

    void SetUp() override
    {
        if (!guests_)
            GTEST_SKIP() << "qemu-system-x86_64 is not installed";
        ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    }

    static void start()
    {
        Guests &g = *guests_;
        std::string dir =
            (std::filesystem::temp_directory_path() / "phyllome-guests-XXXXXX").string();
        if (!mkdtemp(dir.data()))
            throw std::runtime_error("mkdtemp failed");
        g.dir = dir;

        const GuestImage image = build_guest();
        g.accelerator = guest_accelerator();
        // VM A points with a virtio tablet (absolute, as the session's
        // VM model does); VM B has only the PS/2 mouse (relative).
        g.vm_a = std::make_unique<GuestVm>(image, "a", dir, g.accelerator,
                                           std::vector<std::string>{"virtio-tablet-pci"});
        g.vm_b =
            std::make_unique<GuestVm>(image, "b", dir, g.accelerator, std::vector<std::string>{});

        for (const char *name : {"a", "b"}) {
            config::Vm vm;
            vm.name = name;
            vm.follow_output = false;
            g.config.vms.push_back(vm);
        }
        auto seat = [&](const char *name, const char *output, const char *rule) {
            config::Seat s;
            s.name = name;
            s.vm = name;
            s.outputs = {output};
            std::string error;
            s.devices = {*config::parse_device_rule(rule, error)};
            g.config.seats.push_back(s);
        };
        seat("a", "HEADLESS-1", "name:A *");
        seat("b", "HEADLESS-2", "name:B *");

        Server::Settings settings;
        settings.headless = {{720, 400}, {720, 400}};
        connect_server(settings, g.side);
        g.session = std::make_unique<InProcessSession>(std::move(settings), [](Server &server) {
            Guests &g = *guests_;
            g.side = std::make_unique<SeatedVms>(
                server, []() -> const config::Config & { return guests_->config; });
            // The devices come once the session's input devices listen.
            g.keyboard_a = add_named_device(server, InputDeviceKind::Keyboard, "A keyboard");
            g.keyboard_b = add_named_device(server, InputDeviceKind::Keyboard, "B keyboard");
            g.mouse_a = add_named_device(server, InputDeviceKind::Pointer, "A mouse");
            g.mouse_b = add_named_device(server, InputDeviceKind::Pointer, "B mouse");
        });
        g.vm_a->watch_on(g.session->server().event_loop());
        g.vm_b->watch_on(g.session->server().event_loop());
        g.side->fleet.attach("a", base::UniqueFd(g.vm_a->qmp().attach_dbus_display()));
        g.side->fleet.attach("b", base::UniqueFd(g.vm_b->qmp().attach_dbus_display()));

        // Both printers have opened every input device of their guest.
        auto booted = [](const GuestVm &vm, bool tablet) {
            return vm.event_node(kKeyboard) && vm.event_node(tablet ? kTablet : kPs2Mouse) &&
                   vm.serial().find("\nready") != std::string::npos;
        };
        if (!g.session->dispatch_until(
                [&] {
                    return g.session->ready() && booted(*g.vm_a, true) && booted(*g.vm_b, false);
                },
                kBootTimeout))
            throw std::runtime_error("the guests did not boot (" + g.accelerator + ").\nVM a:\n" +
                                     g.vm_a->serial() + "\nVM b:\n" + g.vm_b->serial());
    }

    static bool dispatch_until(const std::function<bool()> &done)
    {
        return guests_->session->dispatch_until(done, kEventTimeout);
    }

    // One detent of a wheel turned towards the user (scrolling down).
    static void wheel_step_down(wlr_input_device *device)
    {
        compat::emit_scroll(
            device,
            {.axis = input::ScrollAxis::Vertical, .unit = input::ScrollUnit::V120, .value = 120});
    }

    static void move(wlr_input_device *device, double dx, double dy)
    {
        compat::emit_motion(device, {dx, dy, dx, dy});
    }

    static std::vector<std::string> events(const GuestVm &vm, const char *device)
    {
        const auto node = vm.event_node(device);
        return node ? vm.events_of(*node) : std::vector<std::string>{};
    }

    static bool has(const std::vector<std::string> &events, const std::string &event)
    {
        return std::find(events.begin(), events.end(), event) != events.end();
    }

    // Key presses and releases only: a key held long enough (a slow TCG
    // guest) also gets the guest's own autorepeat, value 2.
    static std::vector<std::string> presses_and_releases(const std::vector<std::string> &events)
    {
        std::vector<std::string> kept;
        for (const std::string &event : events)
            if (event.rfind("key ", 0) == 0 && event.back() != '2')
                kept.push_back(event);
        return kept;
    }

    static inline Guests *guests_ = nullptr;
    static inline std::string setup_error_;
};

TEST_F(RealGuests, TypingOnSeatAReachesOnlyVmA)
{
    Guests &g = *guests_;
    const std::vector<uint32_t> word = {KEY_P, KEY_H, KEY_Y, KEY_L, KEY_L, KEY_O, KEY_M, KEY_E};
    std::vector<std::string> expected;
    for (uint32_t code : word) {
        key(g.keyboard_a, code, true);
        key(g.keyboard_a, code, false);
        expected.push_back("key " + std::to_string(code) + " 1");
        expected.push_back("key " + std::to_string(code) + " 0");
    }
    ASSERT_TRUE(dispatch_until([&] {
        return presses_and_releases(events(*g.vm_a, kKeyboard)).size() >= expected.size();
    })) << "VM A's serial:\n"
        << g.vm_a->serial();
    EXPECT_EQ(presses_and_releases(events(*g.vm_a, kKeyboard)), expected) << g.vm_a->serial();

    // Then one key on seat B: once it is in VM B's log, anything seat A's
    // typing sent to VM B would be there before it.
    key(g.keyboard_b, KEY_B, true);
    key(g.keyboard_b, KEY_B, false);
    const std::vector<std::string> only_b = {"key 48 1", "key 48 0"};
    ASSERT_TRUE(dispatch_until([&] {
        return presses_and_releases(events(*g.vm_b, kKeyboard)).size() >= 2;
    })) << "VM B's serial:\n"
        << g.vm_b->serial();
    EXPECT_EQ(presses_and_releases(events(*g.vm_b, kKeyboard)), only_b) << g.vm_b->serial();
    EXPECT_EQ(presses_and_releases(events(*g.vm_a, kKeyboard)), expected)
        << "seat B's key reached VM A";
}

TEST_F(RealGuests, ClickAndWheelReachAnAbsoluteGuestAsTabletEvents)
{
    Guests &g = *guests_;
    // A quarter across the output is a quarter across the guest's text
    // console (720x400, like the output): the tablet's axes run 0..32767.
    // (QEMU 7.2 misreports the tablet as relative at first; the session
    // learns from QEMU's refusal and sends the position again.)
    auto at_a_quarter = [&] {
        std::optional<int> x;
        for (const std::string &event : events(*g.vm_a, kTablet)) {
            int value = 0;
            if (sscanf(event.c_str(), "abs 0 %d", &value) == 1)
                x = value;
        }
        return x && *x > 8192 - 200 && *x < 8192 + 200;
    };
    warp(g.mouse_a, 0.25, 0.5);
    ASSERT_TRUE(dispatch_until(at_a_quarter)) << g.vm_a->serial();

    button(g.mouse_a, BTN_LEFT, true);
    button(g.mouse_a, BTN_LEFT, false);
    wheel_step_down(g.mouse_a);
    ASSERT_TRUE(dispatch_until([&] { return has(events(*g.vm_a, kTablet), "rel 8 -1"); }))
        << g.vm_a->serial();
    const auto tablet = events(*g.vm_a, kTablet);
    EXPECT_TRUE(has(tablet, "key 272 1")) << g.vm_a->serial();
    EXPECT_TRUE(has(tablet, "key 272 0")) << g.vm_a->serial();
    EXPECT_TRUE(events(*g.vm_b, kPs2Mouse).empty()) << "seat A's mouse reached VM B";
}

TEST_F(RealGuests, ClickAndWheelReachARelativeGuestAsMouseEvents)
{
    Guests &g = *guests_;
    move(g.mouse_b, 7, 0);
    button(g.mouse_b, BTN_RIGHT, true);
    button(g.mouse_b, BTN_RIGHT, false);
    wheel_step_down(g.mouse_b);
    ASSERT_TRUE(dispatch_until([&] { return has(events(*g.vm_b, kPs2Mouse), "rel 8 -1"); }))
        << g.vm_b->serial();
    const auto mouse = events(*g.vm_b, kPs2Mouse);
    EXPECT_TRUE(has(mouse, "key 273 1")) << g.vm_b->serial();
    EXPECT_TRUE(has(mouse, "key 273 0")) << g.vm_b->serial();
    int moved = 0;
    for (const std::string &event : mouse) {
        int value = 0;
        if (sscanf(event.c_str(), "rel 0 %d", &value) == 1)
            moved += value;
    }
    EXPECT_EQ(moved, 7) << g.vm_b->serial();
    for (const std::string &event : events(*g.vm_a, kTablet))
        EXPECT_NE(event, "key 273 1") << "seat B's click reached VM A";
}

} // namespace
} // namespace phyllome::test
