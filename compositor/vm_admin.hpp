// `phyllomectl vm create`, `vm adopt`, `vm list`, `vm xml`, `vm define` and
// the `vm` actions on VMs no seat shows, in the session: the libvirt calls
// and file work run off the loop, the reply comes back on it. The domain XML
// itself is vmview/vm_model's.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <libvirt/libvirt.h>
#include <nlohmann/json.hpp>

#include "control/request.hpp"
#include "vmview/off_loop.hpp"

namespace phyllome {

class VmAdmin {
public:
    using Done = std::function<void(const nlohmann::json &reply)>;
    // `connection` gives the session's open connection to a URI, or null
    // (then a connection of its own is opened for the call).
    VmAdmin(wl_event_loop *loop, std::function<virConnectPtr(const std::string &uri)> connection);

    // Creates the disk (qcow2, mode 0600, never over an existing file) and
    // defines the domain on `uri`. Replies with what was made, or the
    // one-line error.
    void create(const std::string &uri, const control::VmCreateRequest &request, Done done);
    // Saves the domain's definition, then adds what the session needs.
    void adopt(const std::string &uri, const std::string &name, Done done);

    // Every domain on each of `uris`: {"vms": [{"name", "uri", "state"}],
    // "unreachable": [{"uri", "error"}]}.
    void list(const std::vector<std::string> &uris, Done done);
    // Start, ACPI shutdown or power off the domain `name` of the first of
    // `uris` that has one.
    void act(const std::vector<std::string> &uris, const std::string &name,
             control::VmAction action, Done done);
    // The domain's definition (inactive XML), from the first of `uris` that
    // has it.
    void xml(const std::vector<std::string> &uris, const std::string &name, Done done);
    // Defines the domain `name` of `xml` on `uri`, validated by libvirt; the
    // old definition, if any, is saved first (and removed again if libvirt
    // refuses the new one: then nothing changed).
    void define(const std::string &uri, const std::string &name, const std::string &xml, Done done);

private:
    std::function<virConnectPtr(const std::string &uri)> connection_;
    vmview::OffLoop off_loop_;
};

} // namespace phyllome
