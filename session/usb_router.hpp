// USB devices follow the seat they are plugged into: each device the
// source reports goes, through the attacher, into the VM its seat shows
// (usb/usb_policy.hpp decides), leaves it when unplugged, follows the seat
// to the next VM or stays (usb_on_switch), and is forgotten when the VM
// stops (QEMU takes its host devices with it). A VM seen running is first
// asked which of the session's devices it holds (a previous session may
// have attached them): those present count as in it, those unplugged are
// taken out. Results come later; each is
// checked against what is true when it comes. No wlroots, no libvirt: the
// session gives it an attacher over libvirt, tests a recording one.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "usb/usb_policy.hpp"
#include "usb/usb_source.hpp"

namespace phyllome {

class UsbRouter {
public:
    // Puts a host USB device into a running VM and takes it out, live only.
    // `done` gets the error, empty on success; it may be called before
    // attach/detach returns, and after the router is gone (then it does
    // nothing).
    class Attacher {
    public:
        using Done = std::function<void(std::string error)>;
        virtual ~Attacher() = default;
        virtual void attach(const std::string &vm, const usb::UsbDevice &device, Done done) = 0;
        virtual void detach(const std::string &vm, const usb::UsbDevice &device, Done done) = 0;

        // What a running VM holds of the session's devices, each named by
        // an id that id_of gives for the device it is (after a session
        // restart, the previous session's). `error` non-empty: not known.
        // Like Done, may come at once or after the router is gone.
        using HeldDone = std::function<void(std::vector<std::string> ids, std::string error)>;
        virtual void held(const std::string &vm, HeldDone done) = 0;
        virtual std::string id_of(const usb::UsbDevice &device) const = 0;
        // Takes out a held device that is no longer plugged in, by its id.
        virtual void detach_held(const std::string &vm, const std::string &id, Done done) = 0;
    };

    // What the session knows now, asked at every refresh().
    struct World {
        std::function<std::map<std::string, std::string>()> shown; // seat -> VM it shows
        std::function<std::set<std::string>()> running;            // VMs that can take devices
        // USB device syspath -> the seat using an input device it carries.
        std::function<std::map<std::string, std::string>()> input_carriers;
    };

    // Takes the source's handlers. Call refresh() once the world can be
    // asked, and whenever it changed (a seat switched, a VM started or
    // stopped, the session file or the input devices changed).
    UsbRouter(usb::UsbSource &source, std::function<const config::Config &()> config, World world,
              Attacher &attacher);
    ~UsbRouter();
    UsbRouter(const UsbRouter &) = delete;
    UsbRouter &operator=(const UsbRouter &) = delete;

    void refresh();

    // By hand (phyllomectl usb): into `vm` (default: the VM the device's
    // seat shows) until it is unplugged, detached by hand, or that VM
    // stops; or out of every VM until unplugged or attached by hand.
    // `done` gets the error, empty once it is done.
    void attach(const std::string &sysname, std::optional<std::string> vm, Attacher::Done done);
    void detach(const std::string &sysname, Attacher::Done done);

    struct DeviceStatus {
        usb::UsbDevice device;
        std::optional<std::string> seat; // whose usb rules claim it
        std::optional<std::string> vm;   // the VM it is in now
        std::string state;               // "attached", "not attached", "attaching to 'work'", ...
        std::string reason;              // why it is in no VM, when the policy says so
        std::string error;   // the last attach or detach that failed, "" since one worked
        bool manual = false; // pinned by hand
    };
    // Every device present (and those unplugged while still being taken
    // out), in the order they came. A device a VM held without it being
    // plugged in shows under its held id.
    std::vector<DeviceStatus> status() const;

    struct VmStatus {
        std::string vm;
        bool known = false; // what it holds was read (or failed to be)
        std::string error;  // why it could not be read
    };
    // Every running VM, by name: until each has said what it holds, no
    // device is attached anywhere (it could be in it already).
    std::vector<VmStatus> vms() const;

private:
    enum class Op { None, Attach, Detach };
    struct Entry {
        usb::UsbDevice device;
        bool present = true;
        std::optional<std::string> in_vm; // confirmed
        Op op = Op::None;                 // in flight
        std::string op_vm;
        std::uint64_t op_id = 0;
        // The last failed operation, not tried again on its own until
        // something changes (a replug, a command, another target).
        std::optional<std::pair<Op, std::string>> failed;
        std::optional<std::string> seat;
        std::string reason;
        std::string last_error;
        std::vector<Attacher::Done> waiting; // commands, answered once settled
        // Held by a VM but not plugged in: taken out by this id.
        std::string held_id;
    };
    struct Vm {
        bool known = false;
        std::uint64_t ask_id = 0;
        std::string error;
    };

    void added(const usb::UsbDevice &device);
    void removed(const usb::UsbDevice &device);
    Entry *find(const std::string &sysname);
    Entry *find_for(const usb::UsbDevice &device);
    void ask_new_vms(const std::set<std::string> &running);
    void learned(const std::string &vm, std::uint64_t ask_id, std::vector<std::string> ids,
                 std::string error);
    void add_entry(const usb::UsbDevice &device);
    void reconcile();
    void reconcile_once();
    void start(Entry &entry, Op op, const std::string &vm);
    void finished(std::uint64_t op_id, std::string error);
    static void answer(Entry &entry, const std::string &error);
    usb::PolicyInput policy_input(const std::set<std::string> &running) const;

    usb::UsbSource &source_;
    std::function<const config::Config &()> config_;
    World world_;
    Attacher &attacher_;
    std::vector<Entry> entries_;
    std::map<std::string, std::optional<std::string>> pins_; // sysname -> VM, or none
    std::map<std::string, Vm> vms_;                          // running VMs
    std::uint64_t next_op_ = 0;
    bool reconciling_ = false;
    bool again_ = false;
    // Results that come after the router is gone find this expired.
    std::shared_ptr<UsbRouter *> alive_;
};

} // namespace phyllome
