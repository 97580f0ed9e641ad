#include "vmview/preflight.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <linux/kvm.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/virterror.h>
// virglrenderer 0.10's header has no extern "C" of its own.
extern "C" {
#include <virgl/virglrenderer.h>
}

#include "vmview/domain_xml.hpp"
#include "vmview/libvirt_connection.hpp"

namespace phyllome::vmview {
namespace {

constexpr int kKvmApiVersion = 12; // stable since Linux 2.6.22
constexpr int kVirglTimeoutMs = 20000;
constexpr uint32_t kCapsetVirgl = 1, kCapsetVirgl2 = 2, kCapsetVenus = 4;

Check failed(std::string what, std::string detail, std::string fix)
{
    return {std::move(what), false, std::move(detail), std::move(fix)};
}

// Child side of check_virgl: prints one line and exits.
[[noreturn]] void probe_virgl(const char *node, int out)
{
    static int drm_fd = -1;
    drm_fd = open(node, O_RDWR | O_CLOEXEC);
    if (drm_fd < 0) {
        dprintf(out, "cannot open %s: %s\n", node, strerror(errno));
        _exit(1);
    }
    static virgl_renderer_callbacks callbacks{};
    callbacks.version = 2;
    callbacks.write_fence = [](void *, uint32_t) {
    };
    callbacks.get_drm_fd = [](void *) {
        return drm_fd;
    };
    const int flags = VIRGL_RENDERER_USE_EGL | VIRGL_RENDERER_USE_SURFACELESS;
    if (virgl_renderer_init(nullptr, flags, &callbacks) != 0) {
        dprintf(out, "virgl_renderer_init failed on %s\n", node);
        _exit(1);
    }
    std::string capsets;
    for (const auto &[id, name] :
         {std::pair{kCapsetVirgl, "virgl"}, {kCapsetVirgl2, "virgl2"}, {kCapsetVenus, "venus"}}) {
        uint32_t version = 0, size = 0;
        virgl_renderer_get_cap_set(id, &version, &size);
        if (size > 0)
            capsets +=
                std::string(capsets.empty() ? "" : ", ") + name + " v" + std::to_string(version);
    }
    dprintf(out, "capsets: %s\n", capsets.empty() ? "none" : capsets.c_str());
    _exit(capsets.empty() ? 1 : 0);
}

} // namespace

Check check_kvm(const std::string &device)
{
    const int fd = open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        if (error == ENOENT)
            return failed("KVM", device + " does not exist",
                          "enable virtualization (VT-x/AMD-V) in the firmware setup and load "
                          "kvm_intel or kvm_amd (modprobe kvm_intel)");
        return failed("KVM", "cannot open " + device + ": " + strerror(error),
                      "add yourself to the kvm group (sudo usermod -aG kvm $USER) and log in "
                      "again");
    }
    const int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    close(fd);
    if (version != kKvmApiVersion)
        return failed("KVM", device + " answers API version " + std::to_string(version),
                      "use a kernel whose KVM speaks API version 12");
    return {"KVM", true, device + " works (API version 12)", ""};
}

Check check_qemu_kvm(const std::string &qemu)
{
    const std::string what = "KVM in QEMU";
    // A socket, not a pipe: sending to a QEMU that died must not raise
    // SIGPIPE here (MSG_NOSIGNAL).
    int input[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, input) != 0)
        return failed(what, "socketpair failed", "");
    const pid_t child = fork();
    if (child == 0) {
        dup2(input[0], STDIN_FILENO);
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execlp(qemu.c_str(), qemu.c_str(), "-machine", "q35,accel=kvm", "-cpu", "host", "-m", "64",
               "-nodefaults", "-no-user-config", "-display", "none", "-S", "-qmp", "stdio",
               static_cast<char *>(nullptr));
        _exit(127);
    }
    close(input[0]);
    if (child < 0) {
        close(input[1]);
        return failed(what, "fork failed", "");
    }
    // QEMU reads these once it is set up; a broken KVM aborts before.
    constexpr char kQuit[] = "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n";
    [[maybe_unused]] const ssize_t sent = send(input[1], kQuit, sizeof kQuit - 1, MSG_NOSIGNAL);
    close(input[1]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return {what, true, qemu + " runs a KVM vCPU with the host's CPU model", ""};
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return failed(what, qemu + " is not installed",
                      "install QEMU (Debian: qemu-system-x86; Fedora: qemu-kvm)");
    return failed(what,
                  qemu + " could not set up a KVM vCPU with the host's CPU model (" +
                      (WIFSIGNALED(status) ? std::string("killed by ") + strsignal(WTERMSIG(status))
                                           : "exit status " + std::to_string(WEXITSTATUS(status))) +
                      ")",
                  "nested virtualization that hides CPU features: give this machine the host's "
                  "CPU model (host-passthrough) or run on bare metal; until then VMs run without "
                  "KVM, slowly");
}

