#include "libvirt/vm_link.hpp"

#include <algorithm>
#include <cstdio>

#include <libvirt/virterror.h>

#include "base/log.hpp"
#include "libvirt/common.hpp"
#include "libvirt/domain_xml.hpp"
#include "libvirt/usb_hostdev.hpp"

namespace phyllome::libvirt {
namespace {

VmLink::State from_libvirt(int state, int reason)
{
    switch (state) {
    case VIR_DOMAIN_RUNNING:
        return VmLink::State::Running;
    case VIR_DOMAIN_BLOCKED:
        return VmLink::State::Running;
    case VIR_DOMAIN_PAUSED:
    case VIR_DOMAIN_PMSUSPENDED:
        return VmLink::State::Paused;
    case VIR_DOMAIN_SHUTDOWN:
        return VmLink::State::ShuttingDown;
    case VIR_DOMAIN_CRASHED:
        return VmLink::State::Crashed;
    case VIR_DOMAIN_SHUTOFF:
        return reason == VIR_DOMAIN_SHUTOFF_CRASHED || reason == VIR_DOMAIN_SHUTOFF_FAILED
                   ? VmLink::State::Crashed
                   : VmLink::State::ShutOff;
    default:
        return VmLink::State::ShutOff;
    }
}

} // namespace

VmLink::VmLink(wl_event_loop *loop, base::OffLoop &off_loop, LibvirtConnection &connection,
               std::string name, bool autostart, Handlers handlers)
    : loop_(loop), off_loop_(off_loop), connection_(connection), name_(std::move(name)),
      autostart_(autostart), handlers_(std::move(handlers))
{
    retry_ = base::TimerSource(loop_, [this] { refresh(); });
    subscription_ = connection_.subscribe(name_, [this](int event, int) {
        if (event == VIR_DOMAIN_EVENT_STARTED)
            retry_ms_ = 0; // a fresh start deserves a fresh back-off
        refresh();
    });
    refresh();
}

VmLink::~VmLink()
{
    connection_.unsubscribe(subscription_);
}

std::string VmLink::describe() const
{
    switch (state_) {
    case State::Connecting:
        return "Connecting to libvirt";
    case State::Unreachable:
        // Why, too: a daemon that is down, a socket refused, a lost link.
        return "libvirt unreachable (" + connection_.uri() + ")" +
               (error_.empty() ? "" : ": " + error_);
    case State::Undefined:
        return "Not defined in libvirt (" + connection_.uri() + ")";
    case State::ShutOff:
        return "Shut off";
    case State::Starting:
        return "Starting";
    case State::Running:
        return "Running";
    case State::Paused:
        return "Paused";
    case State::ShuttingDown:
        return "Shutting down";
    case State::Crashed:
        return "Stopped: crashed";
    case State::NoDisplay:
        return std::string("No D-Bus display: add ") + kDbusGraphicsXml + " to its XML";
    case State::Error:
        return "libvirt error: " + error_;
    }
    return {};
}

std::string VmLink::fix() const
{
    // phyllomectl, not `virsh edit`: virsh cannot reach the embedded
    // driver's root, and adopt saves the old definition first.
    switch (state_) {
    case State::NoDisplay:
        return "Add it with: phyllomectl vm adopt " + name_ + ", then restart the VM";
    default:
        return {};
    }
}

void VmLink::refresh()
{
    if (refreshing_) {
        refresh_again_ = true; // events arrived meanwhile: look once more
        return;
    }
    virConnectPtr conn = connection_.get();
    if (!conn) {
        refreshed(connection_.error().empty() ? State::Connecting : State::Unreachable,
                  connection_.error(), base::UniqueFd(), false);
        return;
    }
    refreshing_ = true;
    virConnectRef(conn);
    struct Result {
        State state = State::Error;
        std::string error;
        base::UniqueFd display;
        std::optional<bool> clipboard; // read with the XML
    };
    auto result = std::make_shared<Result>();
    // Lookup, state, XML and opening the display each talk to libvirt (and
    // QEMU): off the loop. Not while our own destroy runs: the domain still
    // reads as running then, and libvirt would hand the display request to
    // a QEMU it is tearing down (its monitor already gone).
    const bool want_display = !display_open_ && destroying_ == 0;
    off_loop_.run(
        [conn, name = name_, want_display, result] {
            virDomainPtr dom = virDomainLookupByName(conn, name.c_str());
            if (!dom) {
                const virError *error = virGetLastError();
                result->state =
                    error && error->code == VIR_ERR_NO_DOMAIN ? State::Undefined : State::Error;
                result->error = last_libvirt_error();
                virConnectClose(conn);
                return;
            }
            int state = 0, reason = 0;
            if (virDomainGetState(dom, &state, &reason, 0) < 0) {
                result->error = last_libvirt_error();
            } else {
                result->state = from_libvirt(state, reason);
                if (result->state == State::Running && want_display) {
                    char *xml = virDomainGetXMLDesc(dom, 0);
                    auto graphics = xml ? read_domain_graphics(xml) : std::nullopt;
                    if (xml)
                        result->clipboard = has_clipboard_channel(xml);
                    free(xml);
                    if (!graphics || !graphics->dbus_p2p_index) {
                        result->state = State::NoDisplay;
                    } else {
                        const int fd = virDomainOpenGraphicsFD(dom, *graphics->dbus_p2p_index, 0);
                        if (fd < 0)
                            result->error = "cannot open its display: " + last_libvirt_error();
                        result->display = base::UniqueFd(fd);
                    }
                }
            }
            virDomainFree(dom);
            virConnectClose(conn);
        },
        [this, alive = std::weak_ptr<int>(alive_), result] {
            if (alive.expired())
                return;
            refreshing_ = false;
            if (result->clipboard)
                clipboard_channel_ = result->clipboard;
            refreshed(result->state, result->error, std::move(result->display), true);
            if (refresh_again_) {
                refresh_again_ = false;
                refresh();
            }
        });
}

void VmLink::refreshed(State state, std::string error, base::UniqueFd display, bool may_autostart)
{
    const State previous = state_;
    const std::string previous_error = error_;
    state_ = state;
    error_ = std::move(error);

    if (state_ != State::Running)
        display_open_ = false;
    if (state_ != State::Running && state_ != State::NoDisplay && state_ != State::Paused)
        clipboard_channel_.reset(); // the next start may bring another definition
    if (state_ == State::Running && !display_open_) {
        if (display) {
            display_open_ = true;
            if (handlers_.display_opened)
                handlers_.display_opened(std::move(display));
        } else if (!error_.empty()) {
            // Running, but the display would not open (QEMU still starting,
            // say): try again a little later, logging what changes only.
            if (error_ != previous_error)
                base::log_info("VM %s: %s", name_.c_str(), error_.c_str());
            retry_ms_ = next_retry_ms(retry_ms_);
            retry_.arm(retry_ms_);
        }
    }
    // The first answer about an existing domain decides: one defined while
    // the seat shows it is started too; one the user shuts down later is not.
    const bool domain_found = state_ != State::Undefined && state_ != State::Unreachable &&
                              state_ != State::Error && state_ != State::Connecting;
    if (may_autostart && domain_found) {
        if (autostart_ && !autostart_done_ && state_ == State::ShutOff)
            start_domain();
        autostart_done_ = true;
    }

    if (state_ == State::NoDisplay && previous != State::NoDisplay)
        base::log_info("VM %s runs without a D-Bus display the session can open (%s in its "
                       "<devices>): phyllomectl vm adopt %s adds it",
                       name_.c_str(), kDbusGraphicsXml, name_.c_str());
    if ((state_ != previous || error_ != previous_error) && handlers_.state_changed)
        handlers_.state_changed();
}

void VmLink::start_domain()
{
    virConnectPtr conn = connection_.get();
    if (!conn)
        return;
    state_ = State::Starting;
    virConnectRef(conn);
    auto error = std::make_shared<std::string>();
    base::log_info("VM %s: shut off; autostart starts it", name_.c_str());
    off_loop_.run(
        [conn, name = name_, error] {
            virDomainPtr dom = virDomainLookupByName(conn, name.c_str());
            if (!dom || virDomainCreate(dom) < 0)
                *error = last_libvirt_error();
            if (dom)
                virDomainFree(dom);
            virConnectClose(conn);
        },
        [this, alive = std::weak_ptr<int>(alive_), error] {
            if (alive.expired())
                return;
            if (!error->empty()) {
                base::log_info("VM %s: autostart failed: %s", name_.c_str(), error->c_str());
                state_ = State::Error;
                error_ = "autostart failed: " + *error;
                if (handlers_.state_changed)
                    handlers_.state_changed();
            }
            refresh();
        });
}

void VmLink::act(Action action, std::function<void(const std::string &error)> done)
{
    virConnectPtr conn = connection_.get();
    if (!conn) {
        if (done)
            done("libvirt not connected (" + connection_.uri() + ")" +
                 (connection_.error().empty() ? "" : ": " + connection_.error()));
        return;
    }
    virConnectRef(conn);
    auto error = std::make_shared<std::string>();
    if (action == Action::Destroy)
        ++destroying_;
    off_loop_.run(
        [conn, name = name_, action, error] {
            virDomainPtr dom = virDomainLookupByName(conn, name.c_str());
            int result = -1;
            if (dom)
                result = action == Action::Start      ? virDomainCreate(dom)
                         : action == Action::Shutdown ? virDomainShutdown(dom)
                                                      : virDomainDestroy(dom);
            if (result < 0)
                *error = last_libvirt_error();
            if (dom)
                virDomainFree(dom);
            virConnectClose(conn);
        },
        // Whoever asked is told even when this link went meanwhile (the
        // session file dropped the VM): libvirt did act.
        [this, alive = std::weak_ptr<int>(alive_), action, name = name_, error,
         done = std::move(done)] {
            if (!error->empty())
                base::log_info("VM %s: %s", name.c_str(), error->c_str());
            if (action == Action::Destroy && !alive.expired()) {
                --destroying_;
                refresh(); // its state now, and its display if it still runs
            }
            if (done)
                done(*error);
        });
}

void VmLink::on_running_domain(const char *what, std::function<std::string(virDomainPtr)> call,
                               std::function<void(const std::string &error)> done)
{
    // Paused or without a display the session can open, QEMU still runs
    // and takes devices.
    if (state_ != State::Running && state_ != State::NoDisplay && state_ != State::Paused) {
        done("VM " + name_ + " is not running (" + describe() + ")");
        return;
    }
    virConnectPtr conn = connection_.get();
    if (!conn) {
        done("libvirt not connected (" + connection_.uri() + ")");
        return;
    }
    virConnectRef(conn);
    auto error = std::make_shared<std::string>();
    off_loop_.run(
        [conn, name = name_, call = std::move(call), error] {
            virDomainPtr dom = virDomainLookupByName(conn, name.c_str());
            if (!dom) {
                *error = last_libvirt_error();
            } else {
                *error = call(dom); // libvirt's error read before the free clears it
                virDomainFree(dom);
            }
            virConnectClose(conn);
        },
        // Not this link's: it may be gone, and libvirt acted all the same.
        [name = name_, what, error, done = std::move(done)] {
            if (!error->empty())
                base::log_info("VM %s: %s: %s", name.c_str(), what, error->c_str());
            done(*error);
        });
}

void VmLink::attach_usb(const UsbHostdev &device, std::function<void(const std::string &)> done)
{
    if (auto bad = check_usb_hostdev(device)) {
        done(*bad);
        return;
    }
    on_running_domain(
        "USB attach failed",
        [xml = usb_hostdev_xml(device)](virDomainPtr dom) -> std::string {
            if (virDomainAttachDeviceFlags(dom, xml.c_str(), VIR_DOMAIN_AFFECT_LIVE) < 0)
                return last_libvirt_error();
            return {};
        },
        std::move(done));
}

void VmLink::detach_usb(const UsbHostdev &device, std::function<void(const std::string &)> done)
{
    if (auto bad = check_usb_hostdev(device)) {
        done(*bad);
        return;
    }
    on_running_domain(
        "USB detach failed",
        [xml = usb_hostdev_xml(device)](virDomainPtr dom) -> std::string {
            if (virDomainDetachDeviceFlags(dom, xml.c_str(), VIR_DOMAIN_AFFECT_LIVE) < 0)
                return last_libvirt_error();
            return {};
        },
        std::move(done));
}

void VmLink::usb_hostdevs(
    std::function<void(const std::vector<UsbHostdev> &, const std::string &)> done)
{
    auto found = std::make_shared<std::vector<UsbHostdev>>();
    on_running_domain(
        "reading its USB devices failed",
        [found](virDomainPtr dom) -> std::string {
            char *xml = virDomainGetXMLDesc(dom, 0); // the live definition
            if (!xml)
                return last_libvirt_error();
            auto read = read_usb_hostdevs(xml);
            free(xml);
            if (!read)
                return "its live XML does not parse";
            *found = std::move(*read);
            return {};
        },
        [found, done = std::move(done)](const std::string &error) {
            done(error.empty() ? *found : std::vector<UsbHostdev>{}, error);
        });
}

void VmLink::display_lost()
{
    display_open_ = false;
    retry_ms_ = next_retry_ms(retry_ms_);
    retry_.arm(retry_ms_);
}

} // namespace phyllome::libvirt
