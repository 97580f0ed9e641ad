// Administration of any VM of the session's libvirt connections, seat or no
// seat: create, adopt, list, show and define the definition, start, shut
// down, power off (`phyllomectl vm ...`). The libvirt calls and file work run
// off the loop; each result comes back on it as plain data, which the
// session words as a control reply. The domain XML itself is vm_model's.
#pragma once

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include <libvirt/libvirt.h>
#include <wayland-server-core.h>

#include "base/off_loop.hpp"
#include "libvirt/vm_link.hpp"
#include "libvirt/vm_model.hpp"

namespace phyllome::libvirt {

// What a call made, or the one-line error that stopped it.
template <typename T> using AdminResult = std::variant<T, std::string>;

struct CreatedVm {
    VmSpec spec;                    // as defined, disk included
    std::vector<std::string> notes; // what the user may want to change
};

struct AdoptedVm {
    std::vector<std::string> added;      // empty: it had all, nothing changed
    std::string saved;                   // the old definition's copy; empty when unchanged
    std::vector<std::string> notes = {}; // what it left alone that the user may want to change
};

struct ListedVm {
    std::string name;
    std::string uri;
    std::string state; // libvirt's state in words ("running", "shut off", ...)
};
struct UnreachableUri {
    std::string uri;
    std::string error;
};
struct VmList {
    std::vector<ListedVm> vms;
    std::vector<UnreachableUri> unreachable;
};

struct ActedVm {
    std::string uri; // where the VM was found
};

struct VmXml {
    std::string uri;
    std::string xml;
};

struct DefinedVm {
    std::string uri;
    bool running = false;           // it runs on as it was until it next starts
    std::string saved;              // the old definition's copy; empty: there was none
    std::vector<std::string> notes; // what a seat would miss to show it
};

class VmAdmin {
public:
    template <typename T> using Done = std::function<void(const AdminResult<T> &result)>;
    // `connection` gives the session's open connection to a URI, or null
    // (then a connection of its own is opened for the call). On the loop.
    VmAdmin(wl_event_loop *loop, std::function<virConnectPtr(const std::string &uri)> connection);

    // Creates the disk (qcow2, mode 0600, never over an existing file) and
    // defines the domain on `uri`.
    void create(const std::string &uri, const NewVm &vm, Done<CreatedVm> done);
    // Saves the domain's definition, then adds what the session needs.
    void adopt(const std::string &uri, const std::string &name, Done<AdoptedVm> done);

    // Every domain on each of `uris`, and the URIs that did not answer.
    void list(const std::vector<std::string> &uris, std::function<void(const VmList &)> done);
    // Start, ACPI shutdown or power off the domain `name` of the first of
    // `uris` that has one.
    void act(const std::vector<std::string> &uris, const std::string &name, VmLink::Action action,
             Done<ActedVm> done);
    // The domain's definition (inactive XML, secrets included), from the
    // first of `uris` that has it.
    void xml(const std::vector<std::string> &uris, const std::string &name, Done<VmXml> done);
    // Defines the domain `name` of `xml` on `uri`, validated by libvirt; the
    // old definition, if any, is saved first (and removed again if libvirt
    // refuses the new one: then nothing changed).
    void define(const std::string &uri, const std::string &name, const std::string &xml,
                Done<DefinedVm> done);

private:
    std::function<virConnectPtr(const std::string &uri)> connection_;
    base::OffLoop off_loop_;
};

} // namespace phyllome::libvirt
