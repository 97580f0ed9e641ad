// The checks behind `phyllomectl doctor`: can this PC run the session's VMs
// fast, and if not, what exactly to do about it. Each check says what works,
// or what does not and the fix. No check changes anything.
#pragma once

#include <string>
#include <vector>

#include <libvirt/libvirt.h>

namespace phyllome::libvirt {

struct Check {
    std::string what; // "KVM", "render node", "virglrenderer", "libvirt qemu:///system", "VM work"
    bool ok = false;
    std::string detail; // what was found
    std::string fix;    // empty when ok
};

// The checks report libvirt's errors themselves; this stops libvirt from
// also printing them (for a program that runs the checks, as doctor does).
void report_libvirt_errors_in_checks_only();

// /dev/kvm opens read-write and answers KVM_GET_API_VERSION.
Check check_kvm(const std::string &device = "/dev/kvm");

// QEMU (`qemu`, looked up in PATH) can set up a KVM vCPU with the host's
// CPU model, as the session's VMs use: some nested setups open /dev/kvm
// but make QEMU abort there. QEMU starts paused and quits over QMP.
Check check_qemu_kvm(const std::string &qemu = "qemu-system-x86_64");

// The DRM render nodes (renderD*) in `dir`, sorted.
std::vector<std::string> render_nodes(const std::string &dir = "/dev/dri");

// The first render node that opens read-write; `node` gets its path.
Check check_render_node(const std::vector<std::string> &nodes, std::string &node);

// virglrenderer initialises on `node` (EGL, surfaceless) and offers the
// capsets QEMU's virtio-gpu GL needs. Run in a child process: a broken GPU
// driver may crash or hang there, and a doctor must not.
Check check_virgl(const std::string &node);

// The libvirt connection opens; `conn` gets it (close it with
// virConnectClose) or nullptr.
Check check_libvirt(const std::string &uri, virConnectPtr &conn);

// The domain exists and has what the session needs: a p2p D-Bus display,
// an absolute pointer; with GL, a render node that exists.
Check check_vm(virConnectPtr conn, const std::string &name);

} // namespace phyllome::libvirt
