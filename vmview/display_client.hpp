// A client of one VM's QEMU D-Bus display (org.qemu.Display1) over a
// peer-to-peer connection: QEMU's side of `add_client`, handed to us as a
// connected socket. It finds the consoles, registers a Listener for each and
// keeps their sizes current. Everything runs on the compositor's loop.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemd/sd-bus.h>
#include <wayland-server-core.h>

#include "vmview/bus_source.hpp"
#include "vmview/console.hpp"
#include "vmview/unique_fd.hpp"

namespace phyllome::vmview {

class DisplayClient {
public:
    struct Handlers {
        // A console's listener is registered; frames follow.
        std::function<void(Console &console)> console_added;
        // The connection to QEMU ended (QEMU quit, the VM stopped, a
        // protocol error); the client is unusable afterwards.
        std::function<void(const std::string &reason)> closed;
    };

    DisplayClient(wl_event_loop *loop, UniqueFd fd, std::string vm_name, Handlers handlers);
    ~DisplayClient();
    DisplayClient(const DisplayClient &) = delete;
    DisplayClient &operator=(const DisplayClient &) = delete;

    const std::string &vm_name() const { return vm_name_; }
    const std::vector<std::unique_ptr<Console>> &consoles() const { return consoles_; }
    bool connected() const { return connected_; }

private:
    void fail(const std::string &reason);
    void read_vm();
    void read_console(uint32_t id);
    void register_listener(Console::Info info);
    void refresh_console_size(Console &console);
    Console *find_console(uint32_t id);

    static int on_vm_properties(sd_bus_message *reply, void *data, sd_bus_error *error);
    static int on_properties_changed(sd_bus_message *m, void *data, sd_bus_error *error);

    wl_event_loop *loop_;
    std::string vm_name_;
    Handlers handlers_;
    sd_bus *bus_ = nullptr;
    std::unique_ptr<BusSource> source_;
    bool connected_ = true;
    std::vector<std::unique_ptr<Console>> consoles_;
    sd_bus_slot *properties_match_ = nullptr;
};

} // namespace phyllome::vmview
