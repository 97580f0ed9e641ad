#include "session/vm_admin.hpp"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
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
#include "libvirt/common.hpp"
#include "libvirt/libvirt_connection.hpp"
#include "libvirt/preflight.hpp"
#include "libvirt/vm_model.hpp"

extern char **environ;

namespace phyllome {
namespace {

std::string libvirt_error(const char *what)
{
    return std::string(what) + ": " + libvirt::last_libvirt_error();
}

// A connection for one call: the session's (referenced, so that the
// session may close it meanwhile), or one opened here.
struct Connection {
    std::string uri;
    virConnectPtr conn = nullptr;

    Connection(std::string uri_, virConnectPtr borrowed) : uri(std::move(uri_)), conn(borrowed)
    {
        if (conn)
            virConnectRef(conn);
    }
    // Off the loop: opening may take seconds.
    virConnectPtr open()
    {
        if (!conn)
            conn = libvirt::open_libvirt(uri);
        return conn;
    }
    ~Connection()
    {
        if (conn)
            virConnectClose(conn);
    }
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;
};

using Connections = std::vector<std::shared_ptr<Connection>>;

// A connection per URI for one call. On the loop.
Connections connections_to(const std::vector<std::string> &uris,
                           const std::function<virConnectPtr(const std::string &)> &session)
{
    Connections made;
    for (const std::string &uri : uris)
        made.push_back(std::make_shared<Connection>(uri, session(uri)));
    return made;
}

// libvirt's words for a state, as `vm list` shows it.
std::string state_of(virDomainPtr domain)
{
    int state = VIR_DOMAIN_NOSTATE, reason = 0;
    if (virDomainGetState(domain, &state, &reason, 0) < 0)
        return "unknown";
    switch (state) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
        return "running";
    case VIR_DOMAIN_PAUSED:
        return "paused";
    case VIR_DOMAIN_SHUTDOWN:
        return "shutting down";
    case VIR_DOMAIN_SHUTOFF:
        return "shut off";
    case VIR_DOMAIN_CRASHED:
        return "crashed";
    case VIR_DOMAIN_PMSUSPENDED:
        return "suspended";
    default:
        return "no state";
    }
}

// One line: libvirt's schema errors come on several.
std::string one_line(std::string text)
{
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    for (std::size_t at; (at = text.find('\n')) != std::string::npos;)
        text.replace(at, 1, "; ");
    return text;
}

// The domain `name` on the first connection that has it (the caller frees
// it), or null with `error` saying why not. Off the loop.
virDomainPtr find_domain(const Connections &connections, const std::string &name, std::string &uri,
                         std::string &error)
{
    std::string searched, unreachable;
    for (const auto &connection : connections) {
        virConnectPtr conn = connection->open();
        if (!conn) {
            unreachable += "; " + libvirt_error(("libvirt " + connection->uri).c_str());
            continue;
        }
        if (virDomainPtr domain = virDomainLookupByName(conn, name.c_str())) {
            uri = connection->uri;
            return domain;
        }
        searched += (searched.empty() ? "" : ", ") + connection->uri;
    }
    error = "no VM named " + name + (searched.empty() ? "" : " on " + searched) + unreachable;
    return nullptr;
}

// Saves a domain's old definition where its owner finds it, as a new file
// of mode 0600 (it may hold secrets: display passwords). Its path, or empty
// with `error` set.
std::string save_backup(const std::string &name, const std::string &xml, std::string &error)
{
    const std::string backups = config::state_dir() + "/backups";
    std::error_code ignored;
    std::filesystem::create_directories(backups, ignored);
    // The name comes from a domain XML: keep it inside the folder.
    std::string safe = name;
    for (char &c : safe)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            c = '_';
    const auto stamp = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    const std::string base = backups + "/" + safe + "-" + std::to_string(stamp);
    // Two saves in one second get -2, -3, ...
    for (int attempt = 1; attempt < 100; ++attempt) {
        const std::string path = base + (attempt > 1 ? "-" + std::to_string(attempt) : "") + ".xml";
        const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST)
            continue;
        const bool written =
            fd >= 0 && write(fd, xml.data(), xml.size()) == static_cast<ssize_t>(xml.size());
        if (fd >= 0)
            close(fd);
        if (written)
            return path;
        std::filesystem::remove(path, ignored);
        break;
    }
    error = "cannot save the old definition in " + backups;
    return "";
}

// Where new disks go: libvirt's image folder for the system daemon (its
// QEMU user can read it), else the session's state folder.
std::string disk_dir(const std::string &uri)
{
    if (uri.rfind("qemu:///system", 0) == 0)
        return "/var/lib/libvirt/images";
    return config::state_dir() + "/disks";
}

