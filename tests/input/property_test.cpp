// The routing property, checked on 1,000,000 random input events (fixed
// seed, so a failure reproduces) from 4 keyboards and 3 pointers on 3 seats,
// with VM switches (some from host-key commands, switching from inside the
// handler), refused attempts to bind a VM to a second seat, unplugs,
// re-plugs, config reloads and display disconnects in between. Each fake VM
// console knows which seat holds it at every moment and fails on anything
// from another seat, on a press of something already down, on a release of
// something up and on any part of a host-command key. Host chords are per
// seat: a command runs exactly when the seat's keyboards together hold
// host_keys (another seat's never count), checked on every key press. The
// pointers also touch (only a device's first finger holds the left button)
// and the release_input chord releases seats: while released, a seat's VM
// gets nothing until a click or the chord grabs it again. After every step,
// whatever a VM holds down is physically held on its seat; at the end, once
// every key and button is let go, no VM holds anything.
#include <algorithm>
#include <gtest/gtest.h>

#include <linux/input-event-codes.h>
#include <xkbcommon/xkbcommon-keysyms.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "config/config.hpp"
#include "input/host_keys.hpp"
#include "input/qnum.hpp"
#include "input/router.hpp"

namespace phyllome::input {
namespace {

constexpr int kEvents = 1'000'000;
constexpr int kKeyboards = 4, kPointers = 3, kDevices = kKeyboards + kPointers;
constexpr int kVms = 5;
const std::array<std::string, 3> kSeatNames = {"s0", "s1", "s2"};

// Who may receive what while the router works on one call.
struct World {
    std::string sender;                    // the seat of the event; "" for none
    bool releases_only = false;            // a switch, unplug, reload or disconnect
    std::set<std::string> releasing_seats; // whose VMs may then get releases
    std::set<std::string> released_seats;  // input released: nothing may reach their VMs
    std::size_t failures = 0;
    std::string first_failure;
    // Key transitions any VM got during one router call.
    std::vector<std::pair<std::uint32_t, bool>> keys_this_call;

    void fail(const std::string &what)
    {
        if (failures++ == 0)
            first_failure = what;
    }
};

// One console of one fake VM.
class Console : public VmInput {
public:
    Console(World &world, std::string name) : world_(world), name_(std::move(name)) {}

    void key(std::uint32_t qnum, bool pressed) override
    {
        check(!pressed, "key");
        track(keys, qnum, pressed, "key");
        world_.keys_this_call.emplace_back(qnum, pressed);
        delivered += pressed;
    }
    void button(std::uint32_t b, bool pressed) override
    {
        check(!pressed, "button");
        if (b > qemu_button::kWheelRight)
            world_.fail(name_ + ": button " + std::to_string(b) + " out of QEMU's range");
        track(buttons, b, pressed, "button");
        delivered += pressed;
    }
    void move_absolute(std::uint32_t x, std::uint32_t y) override
    {
        check(false, "absolute motion");
        if (!is_absolute)
            world_.fail(name_ + ": absolute motion to a relative guest");
        if (x >= width || y >= height)
            world_.fail(name_ + ": position outside the console");
        ++moves;
    }
    void move_relative(std::int32_t, std::int32_t) override
    {
        check(false, "relative motion");
        if (is_absolute)
            world_.fail(name_ + ": relative motion to an absolute guest");
        ++moves;
    }
    bool absolute() const override { return is_absolute; }

    const std::string &name() const { return name_; }

