#include "session/vm_admin.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "config/config.hpp"
#include "control/reply.hpp"
#include "libvirt/libvirt_connection.hpp"
#include "libvirt/preflight.hpp"
#include "libvirt/vm_model.hpp"

extern char **environ;

namespace phyllome {
namespace {

constexpr std::uint64_t kDefaultDisk = 40ull << 30;
constexpr std::uint64_t kDefaultMemory = 4ull << 30;
constexpr unsigned kDefaultCpus = 2;
constexpr const char *kFirmwareDescriptors = "/usr/share/qemu/firmware";

std::string libvirt_error(const char *what)
{
    const virError *error = virGetLastError();
    return std::string(what) + ": " + (error && error->message ? error->message : "failed");
}

// A connection for one call: the session's, or one opened (and closed) here.
struct Connection {
    virConnectPtr conn = nullptr;
    bool owned = false;

    // Off the loop: opening may take seconds.
    virConnectPtr open(const std::string &uri)
    {
        if (!conn) {
            conn = libvirt::open_libvirt(uri);
            owned = true;
        }
        return conn;
    }
    ~Connection()
    {
        if (owned && conn)
            virConnectClose(conn);
    }
};

// Where new disks go: libvirt's image folder for the system daemon (its
// QEMU user can read it), else the session's state folder.
std::string disk_dir(const std::string &uri)
{
    if (uri.rfind("qemu:///system", 0) == 0)
        return "/var/lib/libvirt/images";
    return config::state_dir() + "/disks";
}

bool ovmf_installed()
{
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(kFirmwareDescriptors, error))
        if (entry.path().filename().string().find("x86_64") != std::string::npos)
            return true;
    return false;
}

// qemu-img create -f qcow2 PATH BYTES; the error, empty on success.
std::string create_disk(const std::string &path, std::uint64_t bytes)
{
    const std::string size = std::to_string(bytes);
    const char *argv[] = {"qemu-img", "create",     "-q",         "-f",
                          "qcow2",    path.c_str(), size.c_str(), nullptr};
    pid_t pid = 0;
    const int spawned =
        posix_spawnp(&pid, "qemu-img", nullptr, nullptr, const_cast<char **>(argv), environ);
    if (spawned != 0)
        return std::string("cannot run qemu-img: ") + strerror(spawned);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return "qemu-img could not create " + path;
    return "";
}

} // namespace

VmAdmin::VmAdmin(wl_event_loop *loop,
                 std::function<virConnectPtr(const std::string &uri)> connection)
    : connection_(std::move(connection)), off_loop_(loop)
{
}