// qemu-img create -f qcow2 PATH BYTES into a new file of mode 0600 (a
// guest's disk is as private as its backups); the error, empty on success.
std::string create_disk(const std::string &path, std::uint64_t bytes)
{
    // O_EXCL: never over an existing file. qemu-img then keeps the mode.
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? path + " exists; move it away or pick another name"
                               : "cannot create " + path + ": " + strerror(errno);
    close(fd);
    const std::string size = std::to_string(bytes);
    const char *argv[] = {"qemu-img", "create",     "-q",         "-f",
                          "qcow2",    path.c_str(), size.c_str(), nullptr};
    pid_t pid = 0;
    const int spawned =
        posix_spawnp(&pid, "qemu-img", nullptr, nullptr, const_cast<char **>(argv), environ);
    int status = 0;
    while (spawned == 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (spawned != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::error_code ignored;
        std::filesystem::remove(path, ignored); // leave nothing behind
        return spawned != 0 ? std::string("cannot run qemu-img: ") + strerror(spawned)
                            : "qemu-img could not create " + path;
    }
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
    const auto sizes = libvirt::vm_sizes(request.disk_size, request.memory, request.cpus);
    if (const auto *rule = std::get_if<std::string>(&sizes))
        return done(control::error(*rule));
    const auto disk = std::get<libvirt::VmSizes>(sizes).disk_bytes;
    spec.memory_bytes = std::get<libvirt::VmSizes>(sizes).memory_bytes;
    spec.cpus = std::get<libvirt::VmSizes>(sizes).cpus;
    spec.iso_path = request.iso;
    spec.disk_path = disk_dir(uri) + "/" + request.name + ".qcow2";
    if (auto problem = libvirt::check_vm_spec(spec))
        return done(control::error(*problem));
    if (!spec.iso_path.empty() && !std::filesystem::is_regular_file(spec.iso_path))
        return done(control::error("no ISO image at " + spec.iso_path));
    // The model gives Windows a TPM 2.0, which libvirt runs with swtpm: say
    // so now rather than when libvirt starts the VM.
    if (spec.os == libvirt::GuestOs::Windows) {
        const char *path = std::getenv("PATH");
        const libvirt::Check swtpm = libvirt::check_swtpm(path ? path : "");
        if (!swtpm.ok)
            return done(control::error(
                "a Windows VM gets a TPM 2.0, for which libvirt needs swtpm (" +
                swtpm.detail.substr(0, swtpm.detail.find(':')) +
                "): install the packages swtpm and swtpm-tools, then create it again"));
    }

    auto connection = std::make_shared<Connection>(uri, connection_(uri));
    auto result = std::make_shared<nlohmann::json>();
    off_loop_.run(
        [=] {
            virConnectPtr conn = connection->open();
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
            made.uefi = libvirt::ovmf_installed();
            nlohmann::json notes = nlohmann::json::array();
            if (!made.uefi)
                notes.push_back("BIOS, because no UEFI firmware (OVMF) is installed; for UEFI "
                                "install the ovmf package (Fedora: edk2-ovmf) before creating "
                                "the VM (phyllomectl doctor checks it)");
            std::string node;
            if (libvirt::check_render_node(libvirt::render_nodes(), node).ok &&
                libvirt::check_virgl(node).ok)
                made.gl_render_node = node;

            std::error_code error;
            std::filesystem::create_directories(disk_dir(uri), error);
            if (std::string failed = create_disk(made.disk_path, disk); !failed.empty())
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
                                   {"gl", made.gl_render_node},
                                   {"notes", notes}});
        },
        [result, done] { done(*result); });
}

void VmAdmin::adopt(const std::string &uri, const std::string &name, Done done)
{
    auto connection = std::make_shared<Connection>(uri, connection_(uri));
    auto result = std::make_shared<nlohmann::json>();
    off_loop_.run(
        [=] {
            virConnectPtr conn = connection->open();
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
            const std::string saved = save_backup(name, old_xml, problem);
            if (saved.empty())
                return void(*result = control::error(problem));
            virDomainPtr redefined = virDomainDefineXML(conn, adoption->xml.c_str());
            if (!redefined)
                return void(*result = control::error(
                                libvirt_error("libvirt refused the adopted domain (unchanged)")));
            virDomainFree(redefined);
            *result = control::ok({{"vm", name}, {"saved", saved}, {"added", adoption->added}});
        },
        [result, done] { done(*result); });
}