    std::string owner; // the seat holding this console now; "" for none
    bool is_absolute = true;
    std::uint32_t width = 640, height = 480;
    std::set<std::uint32_t> keys, buttons; // down in this guest
    std::size_t delivered = 0, moves = 0;

private:
    void check(bool release, const char *what)
    {
        if (owner.empty()) {
            world_.fail(name_ + ": " + what + " while no seat holds it");
        } else if (world_.releases_only) {
            if (!release)
                world_.fail(name_ + ": " + what + " press during a release-only change");
            if (!world_.releasing_seats.contains(owner))
                world_.fail(name_ + ": " + what + " release for seat " + owner);
        } else if (world_.released_seats.contains(owner)) {
            world_.fail(name_ + ": " + what + " while seat " + owner + "'s input is released");
        } else if (owner != world_.sender) {
            world_.fail(name_ + ": " + what + " from seat '" + world_.sender +
                        "' but it belongs to '" + owner + "'");
        }
    }
    void track(std::set<std::uint32_t> &down, std::uint32_t code, bool pressed, const char *what)
    {
        if (pressed ? !down.insert(code).second : down.erase(code) != 1)
            world_.fail(name_ + ": " + what + " " + std::to_string(code) +
                        (pressed ? " pressed while down" : " released while up"));
    }

    World &world_;
    std::string name_;
};

struct Vm {
    Vm(World &world, int i)
        : main(world, "vm" + std::to_string(i)), second(world, "vm" + std::to_string(i) + ".1")
    {
    }
    Console main;   // keys, and the pointer on the seat's first output
    Console second; // the pointer on a seat's second output
    config::Scaling scaling = config::Scaling::Fit;
    std::string seat() const { return main.owner; }
    bool idle() const
    {
        return main.keys.empty() && main.buttons.empty() && second.keys.empty() &&
               second.buttons.empty();
    }
};

// A US layout for the keys typed.
struct KeyDef {
    std::uint32_t evdev, keysym;
};
constexpr KeyDef kKeys[] = {
    {KEY_LEFTCTRL, XKB_KEY_Control_L},
    {KEY_LEFTALT, XKB_KEY_Alt_L},
    {KEY_LEFTMETA, XKB_KEY_Super_L},
    {KEY_LEFTSHIFT, XKB_KEY_Shift_L},
    {KEY_RIGHT, XKB_KEY_Right},
    {KEY_LEFT, XKB_KEY_Left},
    {KEY_ENTER, XKB_KEY_Return},
    {KEY_END, XKB_KEY_End},
    {KEY_I, XKB_KEY_i},
    {KEY_F2, XKB_KEY_F2},
    {KEY_A, XKB_KEY_a},
    {KEY_C, XKB_KEY_c},
    {KEY_CAPSLOCK, XKB_KEY_Caps_Lock},
    {KEY_KPENTER, XKB_KEY_KP_Enter},
    {KEY_ESC, XKB_KEY_Escape},
    {0, 0},
    {500, 0}, // no qnum: dropped
};
// The default configuration's host_keys and the keys that complete a
// command with them ([keys], release_input and F2, a VT switch).
constexpr std::uint32_t kHostKeys = config::kModCtrl | config::kModAlt | config::kModSuper;
// KEY_C is the default clipboard_take.
const std::set<std::uint32_t> kCommandKeys = {KEY_RIGHT, KEY_LEFT, KEY_ENTER, KEY_END,
                                              KEY_I,     KEY_F2,   KEY_ESC,   KEY_C};

std::uint32_t keysym_of(std::uint32_t evdev)
{
    for (const KeyDef &k : kKeys) {
        if (k.evdev == evdev)
            return k.keysym;
    }
    return 0;
}

constexpr std::uint32_t kButtons[] = {BTN_LEFT, BTN_RIGHT, BTN_MIDDLE,
                                      BTN_SIDE, BTN_EXTRA, BTN_TASK};

struct Device {
    config::DeviceIdentity identity;
    bool keyboard = false;
    bool plugged = false;
    std::optional<std::string> seat; // where the configuration puts it
    std::set<std::uint32_t> down;    // physically held keys or buttons
    // Keys pressed since the device came to its seat (what its seat's host
    // keys know is down).
    std::set<std::uint32_t> seat_down;
    std::optional<std::int32_t> touch; // the finger holding the left button
};

class Property {
public:
    Property()
        : router_(
              config::default_config(),
              {.command = [this](const std::string &seat, HostCommand c) { on_command(seat, c); },
               .grab_changed =
                   [this](const std::string &seat, bool grabbed) {
                       on_grab(seat, grabbed);
                   }})
    {
        for (int i = 0; i < kVms; ++i)
            vms_.push_back(std::make_unique<Vm>(world_, i));
        for (int i = 0; i < kDevices; ++i) {
            devices_[i].identity.name = "dev" + std::to_string(i);
            devices_[i].keyboard = i < kKeyboards;
        }
        reload();
        for (int i = 0; i < kDevices; ++i)
            plug(i);
    }

