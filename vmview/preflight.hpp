// The checks behind `phyllomectl doctor`: can this PC run the session's VMs
// fast, and if not, what exactly to do about it. Each check says what works,
// or what does not and the fix. No check changes anything.
#pragma once

#include <string>
#include <vector>

#include <libvirt/libvirt.h>

namespace phyllome::vmview {

struct Check {
    std::string what; // "KVM", "render node", "virglrenderer", "libvirt qemu:///system", "VM work"
    bool ok = false;
    std::string detail; // what was found
    std::string fix;    // empty when ok
};

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

// What `vm create` needs beyond QEMU: swtpm, swtpm_setup and swtpm_ioctl
// (in `path`, a PATH-style list) for the TPM 2.0 of Windows VMs.
Check check_swtpm(const std::string &path);

// OVMF (UEFI for x86_64 VMs): a firmware descriptor for x86_64 in `dir`,
// which is where libvirt looks for them. Without one VMs get BIOS.
bool ovmf_installed(const std::string &dir = "/usr/share/qemu/firmware");
Check check_ovmf(const std::string &dir = "/usr/share/qemu/firmware");

// The libvirt connection opens; `conn` gets it (close it with
// virConnectClose) or nullptr.
Check check_libvirt(const std::string &uri, virConnectPtr &conn);

// The domain exists and has what the session needs: a p2p D-Bus display,
// an absolute pointer; with GL, a render node that exists.
Check check_vm(virConnectPtr conn, const std::string &name);
// The same, on the domain's inactive XML as libvirt gives it.
Check check_vm_xml(const std::string &name, const std::string &xml);

} // namespace phyllome::vmview
