// phyllomectl's requests as the session reads them: one JSON object per
// line, {"command": "...", ...arguments}. Pure (no wlroots, no sockets), so
// every shape a peer can send is unit-tested. A new command is a new
// alternative of Request.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "libvirt/vm_model.hpp"

namespace phyllome::control {

// The longest request line accepted, newline excluded.
inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;

struct StatusRequest {
    bool operator==(const StatusRequest &) const = default;
};
struct DevicesRequest {
    bool operator==(const DevicesRequest &) const = default;
};
struct ReloadRequest {
    bool operator==(const ReloadRequest &) const = default;
};
// Waits for the next key or button press on any device.
struct IdentifyRequest {
    bool operator==(const IdentifyRequest &) const = default;
};
struct SwitchRequest {
    std::string seat;
    std::string vm;
    bool operator==(const SwitchRequest &) const = default;
};

enum class VmAction { Start, Shutdown, Destroy };
std::string_view to_string(VmAction action);
std::optional<VmAction> parse_vm_action(std::string_view text);

struct VmRequest {
    VmAction action = VmAction::Start;
    std::string name;
    bool operator==(const VmRequest &) const = default;
};

// Defines a new VM with the session's model: what the user wrote, as
// libvirt::VmAdmin takes it.
using VmCreateRequest = libvirt::NewVm;
// Adds to an existing domain what the session needs.
struct VmAdoptRequest {
    std::string name;
    bool operator==(const VmAdoptRequest &) const = default;
};

// Every VM of the session's libvirt connections, shown on a seat or not.
struct VmListRequest {
    bool operator==(const VmListRequest &) const = default;
};
// A domain's definition (libvirt's inactive XML), and a new one for it:
// under `embedded` nothing but the session reaches its domains.
struct VmXmlRequest {
    std::string name;
    bool operator==(const VmXmlRequest &) const = default;
};
struct VmDefineRequest {
    std::string xml; // the domain XML itself (phyllomectl reads the file)
    bool operator==(const VmDefineRequest &) const = default;
};

// The host's USB devices: listed with their seat, VM and state, or one
// (by its sysname, "1-2.3") put into a VM or taken out by hand.
struct UsbRequest {
    enum class Action { List, Attach, Detach };
    Action action = Action::List;
    std::string device;            // Attach, Detach
    std::optional<std::string> vm; // Attach; none: the VM its seat shows
    bool operator==(const UsbRequest &) const = default;
};

using Request = std::variant<StatusRequest, DevicesRequest, SwitchRequest, ReloadRequest, VmRequest,
                             IdentifyRequest, VmCreateRequest, VmAdoptRequest, VmListRequest,
                             VmXmlRequest, VmDefineRequest, UsbRequest>;

struct ParseError {
    std::string message; // one line, for the error reply
};

// Parses and validates one request line (without its newline).
std::variant<Request, ParseError> parse_request(std::string_view line);

// The request as it goes on the wire; parse_request(to_json(r).dump()) == r.
nlohmann::json to_json(const Request &request);

} // namespace phyllome::control