    void run()
    {
        for (int n = 0; n < kEvents && world_.failures == 0;) {
            n += step(); // counts input events, not the changes in between
            check_nothing_sticks();
        }
        // Let go of everything still held, then nothing may be down anywhere.
        for (int i = 0; i < kDevices; ++i) {
            for (std::uint32_t code : std::set(devices_[i].down))
                devices_[i].keyboard ? key(i, code, false) : button(i, code, false);
            if (devices_[i].touch)
                touch_up(i, *devices_[i].touch);
        }
        for (const auto &vm : vms_) {
            if (!vm->idle())
                world_.fail(vm->main.name() + " still holds a key or button at the end");
        }
        for (int i = 0; i < kDevices; ++i)
            unplug(i);
    }

    World world_;
    std::map<std::string, std::size_t> counts_;
    std::size_t delivered() const
    {
        std::size_t n = 0;
        for (const auto &vm : vms_)
            n += vm->main.delivered + vm->second.delivered;
        return n;
    }

private:
    // One random input event (returns 1) or change (returns 0).
    int step()
    {
        const int r = static_cast<int>(rng_() % 1000);
        const int p = kKeyboards + static_cast<int>(rng_() % kPointers);
        if (r < 400)
            key_event();
        else if (r < 550)
            button_event(p);
        else if (r < 700)
            motion_absolute(p);
        else if (r < 800)
            motion_relative(p);
        else if (r < 850)
            scroll(p);
        else if (r < 900)
            touch_event(p);
        if (r < 900)
            return 1;
        if (r < 940)
            switch_vm(kSeatNames[rng_() % 3], std::nullopt);
        else if (r < 955)
            plugging();
        else if (r < 962)
            reload();
        else if (r < 967)
            disconnect();
        else if (r < 990)
            flip_absolute();
        else
            steal_attempt();
        return 0;
    }

    // An event of device d follows: only its seat's VM may hear of it.
    void sender(int d)
    {
        const Device &dev = devices_[d];
        world_.releases_only = false;
        world_.sender = dev.plugged && dev.seat ? *dev.seat : "";
    }
    void releasing(std::set<std::string> seats)
    {
        world_.releases_only = true;
        world_.releasing_seats = std::move(seats);
    }

