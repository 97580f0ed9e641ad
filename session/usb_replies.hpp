// The usb control command over the router: the device list as JSON, and
// attach/detach by hand answered when done.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "control/request.hpp"
#include "session/usb_router.hpp"

namespace phyllome {

// {"devices": [{"device", "name", "vendor", "product", "id_path", "classes",
// "seat", "vm", "state", "reason", "error", "manual"}], "vms": [{"vm",
// "known", "error"}], "problem"}; `vms`: the running VMs, whether what they
// held at start is known yet, and why it could not be read or a held device
// taken out; `problem` says why no devices are followed ("" when they are).
nlohmann::json usb_json(const UsbRouter &router, const std::string &problem);

// Runs the request; `reply` gets the control reply (now or later).
void usb_command(UsbRouter &router, const std::string &problem, const control::UsbRequest &request,
                 std::function<void(const nlohmann::json &)> reply);

} // namespace phyllome
