// The VMs' displays and which output shows which console: each seat shows
// its VM, console i on the seat's i-th output, by the session file.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "session/session_config.hpp"
#include "config/config.hpp"
#include "vmview/display_client.hpp"
#include "libvirt/libvirt_connection.hpp"
#include "libvirt/libvirt_loop.hpp"
#include "base/off_loop.hpp"
#include "base/unique_fd.hpp"
#include "libvirt/vm_link.hpp"

namespace phyllome {

class Output;
class InputDevices;
class ConsoleInput;
class Server;

class VmDisplays {
public:
    VmDisplays(Server &server, std::function<const config::Config &()> config);
    ~VmDisplays();
    VmDisplays(const VmDisplays &) = delete;
    VmDisplays &operator=(const VmDisplays &) = delete;

    // Opens a VM's display on a connected peer-to-peer socket whose other
    // end is QEMU's (QMP add_client, or libvirt's OpenGraphicsFD). Replaces
    // the VM's previous display connection, if any.
    void attach(const std::string &vm, base::UniqueFd fd);

    // A VM the session was handed a display for (--vm-fd): not looked for
    // in libvirt.
    void attach_manual(const std::string &vm, base::UniqueFd fd);

    // Follows through libvirt every VM a seat shows (and lets go of the
    // others): at start and after the session file changed.
    void sync_libvirt();

    // Decides again which console every output shows: after output,
    // console or configuration changes.
    void assign();

    // The VM's display state in words.
    std::string state_of(const std::string &vm) const;
    // What the status card of `output` says about the VM: its state, what
    // to do about it, and on an output of the VM's seat beyond the VM's
    // displays, why that one stays dark.
    VmCardState card_state(const std::string &vm, const std::string &output) const;

    // Input: each seat's keyboards and pointers go to the console(s) of the
    // VM it shows; the host keys' commands act on that seat.
    void set_input(InputDevices *input);

    // The VM a seat shows now: switched by the host keys, else the file's.
    std::optional<std::string> shown_vm(const config::Seat &seat) const;
    // Host commands for a seat.
    void switch_vm(const std::string &seat, int step);
    // Shows `vm` on the seat, as the host keys would; returns why not (an
    // unknown seat, a VM the seat may not show), empty when done.
    std::string show_vm(const std::string &seat, const std::string &vm);
    // Start, shut down or power off a VM a seat shows (the session follows
    // only those through libvirt); `done` gets the error, empty on success.
    // VMs no seat shows are VmAdmin's.
    void vm_action(const std::string &vm, libvirt::VmLink::Action action,
                   std::function<void(const std::string &error)> done);
    // The outputs showing the seat's consoles, in the seat's order.
    std::vector<Output *> outputs_of(const config::Seat &seat) const;
    void start_vm(const std::string &seat);
    void shutdown_vm(const std::string &seat);
    // Shows who owns each of the seat's screens, above whatever is there.
    void identify(const std::string &seat);
    // The input hint on the screens of every seat whose input is released.
    void show_input_hints();

    const vmview::DisplayClient *client(const std::string &vm) const;
    vmview::DisplayClient *client(const std::string &vm);
    const libvirt::VmLink *link(const std::string &vm) const;
    // A VM handed over with --vm-fd, not followed through libvirt.
    bool manual(const std::string &vm) const { return manual_.count(vm) > 0; }
    // The libvirt connection to `uri` (null until it is open).
    virConnectPtr libvirt(const std::string &uri) const;
    // libvirt's event loop on the session's, which libvirt needs before any
    // connection opens (the embedded driver refuses to open without one).
    void prepare_libvirt();
    wl_event_loop *event_loop() const;

private:
    struct Vm {
        std::unique_ptr<vmview::DisplayClient> client;
        std::string state;
    };
    void console_changed();
    ConsoleInput *sink_for(vmview::DisplayClient &client, vmview::Console &console);
    // Forget the input sinks of a client's consoles (releasing what is held
    // in them) before the client goes.
    void drop_sinks(const vmview::DisplayClient &client);
    static void on_idle_cleanup(void *data);
    // A frame appeared or changed size: input needs the new placement, once
    // the frame handling that noticed it is over.
    void reassign_soon();

    Server &server_;
    std::function<const config::Config &()> config_;
    std::map<std::string, Vm> vms_;
    InputDevices *input_ = nullptr;
    std::map<const vmview::Console *, std::unique_ptr<ConsoleInput>> sinks_;
    std::map<std::string, std::string> switched_; // seat -> VM, by the host keys
    // Clients whose connection ended, destroyed outside their own callbacks.
    std::vector<std::unique_ptr<vmview::DisplayClient>> closed_;
    wl_event_source *cleanup_ = nullptr;
    wl_event_source *reassign_ = nullptr;

    // (VM, console) pairs whose SetUIInfo refusal was logged.
    std::set<std::pair<std::string, uint32_t>> ui_info_refused_;
    // libvirt: created on first use, in this order, destroyed in reverse.
    std::set<std::string> manual_;
    std::unique_ptr<libvirt::LibvirtLoop> libvirt_loop_;
    std::unique_ptr<base::OffLoop> off_loop_;
    std::map<std::string, std::unique_ptr<libvirt::LibvirtConnection>> connections_; // by URI
    std::map<std::string, std::unique_ptr<libvirt::VmLink>> links_;                  // by VM
};

} // namespace phyllome