    void key_event()
    {
        const int d = static_cast<int>(rng_() % kKeyboards);
        const KeyDef &k = kKeys[rng_() % std::size(kKeys)];
        bool pressed = !devices_[d].down.contains(k.evdev);
        if (rng_() % 50 == 0)
            pressed = !pressed; // a stray release or a repeated press
        sender(d);
        key(d, k.evdev, pressed);
    }
    void key(int d, std::uint32_t evdev, bool pressed)
    {
        Device &dev = devices_[d];
        const std::uint32_t keysym = keysym_of(evdev);
        // The keyboard reports its own modifiers only.
        std::uint32_t mods = 0;
        for (std::uint32_t code : dev.down)
            mods |= modifier_bit(keysym_of(code));
        const bool repeat = pressed && dev.down.contains(evdev);
        const bool want_command =
            dev.plugged && dev.seat && pressed && !dev.seat_down.contains(evdev) &&
            kCommandKeys.contains(evdev) &&
            ((mods | seat_modifiers_elsewhere(d)) & kChordModifiers) == kHostKeys;
        sender(d);
        const std::size_t commands = commands_run();
        world_.keys_this_call.clear();
        router_.key(id(d), evdev, keysym, pressed, mods);
        pressed ? (void)dev.down.insert(evdev) : (void)dev.down.erase(evdev);
        if (dev.plugged && dev.seat)
            pressed ? (void)dev.seat_down.insert(evdev) : (void)dev.seat_down.erase(evdev);

        const bool got_command = commands_run() > commands;
        if (got_command != want_command)
            world_.fail(std::string(want_command ? "no command" : "a command") + " from key " +
                        std::to_string(evdev) + " of " + dev.identity.name);
        if (got_command && (mods & kChordModifiers) != kHostKeys)
            ++counts_["split chord"]; // host_keys spread over the seat's keyboards

        // No part of a command key reaches a guest: its press sends no
        // press of it (releases of the same key held elsewhere on the seat
        // may go out when the command switches VMs), its release nothing.
        const auto swallowed = std::pair{d, evdev};
        if (pressed && commands_run() > commands)
            swallowed_.insert(swallowed);
        if (repeat) {
            // Not a physical transition: after a move to another seat it
            // reads as a new press there, so the key is no longer tracked.
            swallowed_.erase(swallowed);
        }
        if (swallowed_.contains(swallowed)) {
            const auto qnum = evdev_to_qnum(evdev);
            for (const auto &[q, down] : world_.keys_this_call) {
                if (qnum == q && (down || !pressed))
                    world_.fail("command key " + std::to_string(evdev) + " reached a guest");
            }
            if (!pressed)
                swallowed_.erase(swallowed);
        }
    }

    // Host commands and release_input toggles.
    std::size_t commands_run()
    {
        return counts_["command"] + counts_["grab"] + counts_["release input"];
    }

    // Chord modifiers held on the other keyboards of d's seat.
    std::uint32_t seat_modifiers_elsewhere(int d) const
    {
        std::uint32_t bits = 0;
        for (int other = 0; other < kKeyboards; ++other) {
            const Device &dev = devices_[other];
            if (other == d || !dev.plugged || dev.seat != devices_[d].seat)
                continue;
            for (std::uint32_t code : dev.seat_down)
                bits |= modifier_bit(keysym_of(code));
        }
        return bits;
    }

    // At every moment, whatever a VM holds down is held down physically on
    // a device of the seat that holds the VM: nothing is stuck, even for a
    // while.
    void check_nothing_sticks()
    {
        for (const auto &vm : vms_) {
            for (const Console *c : {&vm->main, &vm->second}) {
                for (std::uint32_t q : c->keys) {
                    if (!held_by_seat(c->owner,
                                      [q](std::uint32_t code) { return evdev_to_qnum(code) == q; }))
                        world_.fail(c->name() + ": key " + std::to_string(q) + " stuck");
                }
                for (std::uint32_t b : c->buttons) {
                    if (!held_by_seat(c->owner, [b](std::uint32_t code) {
                            return evdev_to_qemu_button(code) == b;
                        }))
                        world_.fail(c->name() + ": button " + std::to_string(b) + " stuck");
                }
            }
        }
    }
    template <typename Match> bool held_by_seat(const std::string &seat, Match match) const
    {
        for (const Device &dev : devices_) {
            if (!dev.plugged || dev.seat != seat)
                continue;
            for (std::uint32_t code : dev.down) {
                if (match(code))
                    return true;
            }
            if (dev.touch && match(BTN_LEFT))
                return true;
        }
        return false;
    }

