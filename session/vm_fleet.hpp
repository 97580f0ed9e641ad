// The VMs the session shows: for each, its display client (the consoles and
// their input), its libvirt link while the session follows it, its state,
// and the actions on it. It tells what changed through the handlers it was
// given and knows nothing of seats or outputs (session/seats.hpp does).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/event_source.hpp"
#include "base/off_loop.hpp"
#include "base/unique_fd.hpp"
#include "input/vm_input.hpp"
#include "libvirt/libvirt_connection.hpp"
#include "libvirt/libvirt_loop.hpp"
#include "libvirt/vm_link.hpp"
#include "session/session_config.hpp"
#include "session/vm_sound.hpp"
#include "vmview/console_input.hpp"
#include "vmview/display_client.hpp"

namespace phyllome {

class VmFleet {
public:
    struct Handlers {
        // A display connected, closed or changed its consoles, or a VM's
        // libvirt state changed: what shows where, and the cards, may differ.
        // Raised after the change, while a closing display still exists.
        std::function<void()> changed;
        // A console's input is going with its display: unbind it from the
        // seats' routing before it goes.
        std::function<void(const input::VmInput &console)> input_closing;
        // The VM's keyboard LEDs (QEMU: scroll 1, num 2, caps 4).
        std::function<void(const std::string &vm, uint32_t leds)> keyboard_leds;
        // A VM's pointer changed form (absolute or relative).
        std::function<void()> pointer_mode_changed;
    };

    // A VM to follow through libvirt.
    struct Followed {
        std::string uri;
        bool autostart = false;
        bool operator==(const Followed &) const = default;
    };

    VmFleet(wl_event_loop *loop, Handlers handlers);
    // Raises no handler.
    ~VmFleet();
    VmFleet(const VmFleet &) = delete;
    VmFleet &operator=(const VmFleet &) = delete;

    // Opens a VM's display on a connected peer-to-peer socket whose other
    // end is QEMU's (QMP add_client, or libvirt's OpenGraphicsFD). Replaces
    // the VM's previous display connection, if any.
    void attach(const std::string &vm, base::UniqueFd fd);
    // A VM the session was handed a display for (--vm-fd): never followed
    // through libvirt.
    void attach_manual(const std::string &vm, base::UniqueFd fd);
    bool manual(const std::string &vm) const { return manual_.count(vm) > 0; }

    // Follows exactly these VMs (by name) through libvirt and lets go of the
    // others, whose displays close.
    void follow(const std::map<std::string, Followed> &vms);

    // The VM's connected consoles, in head order; empty while it has no
    // display.
    std::vector<vmview::Console *> consoles(const std::string &vm) const;
    // The input of one of those consoles (the first: the VM's keyboard).
    input::VmInput &input_of(const std::string &vm, const vmview::Console &console);
    // Asks the guest for a console size (follow_output); sent again only
    // when it changes.
    void set_ui_info(const std::string &vm, const vmview::Console &console, uint32_t width,
                     uint32_t height, uint16_t width_mm, uint16_t height_mm);

    // The VM's state in words: libvirt's until it runs, then its display's.
    std::string state_of(const std::string &vm) const;
    // The card of a VM libvirt says is not running (what to do, whether the
    // start keys start it); nullopt once it runs or when not followed.
    std::optional<VmCardState> not_running_card(const std::string &vm) const;

    // Start, shut down or power off a followed VM; `done` gets the error,
    // empty on success. False (and `done` is not called) when the VM is not
    // followed.
    bool act(const std::string &vm, libvirt::VmLink::Action action,
             std::function<void(const std::string &error)> done);
    // The start and shutdown host keys: nothing for a VM not followed.
    void start(const std::string &vm);
    void shutdown(const std::string &vm);

    // Sound: where the streams of each VM's voices go (PipeWire; null: no
    // sound server, the samples are dropped). Set again when PipeWire went
    // away or came back: the voices' streams move to the new one (and none
    // is left on the old one). `why_none`: why there is no server, for the
    // status.
    void set_sound_server(sound::Server *server, std::string why_none = {});
    const sound::Server *sound_server() const { return sound_server_; }
    const std::string &sound_error() const { return sound_error_; }
    // The VM's sound plays on `seat`'s audio_out and records from its
    // audio_in; with no seat (not shown), it is muted unless `play_hidden`,
    // and then plays on where it played.
    void route_sound(const std::string &vm, const config::Seat *seat, bool play_hidden);
    // Null while the VM has no sound (no D-Bus audiodev, QEMU before 8.1).
    const VmSound *sound(const std::string &vm) const;

    const vmview::DisplayClient *client(const std::string &vm) const;
    vmview::DisplayClient *client(const std::string &vm);
    const libvirt::VmLink *link(const std::string &vm) const;
    libvirt::VmLink *link(const std::string &vm);
    // The libvirt connection to `uri` (null until it is open).
    virConnectPtr libvirt(const std::string &uri) const;
    // libvirt's event loop on the session's, which libvirt needs before any
    // connection opens (the embedded driver refuses to open without one).
    void prepare_libvirt();
    wl_event_loop *event_loop() const { return loop_; }

private:
    struct Vm {
        // Before the client: its listeners tell the sound of their voices.
        std::unique_ptr<VmSound> sound;
        std::unique_ptr<vmview::DisplayClient> client;
        std::string state;
    };
    // Closes a display: the handlers hear of it while it still exists.
    void close(std::unique_ptr<vmview::DisplayClient> client);
    void forget_inputs(const vmview::DisplayClient &client);
    // The client's voices leave the VM's sound before the client goes.
    void forget_sound(vmview::DisplayClient &client);

    wl_event_loop *loop_;
    Handlers handlers_;
    sound::Server *sound_server_ = nullptr;
    std::string sound_error_;
    std::map<std::string, Vm> vms_;
    std::map<const vmview::Console *, std::unique_ptr<vmview::ConsoleInput>> inputs_;
    // Clients whose connection ended, destroyed outside their own callbacks.
    std::vector<std::unique_ptr<vmview::DisplayClient>> closed_;
    base::IdleSource cleanup_; // destroys closed_
    // (VM, console) pairs whose SetUIInfo refusal was logged.
    std::set<std::pair<std::string, uint32_t>> ui_info_refused_;
    std::set<std::string> manual_;
    // libvirt: created on first use, in this order, destroyed in reverse.
    std::unique_ptr<libvirt::LibvirtLoop> libvirt_loop_;
    std::unique_ptr<base::OffLoop> off_loop_;
    std::map<std::string, std::unique_ptr<libvirt::LibvirtConnection>> connections_; // by URI
    std::map<std::string, std::unique_ptr<libvirt::VmLink>> links_;                  // by VM
};

} // namespace phyllome
