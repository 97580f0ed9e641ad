// The running session: every part, built in one order and torn down in the
// reverse one. Each part gets, at construction, the handlers that reach the
// parts built after it; no part calls one before start() (in the
// constructor) or from its destructor.
#pragma once

#include <memory>
#include <string>

#include "compositor/server.hpp"
#include "session/control_commands.hpp"
#include "session/control_server.hpp"
#include "session/options.hpp"
#include "session/readiness.hpp"
#include "session/reloader.hpp"
#include "session/seated_vms.hpp"
#include "session/session_config.hpp"
#include "session/usb_router.hpp"
#include "sound/connection.hpp"
#include "usb/udev_usb.hpp"

namespace phyllome {

class Session {
public:
    // Starts the compositor and follows the seats' VMs. Throws
    // std::runtime_error with a one-line message when the compositor cannot
    // start.
    Session(const Options &options, SessionConfig &session_config, Readiness &readiness);
    // The seats stop telling the USB router before it goes.
    ~Session();
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    // Runs until SIGTERM or SIGINT.
    void run() { server_.run(); }

private:
    Server::Settings server_settings(const Options &options);
    const config::Config &config() const { return session_config_.config(); }
    // The control socket for phyllomectl, named after the Wayland display
    // and exported to children; null (and logged) when it cannot be had.
    std::unique_ptr<ControlServer> open_control_socket();
    // Creates usb_source_, usb_attacher_ and usb_, and has the seats
    // refresh the router.
    void start_usb();

    SessionConfig &session_config_;
    Readiness &readiness_;
    // Output warnings are logged once the outputs present at start are all
    // there (at the first frames), then at every change.
    bool outputs_settled_ = false;

    Server server_;
    // PipeWire for the VMs' sound, connected again after it went away.
    sound::Connection sound_;
    SeatedVms vms_;
    // USB devices follow their seat's VM: udev's devices, and the router
    // that the seats tell of every change (after vms_, which it asks).
    std::unique_ptr<usb::UdevUsb> usb_source_;
    std::unique_ptr<UsbRouter::Attacher> usb_attacher_;
    std::unique_ptr<UsbRouter> usb_;
    Reloader reloader_;
    ControlCommands commands_;
    std::unique_ptr<ControlServer> control_;
};

} // namespace phyllome