    void button_event(int d)
    {
        const std::uint32_t b = kButtons[rng_() % std::size(kButtons)];
        button(d, b, !devices_[d].down.contains(b));
    }
    void button(int d, std::uint32_t b, bool pressed)
    {
        sender(d);
        router_.button(id(d), b, pressed);
        pressed ? (void)devices_[d].down.insert(b) : (void)devices_[d].down.erase(b);
    }
    // Up to three fingers; only the device's first one down holds the left
    // button, and its fingers may land anywhere (off the frame too).
    void touch_event(int d)
    {
        Device &dev = devices_[d];
        const std::int32_t finger = static_cast<std::int32_t>(rng_() % 3);
        std::uniform_real_distribution<double> pos(-50.0, 2000.0);
        sender(d);
        switch (rng_() % 3) {
        case 0:
            router_.touch_down(id(d), finger, rng_() % 3, pos(rng_), pos(rng_));
            if (dev.plugged && dev.seat && !dev.touch)
                dev.touch = finger;
            break;
        case 1:
            router_.touch_motion(id(d), finger, rng_() % 3, pos(rng_), pos(rng_));
            break;
        default:
            touch_up(d, finger);
        }
        if (router_.touch_point(id(d)) != dev.touch)
            world_.fail(dev.identity.name + ": another finger drives the pointer");
    }
    void touch_up(int d, std::int32_t finger)
    {
        sender(d);
        router_.touch_up(id(d), finger);
        if (devices_[d].touch == finger)
            devices_[d].touch.reset();
    }

    void motion_absolute(int d)
    {
        std::uniform_real_distribution<double> pos(-50.0, 2000.0);
        sender(d);
        router_.motion_absolute(id(d), rng_() % 3, pos(rng_), pos(rng_));
    }
    void motion_relative(int d)
    {
        std::uniform_real_distribution<double> delta(-20.0, 20.0);
        sender(d);
        router_.motion_relative(id(d), delta(rng_), delta(rng_));
    }
    void scroll(int d)
    {
        const auto axis = rng_() % 2 ? ScrollAxis::Vertical : ScrollAxis::Horizontal;
        sender(d);
        if (rng_() % 2) {
            const int v120[] = {-240, -120, -60, -15, 15, 40, 120, 360};
            router_.axis(id(d), axis, ScrollUnit::V120, v120[rng_() % std::size(v120)]);
        } else {
            std::uniform_real_distribution<double> px(-30.0, 30.0);
            router_.axis(id(d), axis, ScrollUnit::Pixels, px(rng_));
        }
    }

    // Host commands arrive inside router_.key(); switching from here
    // re-enters the router, as the compositor will.
    void on_grab(const std::string &seat, bool grabbed)
    {
        ++counts_[grabbed ? "grab" : "release input"];
        if (world_.sender != seat)
            world_.fail("input of seat " + seat + " grabbed or released from " + world_.sender);
        grabbed ? (void)world_.released_seats.erase(seat)
                : (void)world_.released_seats.insert(seat);
    }

    void on_command(const std::string &seat, HostCommand c)
    {
        ++counts_["command"];
        if (world_.sender != seat)
            world_.fail("command for seat " + seat + " from " + world_.sender);
        if (c.kind == HostCommand::Kind::NextVm || c.kind == HostCommand::Kind::PrevVm) {
            const std::string saved = world_.sender;
            switch_vm(seat, c.kind == HostCommand::Kind::NextVm ? 1 : -1);
            world_.releases_only = false;
            world_.sender = saved;
        }
    }

