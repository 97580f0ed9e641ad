// One VM a seat shows, followed through libvirt for its whole life: looked
// up by name, its lifecycle events followed, its D-Bus display opened with
// virDomainOpenGraphicsFD whenever it runs, and reopened when it is lost.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <wayland-server-core.h>

#include "base/event_source.hpp"
#include "base/off_loop.hpp"
#include "base/unique_fd.hpp"
#include "libvirt/libvirt_connection.hpp"
#include "libvirt/usb_hostdev.hpp"

namespace phyllome::libvirt {

class VmLink {
public:
    enum class State {
        Connecting,  // libvirt not reached yet
        Unreachable, // libvirt not reachable: error() says why
        Undefined,   // no such domain
        ShutOff,
        Starting, // autostart asked libvirt to start it
        Running,
        Paused,
        ShuttingDown,
        Crashed,
        NoDisplay, // running, but without <graphics type='dbus' p2p='yes'/>
        Error,     // error() says what
    };

    struct Handlers {
        // A display connection to the running VM, for the display client.
        std::function<void(base::UniqueFd fd)> display_opened;
        // state() or error() changed.
        std::function<void()> state_changed;
    };

    VmLink(wl_event_loop *loop, base::OffLoop &off_loop, LibvirtConnection &connection, std::string name,
           bool autostart, Handlers handlers);
    ~VmLink();
    VmLink(const VmLink &) = delete;
    VmLink &operator=(const VmLink &) = delete;

    const std::string &name() const { return name_; }
    const std::string &uri() const { return connection_.uri(); }
    State state() const { return state_; }
    const std::string &error() const { return error_; }
    // The state in words, for the status card.
    std::string describe() const;
    // What to do about the state, where the session knows a command that
    // helps (empty otherwise).
    std::string fix() const;

    // The display connection ended while the VM may still run (QEMU closed
    // it, or the guest rebooted): open it again, after a bounded back-off.
    void display_lost();

    // The host keys' commands: start the domain, or ask its guest to shut
    // down (ACPI). Off the loop; the state follows libvirt's events.
    void start() { start_domain(); }
    void shutdown() { act(Action::Shutdown); }

    // Start, ACPI shutdown, or power off (virDomainDestroy), off the loop;
    // `done` (if any) runs on the loop with libvirt's error, empty on
    // success, unless this link is gone by then.
    enum class Action { Start, Shutdown, Destroy };
    void act(Action action, std::function<void(const std::string &error)> done = {});

    // Hot-plugs a host USB device into the running VM, or unplugs it
    // (libvirt's live definition only: nothing is kept for the next start),
    // off the loop. `done` runs on the loop with libvirt's error, empty on
    // success; at once, without asking libvirt, when the VM does not run
    // or the device cannot be named to libvirt. Like act(), `done` runs
    // even when this link is gone by then: libvirt did act.
    void attach_usb(const UsbHostdev &device, std::function<void(const std::string &error)> done);
    void detach_usb(const UsbHostdev &device, std::function<void(const std::string &error)> done);
    // The session's USB hostdevs in the running VM's live XML (to reconcile
    // after a session restart), off the loop; `error` is non-empty when
    // they could not be read (then the list is empty). Like attach_usb.
    void usb_hostdevs(
        std::function<void(const std::vector<UsbHostdev> &found, const std::string &error)> done);

    // Whether the running VM has the clipboard channel (qemu-vdagent with
    // copypaste on), read with the XML each time its display opens;
    // nullopt until then.
    std::optional<bool> clipboard_channel() const { return clipboard_channel_; }

private:
    // Runs `call` on the domain off the loop; libvirt's error to `done`.
    void on_running_domain(const char *what, std::function<std::string(virDomainPtr)> call,
                           std::function<void(const std::string &error)> done);

    void refresh();
    void refreshed(State state, std::string error, base::UniqueFd display, bool may_autostart);
    void start_domain();

    wl_event_loop *loop_;
    base::OffLoop &off_loop_;
    LibvirtConnection &connection_;
    std::string name_;
    bool autostart_;
    Handlers handlers_;
    int subscription_ = -1;

    State state_ = State::Connecting;
    std::string error_;
    bool refreshing_ = false;
    bool refresh_again_ = false;
    bool autostart_done_ = false; // once, when the seat first finds the domain
    bool display_open_ = false;
    std::optional<bool> clipboard_channel_;
    int destroying_ = 0; // our virDomainDestroy calls still running
    int retry_ms_ = 0;
    base::TimerSource retry_; // refresh() again
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

} // namespace phyllome::libvirt