void VmAdmin::list(const std::vector<std::string> &uris, Done done)
{
    auto result = std::make_shared<nlohmann::json>();
    off_loop_.run(
        [connections = connections_to(uris, connection_), result] {
            nlohmann::json vms = nlohmann::json::array();
            nlohmann::json unreachable = nlohmann::json::array();
            for (const auto &connection : connections) {
                virConnectPtr conn = connection->open();
                virDomainPtr *domains = nullptr;
                const int count = conn ? virConnectListAllDomains(conn, &domains, 0) : -1;
                if (count < 0) {
                    unreachable.push_back(
                        {{"uri", connection->uri}, {"error", libvirt_error("libvirt")}});
                    continue;
                }
                for (int i = 0; i < count; ++i) {
                    const char *name = virDomainGetName(domains[i]);
                    vms.push_back({{"name", name ? name : "?"},
                                   {"uri", connection->uri},
                                   {"state", state_of(domains[i])}});
                    virDomainFree(domains[i]);
                }
                free(domains);
            }
            *result = control::ok({{"vms", vms}, {"unreachable", unreachable}});
        },
        [result, done] { done(*result); });
}

void VmAdmin::act(const std::vector<std::string> &uris, const std::string &name,
                  control::VmAction action, Done done)
{
    auto result = std::make_shared<nlohmann::json>();
    off_loop_.run(
        [connections = connections_to(uris, connection_), name, action, result] {
            std::string uri, error;
            virDomainPtr domain = find_domain(connections, name, uri, error);
            if (!domain)
                return void(*result = control::error("vm " + name + ": " + error));
            const int acted = action == control::VmAction::Start      ? virDomainCreate(domain)
                              : action == control::VmAction::Shutdown ? virDomainShutdown(domain)
                                                                      : virDomainDestroy(domain);
            *result =
                acted < 0
                    ? control::error("vm " + name + ": " + libvirt_error(uri.c_str()))
                    : control::ok(
                          {{"vm", name}, {"action", control::to_string(action)}, {"uri", uri}});
            virDomainFree(domain);
        },
        [result, done] { done(*result); });
}

void VmAdmin::xml(const std::vector<std::string> &uris, const std::string &name, Done done)
{
    auto result = std::make_shared<nlohmann::json>();
    off_loop_.run(
        [connections = connections_to(uris, connection_), name, result] {
            std::string uri, error;
            virDomainPtr domain = find_domain(connections, name, uri, error);
            if (!domain)
                return void(*result = control::error(error));
            // As `virsh edit` shows it: the persistent definition, secrets
            // included (the socket serves the session's own user only).
            char *xml =
                virDomainGetXMLDesc(domain, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
            virDomainFree(domain);
            if (!xml)
                return void(*result = control::error(libvirt_error("cannot read the domain")));
            *result = control::ok({{"vm", name}, {"uri", uri}, {"xml", xml}});
            free(xml);
        },
        [result, done] { done(*result); });
}

void VmAdmin::define(const std::string &uri, const std::string &name, const std::string &xml,
                     Done done)
{
    auto connection = std::make_shared<Connection>(uri, connection_(uri));
    auto result = std::make_shared<nlohmann::json>();
    off_loop_.run(
        [connection, uri, name, xml, result] {
            virConnectPtr conn = connection->open();
            if (!conn)
                return void(*result = control::error(libvirt_error(("libvirt " + uri).c_str())));
            std::string saved, error;
            bool running = false;
            if (virDomainPtr old = virDomainLookupByName(conn, name.c_str())) {
                running = virDomainIsActive(old) == 1;
                char *old_xml =
                    virDomainGetXMLDesc(old, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
                virDomainFree(old);
                if (!old_xml)
                    return void(*result = control::error(
                                    libvirt_error("cannot read the domain's definition")));
                saved = save_backup(name, old_xml, error);
                free(old_xml);
                if (saved.empty())
                    return void(*result = control::error(error));
            } else {
                virResetLastError();
            }
            // libvirt checks the XML against its schema before anything
            // changes.
            virDomainPtr domain =
                virDomainDefineXMLFlags(conn, xml.c_str(), VIR_DOMAIN_DEFINE_VALIDATE);
            if (!domain) {
                *result = control::error(one_line(libvirt_error(
                    ("libvirt refused the definition of " + name + " (nothing changed)").c_str())));
                std::error_code ignored;
                if (!saved.empty())
                    std::filesystem::remove(saved, ignored);
                return;
            }
            virDomainFree(domain);
            nlohmann::json reply = {{"vm", name}, {"uri", uri}, {"running", running}};
            reply["saved"] = saved.empty() ? nlohmann::json() : nlohmann::json(saved);
            // Defined, but a seat could not show it: say what is missing.
            const libvirt::Check shows = libvirt::check_vm_xml(name, xml);
            reply["notes"] =
                shows.ok ? nlohmann::json::array()
                         : nlohmann::json::array({shows.detail + " (the fix: " + shows.fix + ")"});
            *result = control::ok(reply);
        },
        [result, done] { done(*result); });
}

} // namespace phyllome