std::vector<std::string> render_nodes(const std::string &dir)
{
    std::vector<std::string> nodes;
    if (DIR *d = opendir(dir.c_str())) {
        while (dirent *entry = readdir(d))
            if (std::strncmp(entry->d_name, "renderD", 7) == 0)
                nodes.push_back(dir + "/" + entry->d_name);
        closedir(d);
    }
    std::sort(nodes.begin(), nodes.end());
    return nodes;
}

Check check_render_node(const std::vector<std::string> &nodes, std::string &node)
{
    node.clear();
    if (nodes.empty())
        return failed("render node", "no DRM render node (/dev/dri/renderD*)",
                      "install the GPU's kernel driver (a virtual machine host needs a GPU with "
                      "a Mesa driver for 3D guests); without it guests draw on the CPU");
    std::string refused;
    for (const std::string &candidate : nodes) {
        const int fd = open(candidate.c_str(), O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
            close(fd);
            node = candidate;
            return {"render node", true, candidate + " opens", ""};
        }
        refused += (refused.empty() ? "" : "; ") + candidate + ": " + strerror(errno);
    }
    return failed("render node", refused,
                  "add yourself to the render group (sudo usermod -aG render $USER) and log in "
                  "again");
}

Check check_virgl(const std::string &node)
{
    if (node.empty())
        return failed("virglrenderer", "not tried: no usable render node",
                      "fix the render node first");
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0)
        return failed("virglrenderer", "pipe failed", "");
    const pid_t child = fork();
    if (child == 0) {
        close(pipe_fds[0]);
        probe_virgl(node.c_str(), pipe_fds[1]);
    }
    close(pipe_fds[1]);
    std::string output;
    pollfd readable{pipe_fds[0], POLLIN, 0};
    char chunk[256];
    while (poll(&readable, 1, kVirglTimeoutMs) == 1) {
        const ssize_t n = read(pipe_fds[0], chunk, sizeof chunk);
        if (n <= 0)
            break;
        output.append(chunk, static_cast<std::size_t>(n));
    }
    close(pipe_fds[0]);
    if (child > 0)
        kill(child, SIGKILL); // a hung driver; harmless if it already exited
    int status = 0;
    if (child > 0)
        waitpid(child, &status, 0);
    if (!output.empty() && output.back() == '\n')
        output.pop_back();
    if (child < 0)
        return failed("virglrenderer", "fork failed", "");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return {"virglrenderer", true, "initialises on " + node + ", " + output, ""};
    if (WIFSIGNALED(status) && output.empty())
        output = std::string("crashed or hung (signal ") + strsignal(WTERMSIG(status)) + ")";
    return failed("virglrenderer", output,
                  "install Mesa's EGL and GBM for this GPU (libegl-mesa0, libgbm1, "
                  "mesa-vulkan-drivers for venus); until then VMs use virtio-vga without 3D");
}