void VmAdmin::create(const std::string &uri, const control::VmCreateRequest &request, Done done)
{
    libvirt::VmSpec spec;
    spec.name = request.name;
    const auto os = libvirt::parse_guest_os(request.os);
    if (!os)
        return done(control::error("--os must be linux, windows or other"));
    spec.os = *os;
    const auto disk = request.disk_size.empty() ? std::optional(kDefaultDisk)
                                                : libvirt::parse_size(request.disk_size);
    const auto memory =
        request.memory.empty() ? std::optional(kDefaultMemory) : libvirt::parse_size(request.memory);
    if (!disk || *disk < (1ull << 30))
        return done(control::error("--disk-size must be a size of at least 1G, like 40G"));
    if (!memory)
        return done(control::error("--memory must be a size like 4G or 4096M"));
    spec.memory_bytes = *memory;
    spec.cpus = request.cpus ? request.cpus : kDefaultCpus;
    spec.iso_path = request.iso;
    spec.disk_path = disk_dir(uri) + "/" + request.name + ".qcow2";
    if (auto problem = libvirt::check_vm_spec(spec))
        return done(control::error(*problem));
    if (!spec.iso_path.empty() && !std::filesystem::is_regular_file(spec.iso_path))
        return done(control::error("no ISO image at " + spec.iso_path));

    auto connection = std::make_shared<Connection>();
    connection->conn = connection_(uri);
    auto result = std::make_shared<nlohmann::json>();
    off_loop_.run(
        [=] {
            virConnectPtr conn = connection->open(uri);
            if (!conn)
                return void(*result = control::error(libvirt_error(("libvirt " + uri).c_str())));
            if (virDomainPtr existing = virDomainLookupByName(conn, spec.name.c_str())) {
                virDomainFree(existing);
                return void(*result = control::error("a VM named " + spec.name + " exists"));
            }
            libvirt::VmSpec made = spec;
            // What this PC can do decides the model's options (the doctor's
            // checks): KVM, UEFI, and 3D when virglrenderer works.
            made.kvm = libvirt::check_kvm().ok && libvirt::check_qemu_kvm().ok;
            made.uefi = ovmf_installed();
            std::string node;
            if (libvirt::check_render_node(libvirt::render_nodes(), node).ok &&
                libvirt::check_virgl(node).ok)
                made.gl_render_node = node;

            std::error_code error;
            std::filesystem::create_directories(disk_dir(uri), error);
            if (std::filesystem::exists(made.disk_path, error))
                return void(*result = control::error(made.disk_path +
                                                     " exists; move it away or pick another name"));
            if (std::string failed = create_disk(made.disk_path, *disk); !failed.empty())
                return void(*result = control::error(failed));
            const std::string xml = libvirt::create_domain_xml(made);
            virDomainPtr domain = virDomainDefineXML(conn, xml.c_str());
            if (!domain) {
                std::filesystem::remove(made.disk_path, error); // leave nothing behind
                return void(*result = control::error(libvirt_error("libvirt refused the domain")));
            }
            virDomainFree(domain);
            *result = control::ok({{"vm", made.name},
                                   {"disk", made.disk_path},
                                   {"memory", std::to_string(made.memory_bytes >> 20) + " MiB"},
                                   {"cpus", made.cpus},
                                   {"uefi", made.uefi},
                                   {"kvm", made.kvm},
                                   {"gl", made.gl_render_node}});
        },
        [result, done] { done(*result); });
}

void VmAdmin::adopt(const std::string &uri, const std::string &name, Done done)
{
    auto connection = std::make_shared<Connection>();
    connection->conn = connection_(uri);
    auto result = std::make_shared<nlohmann::json>();
    off_loop_.run(
        [=] {
            virConnectPtr conn = connection->open(uri);
            if (!conn)
                return void(*result = control::error(libvirt_error(("libvirt " + uri).c_str())));
            virDomainPtr domain = virDomainLookupByName(conn, name.c_str());
            if (!domain)
                return void(*result = control::error("no VM named " + name + " on " + uri));
            char *xml =
                virDomainGetXMLDesc(domain, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
            virDomainFree(domain);
            if (!xml)
                return void(*result = control::error(libvirt_error("cannot read the domain")));
            const std::string old_xml = xml;
            free(xml);
            std::string problem;
            const auto adoption = libvirt::adopt_domain_xml(old_xml, problem);
            if (!adoption)
                return void(*result = control::error(problem));
            if (adoption->added.empty())
                return void(*result =
                                control::ok({{"vm", name}, {"added", nlohmann::json::array()}}));
            // The old definition first: a user who wants it back has it.
            const std::string backups = config::state_dir() + "/backups";
            std::error_code error;
            std::filesystem::create_directories(backups, error);
            const auto stamp = std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
            const std::string saved = backups + "/" + name + "-" + std::to_string(stamp) + ".xml";
            // It may hold secrets (display passwords): the user's eyes only.
            const int fd = open(saved.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            const bool written = fd >= 0 && write(fd, old_xml.data(), old_xml.size()) ==
                                                static_cast<ssize_t>(old_xml.size());
            if (fd >= 0)
                close(fd);
            if (!written)
                return void(*result = control::error("cannot save the old definition to " + saved));
            virDomainPtr redefined = virDomainDefineXML(conn, adoption->xml.c_str());
            if (!redefined)
                return void(*result = control::error(
                                libvirt_error("libvirt refused the adopted domain (unchanged)")));
            virDomainFree(redefined);
            *result = control::ok({{"vm", name}, {"saved", saved}, {"added", adoption->added}});
        },
        [result, done] { done(*result); });
}

} // namespace phyllome