    // Shows another VM, or none, on the seat. `direction` cycles; without
    // it the choice is random.
    void switch_vm(const std::string &seat, std::optional<int> direction)
    {
        if (!config_.find_seat(seat))
            return;
        int current = -1;
        std::vector<int> free;
        for (int i = 0; i < kVms; ++i) {
            if (vms_[i]->seat() == seat)
                current = i;
            if (vms_[i]->seat().empty())
                free.push_back(i);
        }
        int next = -1; // none
        if (direction) {
            for (int step = 1; step <= kVms; ++step) {
                const int i = ((current < 0 ? 0 : current) + *direction * step + kVms) % kVms;
                if (vms_[i]->seat().empty()) {
                    next = i;
                    break;
                }
            }
        } else if (rng_() % 5 != 0 && !free.empty()) {
            next = free[rng_() % free.size()];
        }
        if (next == current)
            return;
        releasing({seat});
        if (!router_.set_seat_vm(seat, next < 0 ? nullptr : &vms_[next]->main))
            world_.fail("set_seat_vm refused a free VM");
        if (current >= 0) {
            vms_[current]->main.owner.clear();
            vms_[current]->second.owner.clear();
            if (!vms_[current]->idle())
                world_.fail(vms_[current]->main.name() + " left with keys down");
        }
        if (next >= 0) {
            Vm &vm = *vms_[next];
            vm.main.owner = vm.second.owner = seat;
            set_heads(seat, vm);
        }
        ++counts_["switch"];
    }

    // s1 has two outputs, the second showing the VM's second console.
    void set_heads(const std::string &seat, Vm &vm)
    {
        const std::pair<std::uint32_t, std::uint32_t> sizes[] = {
            {640, 480}, {1024, 768}, {1920, 1080}, {800, 600}, {2560, 1440}};
        const auto [w, h] = sizes[rng_() % std::size(sizes)];
        vm.main.width = w;
        vm.main.height = h;
        vm.second.width = h; // portrait
        vm.second.height = w;
        vm.scaling = static_cast<config::Scaling>(rng_() % 4);
        std::vector<Head> heads;
        if (seat == "s1") {
            heads.push_back({input::place_frame(w, h, 1920, 1080, vm.scaling), nullptr});
            heads.push_back({input::place_frame(h, w, 1280, 1024, vm.scaling), &vm.second});
        } else {
            heads.push_back({input::place_frame(w, h, 1366, 768, vm.scaling), nullptr});
        }
        if (!router_.set_seat_heads(seat, std::move(heads)))
            world_.fail("set_seat_heads refused");
    }

    // Binding a VM that another seat holds must be refused and change nothing.
    void steal_attempt()
    {
        Vm &vm = *vms_[rng_() % kVms];
        const std::string &thief = kSeatNames[rng_() % 3];
        if (vm.seat().empty() || vm.seat() == thief)
            return;
        releasing({});
        if (router_.set_seat_vm(thief, &vm.main))
            world_.fail("a VM was bound to two seats");
        ++counts_["steal"];
    }

    void flip_absolute()
    {
        Vm &vm = *vms_[rng_() % kVms];
        vm.main.is_absolute = !vm.main.is_absolute;
        vm.second.is_absolute = vm.main.is_absolute;
    }

    void plugging()
    {
        const int d = static_cast<int>(rng_() % kDevices);
        if (devices_[d].plugged)
            unplug(d);
        else
            plug(d);
    }
    void unplug(int d)
    {
        Device &dev = devices_[d];
        if (!dev.plugged)
            return;
        releasing(dev.seat ? std::set{*dev.seat} : std::set<std::string>{});
        router_.remove_device(id(d));
        dev.plugged = false;
        dev.down.clear();
        dev.seat_down.clear();
        dev.touch.reset();
        std::erase_if(swallowed_, [d](const auto &k) { return k.first == d; });
        ++counts_["unplug"];
    }
    void plug(int d)
    {
        Device &dev = devices_[d];
        releasing({});
        ++generation_[d]; // a re-plug may come back under a new id
        const auto seat = router_.add_device(id(d), dev.identity);
        dev.plugged = true;
        if (seat != dev.seat)
            world_.fail(dev.identity.name + " plugged into the wrong seat");
    }
    DeviceId id(int d) const { return generation_[d] << 8 | static_cast<DeviceId>(d); }