Check check_swtpm(const std::string &path)
{
    // libvirt runs swtpm_setup to make the TPM's state, then swtpm, and
    // stops it with swtpm_ioctl.
    std::string missing;
    for (const char *program : {"swtpm", "swtpm_setup", "swtpm_ioctl"}) {
        bool found = false;
        for (std::size_t start = 0; start <= path.size() && !found;) {
            const std::size_t end = std::min(path.find(':', start), path.size());
            const std::string dir = path.substr(start, end - start);
            found = !dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0;
            start = end + 1;
        }
        if (!found)
            missing += (missing.empty() ? "" : ", ") + std::string(program);
    }
    if (!missing.empty())
        return failed("swtpm",
                      missing + " not found: Windows VMs (vm create --os windows) need "
                                "it for their TPM 2.0",
                      "install swtpm and swtpm-tools (Debian and Fedora: packages swtpm and "
                      "swtpm-tools)");
    return {"swtpm", true, "swtpm, swtpm_setup and swtpm_ioctl found: Windows VMs get a TPM 2.0",
            ""};
}

bool ovmf_installed(const std::string &dir)
{
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(dir, error))
        if (entry.path().filename().string().find("x86_64") != std::string::npos)
            return true;
    return false;
}

Check check_ovmf(const std::string &dir)
{
    if (!ovmf_installed(dir))
        return failed("OVMF",
                      "no x86_64 UEFI firmware described in " + dir +
                          ": vm create gives new VMs BIOS",
                      "install OVMF (Debian: package ovmf; Fedora: package edk2-ovmf) for UEFI "
                      "and Secure Boot");
    return {"OVMF", true, "UEFI firmware described in " + dir + ": new VMs get UEFI", ""};
}

Check check_libvirt(const std::string &uri, virConnectPtr &conn)
{
    const std::string what = "libvirt " + uri;
    std::string error;
    conn = open_libvirt(uri, &error);
    if (!conn) {
        return failed(what, error.empty() ? "cannot connect" : error,
                      uri.rfind("qemu:///system", 0) == 0
                          ? "start libvirt (sudo systemctl enable --now libvirtd) and add "
                            "yourself to the libvirt group"
                          : "check the URI in the session file");
    }
    unsigned long version = 0;
    virConnectGetLibVersion(conn, &version);
    return {what, true,
            "connected (libvirt " + std::to_string(version / 1000000) + "." +
                std::to_string(version / 1000 % 1000) + ")",
            ""};
}

Check check_vm(virConnectPtr conn, const std::string &name)
{
    const std::string what = "VM " + name;
    virDomainPtr domain = conn ? virDomainLookupByName(conn, name.c_str()) : nullptr;
    if (!domain)
        return failed(what, "no such domain",
                      "create it (phyllomectl vm create " + name +
                          " --os linux) or fix its name in the session file");
    char *xml = virDomainGetXMLDesc(domain, VIR_DOMAIN_XML_INACTIVE);
    virDomainFree(domain);
    const std::string text = xml ? xml : "";
    free(xml);
    return check_vm_xml(name, text);
}

Check check_vm_xml(const std::string &name, const std::string &text)
{
    const std::string what = "VM " + name;
    const auto graphics = read_domain_graphics(text);
    if (!graphics || !graphics->dbus_p2p_index)
        return failed(what, "no <graphics type='dbus' p2p='yes'/>", "phyllomectl vm adopt " + name);
    std::string detail = "D-Bus display (p2p)";
    if (text.find("type='tablet'") == std::string::npos)
        return failed(what, detail + ", but no tablet: the pointer is relative",
                      "phyllomectl vm adopt " + name);
    const auto gl = text.find("rendernode='");
    if (gl != std::string::npos) {
        const std::string node = text.substr(gl + 12, text.find('\'', gl + 12) - (gl + 12));
        if (access(node.c_str(), F_OK) != 0)
            return failed(what, detail + ", GL on " + node + ", which does not exist",
                          "set the domain's <gl rendernode=.../> to one of " +
                              std::string("/dev/dri/renderD*"));
        detail += ", GL on " + node;
    }
    return {what, true, detail + ", tablet", ""};
}

} // namespace phyllome::vmview
