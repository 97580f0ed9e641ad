// The session configuration model: what one session.toml says.
// Parsing lives in load.hpp, device/output ownership in assignment.hpp,
// reload differences in diff.hpp, file watching in watcher.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/device_rule.hpp"
#include "config/key_chord.hpp"
#include "config/sound_target.hpp"

namespace phyllome::config {

// How a guest frame is laid on an output.
enum class Scaling {
    Fit,     // keep aspect ratio, letterbox (default)
    Stretch, // fill the output, ignore aspect ratio
    Integer, // largest whole multiple that fits, centred
    None,    // 1:1, centred, cropped if larger
};

// "fit", "stretch", "integer", "none"; parse_scaling is its inverse.
std::string_view to_string(Scaling scaling);
std::optional<Scaling> parse_scaling(std::string_view text);

struct Session {
    std::string libvirt_uri = "qemu:///system";
    KeyChord host_keys{kModCtrl | kModAlt | kModSuper, {}, 0};
    // One clipboard buffer for all seats instead of one per seat: text taken
    // on one seat can then be given on another.
    bool clipboard_across_seats = false;

    bool operator==(const Session &) const = default;
};

// Host commands, each pressed together with Session::host_keys. The keysym
// values are XKB_KEY_Right, _Left, _Return, _End, _i, _Escape, _c and _v.
struct Keys {
    KeyChord next_vm{0, "Right", 0xff53};
    KeyChord prev_vm{0, "Left", 0xff51};
    KeyChord start_vm{0, "Return", 0xff0d};
    KeyChord shutdown_vm{0, "End", 0xff57};
    KeyChord identify{0, "I", 0x0069};
    KeyChord release_input{0, "Escape", 0xff1b};
    // The shown VM's clipboard into the seat's buffer; the buffer offered
    // to the shown VM.
    KeyChord clipboard_take{0, "C", 0x0063};
    KeyChord clipboard_give{0, "V", 0x0076};

    bool operator==(const Keys &) const = default;
};

struct Vm {
    std::string name;               // the libvirt domain name, unique
    std::optional<std::string> uri; // overrides Session::libvirt_uri
    bool autostart = false;         // start the domain when shown and off
    Scaling scaling = Scaling::Fit;
    bool follow_output = true; // ask the guest for the output's resolution
    // While no seat shows the VM: its sound muted, or played on where the
    // last seat that showed it plays.
    enum class HiddenAudio { Mute, Play };
    HiddenAudio audio_when_hidden = HiddenAudio::Mute;
    // The USB classes (config/usb_class.hpp names, or "*") a device passed
    // through to this VM may have; all of a device's classes must be here.
    std::vector<std::string> usb_classes{"*"};

    bool operator==(const Vm &) const = default;
};

struct Seat {
    std::string name;              // unique
    std::optional<std::string> vm; // shown at start; none: the status card

    // The VMs this seat may switch between. all_vms (the default, `vms`
    // omitted) means every [[vm]] in file order and leaves `vms` empty.
    bool all_vms = true;
    std::vector<std::string> vms;

    // Output names in guest screen order. all_outputs (`outputs` omitted)
    // means every output that no other seat lists by name and leaves
    // `outputs` empty; at most one seat has it. The built-in default seat has
    // it, so there it simply means every output.
    bool all_outputs = false;
    std::vector<std::string> outputs;

    // Rules in file order. An omitted `devices` key means ["*"].
    std::vector<DeviceRule> devices;

    // Where the sound of the VM shown plays, and where its microphone
    // records from.
    SoundTarget audio_out, audio_in;

    // USB devices plugged in at this seat that pass through to the VM it
    // shows, in the device-rule language; empty (the default): none.
    std::vector<DeviceRule> usb;
    // On a seat switch a passed-through device follows the seat to the VM
    // shown next, or stays with the VM it is in.
    enum class UsbOnSwitch { Follow, Stay };
    UsbOnSwitch usb_on_switch = UsbOnSwitch::Follow;

    bool operator==(const Seat &) const = default;
};

struct Config {
    Session session;
    Keys keys;
    std::vector<Vm> vms;     // file order
    std::vector<Seat> seats; // file order; never empty once validated

    bool operator==(const Config &) const = default;

    // nullptr when there is no such VM or seat.
    const Vm *find_vm(std::string_view name) const;
    const Seat *find_seat(std::string_view name) const;
};

// The name of the seat of the built-in default configuration.
inline constexpr std::string_view kDefaultSeatName = "seat0";

// The built-in configuration used when no file exists: one seat "seat0"
// holding every output (all_outputs) and every device (["*"]), no VM, so it
// shows the status card.
Config default_config();

// The URI that stands for libvirt's embedded QEMU driver under the
// session's state folder: VMs without any libvirt daemon.
inline constexpr const char *kEmbeddedUri = "embedded";

// Where the session keeps its files: $XDG_STATE_HOME/phyllome (an absolute
// XDG_STATE_HOME only, per the XDG spec), else ~/.local/state/phyllome.
std::string state_dir();

// The libvirt URI to open for a configured one: "embedded" becomes
// qemu:///embed?root=<state_dir()>/libvirt; any other is itself.
std::string resolve_uri(const std::string &uri);

// The connection a VM uses: its own uri, else the session's, resolved.
std::string effective_uri(const Config &config, const Vm &vm);

// The names a seat may switch between, in file order, resolving all_vms.
std::vector<std::string> allowed_vms(const Config &config, const Seat &seat);

// "2 VMs, 2 seats, 3 outputs" (plus "and every other output" when a seat
// has all_outputs); used by --check-config.
std::string summary(const Config &config);

} // namespace phyllome::config
