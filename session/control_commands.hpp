// What the control socket's requests do in the running session. Replies
// come now, or later from the loop (identify, libvirt calls).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compositor/input_devices.hpp"
#include "config/config.hpp"
#include "control/request.hpp"
#include "libvirt/vm_admin.hpp"
#include "session/control_server.hpp"

namespace phyllome {

class Seats;
class Server;
class UsbRouter;
class VmFleet;

class ControlCommands {
public:
    struct ReloadOutcome {
        bool applied = false;
        std::string status;
    };
    // `reload` takes the same path as SIGHUP. `status_extra` adds to a
    // status what this class does not know: the session file (its "config"
    // member) and every output ("outputs").
    ControlCommands(std::function<const config::Config &()> config, Seats &seats, VmFleet &fleet,
                    const Server &server, InputDevices &input,
                    std::function<ReloadOutcome()> reload,
                    std::function<void(nlohmann::json &status)> status_extra);
    // Stops catching input for identify.
    ~ControlCommands();
    ControlCommands(const ControlCommands &) = delete;
    ControlCommands &operator=(const ControlCommands &) = delete;

    void handle(ControlServer::ClientId client, const control::Request &request,
                ControlServer::Reply reply);
    void client_gone(ControlServer::ClientId client);

    // Handlers for a ControlServer that sends its requests here.
    ControlServer::Handlers handlers();

    // The usb command's router (null: USB devices are not followed) and
    // why devices are not followed ("" when they are).
    void set_usb(UsbRouter *router, std::string problem)
    {
        usb_ = router;
        usb_problem_ = std::move(problem);
    }

private:
    void identify(ControlServer::ClientId client, ControlServer::Reply reply);
    void caught(const InputDevices::DeviceInfo &device);
    // `vm list`'s reply members: each VM with the seats that show it and
    // whether the session file names it, the file's VMs libvirt does not
    // know too, and the URIs that did not answer.
    nlohmann::json with_seats(const libvirt::VmList &listed) const;

    std::function<const config::Config &()> config_;
    Seats &seats_;
    VmFleet &fleet_;
    const Server &server_;
    InputDevices &input_;
    std::function<ReloadOutcome()> reload_;
    std::function<void(nlohmann::json &status)> status_extra_;
    libvirt::VmAdmin admin_;
    // Every identify waiting gets the same press.
    std::vector<std::pair<ControlServer::ClientId, ControlServer::Reply>> identifying_;
    UsbRouter *usb_ = nullptr;
    std::string usb_problem_;
};

} // namespace phyllome