    // A random configuration: every device to one seat or to none; s2 is
    // sometimes missing altogether.
    void reload()
    {
        config::Config next;
        const int seats = rng_() % 4 == 0 ? 2 : 3;
        for (int s = 0; s < seats; ++s) {
            config::Seat seat;
            seat.name = kSeatNames[s];
            next.seats.push_back(seat);
        }
        std::array<std::optional<std::string>, kDevices> target;
        for (int d = 0; d < kDevices; ++d) {
            const int s = static_cast<int>(rng_() % (seats + 1));
            if (s == seats)
                continue;
            std::string error;
            next.seats[s].devices.push_back(
                *config::parse_device_rule("name:" + devices_[d].identity.name, error));
            target[d] = kSeatNames[s];
        }
        std::set<std::string> old_seats;
        std::vector<DeviceId> want_moved;
        for (int d = 0; d < kDevices; ++d) {
            if (devices_[d].seat)
                old_seats.insert(*devices_[d].seat);
            if (devices_[d].plugged && devices_[d].seat != target[d])
                want_moved.push_back(id(d));
        }
        std::sort(want_moved.begin(), want_moved.end());

        releasing(old_seats);
        const auto moved = router_.reload(next);
        if (moved != want_moved)
            world_.fail("reload moved other devices than the configuration says");
        for (int d = 0; d < kDevices; ++d) {
            if (devices_[d].seat != target[d]) {
                devices_[d].seat_down.clear(); // its old seat forgot its keys
                devices_[d].touch.reset();     // and its finger
            }
            devices_[d].seat = target[d];
            if (devices_[d].plugged && router_.seat_of(id(d)) != target[d])
                world_.fail(devices_[d].identity.name + " is on the wrong seat after reload");
        }
        // A seat that went away no longer holds its VM.
        for (const auto &vm : vms_) {
            if (!vm->seat().empty() && !next.find_seat(vm->seat())) {
                vm->main.owner.clear();
                vm->second.owner.clear();
                if (!vm->idle())
                    world_.fail(vm->main.name() + " lost its seat with keys down");
            }
        }
        // A seat that goes away forgets that its input was released.
        std::erase_if(world_.released_seats,
                      [&](const std::string &seat) { return !next.find_seat(seat); });
        config_ = next;
        ++counts_["reload"];
    }

    // A display connection ends: the whole VM, or only its second console.
    void disconnect()
    {
        Vm &vm = *vms_[rng_() % kVms];
        if (vm.seat().empty())
            return;
        releasing({vm.seat()});
        if (rng_() % 2) {
            router_.remove_vm(vm.main);
            vm.main.owner.clear();
            vm.second.owner.clear();
            if (!vm.idle())
                world_.fail(vm.main.name() + " disconnected with keys down");
        } else {
            router_.remove_vm(vm.second);
            if (!vm.second.keys.empty() || !vm.second.buttons.empty())
                world_.fail(vm.second.name() + " disconnected with buttons down");
            vm.second.owner.clear(); // any later use fails
        }
        ++counts_["disconnect"];
    }

    std::mt19937 rng_{20240601};
    InputRouter router_;
    config::Config config_;
    std::vector<std::unique_ptr<Vm>> vms_;
    std::array<Device, kDevices> devices_;
    std::array<DeviceId, kDevices> generation_{};
    std::set<std::pair<int, std::uint32_t>> swallowed_; // command keys still down
};

TEST(InputProperty, EveryEventReachesOnlyItsOwnSeatsVmAndNothingSticks)
{
    Property p;
    p.run();
    EXPECT_EQ(p.world_.failures, 0u) << "first: " << p.world_.first_failure;
    // The run did what it claims: plenty of everything happened.
    EXPECT_GT(p.delivered(), 50'000u);
    for (const char *what : {"command", "split chord", "release input", "grab", "switch", "unplug",
                             "reload", "disconnect", "steal"})
        EXPECT_GT(p.counts_[what], 100u) << what;
    for (const auto &[what, n] : p.counts_)
        std::printf("%s: %zu\n", what.c_str(), n);
    std::printf("delivered: %zu\n", p.delivered());
}

} // namespace
} // namespace phyllome::input
