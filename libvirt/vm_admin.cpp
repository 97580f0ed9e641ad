#include "libvirt/vm_admin.hpp"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <optional>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "config/config.hpp"
#include "libvirt/common.hpp"
#include "libvirt/libvirt_connection.hpp"
#include "libvirt/preflight.hpp"

extern char **environ;

namespace phyllome::libvirt {
namespace {

using SessionConnection = std::function<virConnectPtr(const std::string &uri)>;

std::string libvirt_error(const std::string &what)
{
    return what + ": " + last_libvirt_error();
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
            conn = open_libvirt(uri, &why_not);
        return conn;
    }
    // Why the connection cannot be used: open_libvirt's reason (a busy
    // embedded root names its holder), else libvirt's last error.
    std::string why() const { return why_not.empty() ? last_libvirt_error() : why_not; }
    std::string why_not;
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
Connections connections_to(const std::vector<std::string> &uris, const SessionConnection &session)
{
    Connections made;
    for (const std::string &uri : uris)
        made.push_back(std::make_shared<Connection>(uri, session(uri)));
    return made;
}

// Runs `work` off the loop; what it returns goes to `done` on the loop.
template <typename Result, typename Work>
void run_off_loop(base::OffLoop &off_loop, Work work, std::function<void(const Result &)> done)
{
    auto result = std::make_shared<Result>();
    off_loop.run([work = std::move(work), result] { *result = work(); },
                 [result, done = std::move(done)] { done(*result); });
}

// Runs `work(conn)` off the loop with the connection to `uri` open, or
// gives the reason it would not open.
template <typename T, typename Work>
void run_on_uri(base::OffLoop &off_loop, const SessionConnection &session, const std::string &uri,
                Work work, VmAdmin::Done<T> done)
{
    run_off_loop(
        off_loop,
        [connection = std::make_shared<Connection>(uri, session(uri)),
         work = std::move(work)]() -> AdminResult<T> {
            virConnectPtr conn = connection->open();
            if (!conn)
                return "libvirt " + connection->uri + ": " + connection->why();
            return work(conn);
        },
        std::move(done));
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
            unreachable += "; libvirt " + connection->uri + ": " + connection->why();
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

// Runs `work(domain, uri)` off the loop on the domain `name` of the first
// of `uris` that has it, or gives the reason none was found.
template <typename T, typename Work>
void run_on_domain(base::OffLoop &off_loop, const SessionConnection &session,
                   const std::vector<std::string> &uris, const std::string &name, Work work,
                   VmAdmin::Done<T> done)
{
    run_off_loop(
        off_loop,
        [connections = connections_to(uris, session), name,
         work = std::move(work)]() -> AdminResult<T> {
            std::string uri, error;
            virDomainPtr domain = find_domain(connections, name, uri, error);
            if (!domain)
                return error;
            AdminResult<T> result = work(domain, uri);
            virDomainFree(domain);
            return result;
        },
        std::move(done));
}

// The domain's persistent definition, secrets included, as `virsh edit`
// shows it (the control socket serves the session's own user only); nullopt
// with libvirt's error set.
std::optional<std::string> definition_of(virDomainPtr domain)
{
    char *xml = virDomainGetXMLDesc(domain, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (!xml)
        return std::nullopt;
    std::string text = xml;
    free(xml);
    return text;
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

// A VM to create: its spec and the size of its new disk.
struct Plan {
    VmSpec spec;
    std::uint64_t disk_bytes = 0;
};

// What `vm create` defines, or the rule `vm` breaks. On the loop: nothing
// here waits.
std::variant<Plan, std::string> plan_of(const std::string &uri, const NewVm &vm)
{
    VmSpec spec;
    spec.name = vm.name;
    const auto os = parse_guest_os(vm.os);
    if (!os)
        return "--os must be linux, windows or other";
    spec.os = *os;
    const auto sizes = vm_sizes(vm.disk_size, vm.memory, vm.cpus);
    if (const auto *rule = std::get_if<std::string>(&sizes))
        return *rule;
    spec.memory_bytes = std::get<VmSizes>(sizes).memory_bytes;
    spec.cpus = std::get<VmSizes>(sizes).cpus;
    spec.iso_path = vm.iso;
    spec.disk_path = disk_dir(uri) + "/" + vm.name + ".qcow2";
    if (auto problem = check_vm_spec(spec))
        return *problem;
    if (!spec.iso_path.empty() && !std::filesystem::is_regular_file(spec.iso_path))
        return "no ISO image at " + spec.iso_path;
    // The model gives Windows a TPM 2.0, which libvirt runs with swtpm: say
    // so now rather than when libvirt starts the VM.
    if (spec.os == GuestOs::Windows) {
        const char *path = std::getenv("PATH");
        const Check swtpm = check_swtpm(path ? path : "");
        if (!swtpm.ok)
            return "a Windows VM gets a TPM 2.0, for which libvirt needs swtpm (" +
                   swtpm.detail.substr(0, swtpm.detail.find(':')) +
                   "): install the packages swtpm and swtpm-tools, then create it again";
    }
    return Plan{spec, std::get<VmSizes>(sizes).disk_bytes};
}

} // namespace

VmAdmin::VmAdmin(wl_event_loop *loop,
                 std::function<virConnectPtr(const std::string &uri)> connection)
    : connection_(std::move(connection)), off_loop_(loop)
{
}

void VmAdmin::create(const std::string &uri, const NewVm &vm, Done<CreatedVm> done)
{
    const auto planned = plan_of(uri, vm);
    if (const auto *rule = std::get_if<std::string>(&planned))
        return done(*rule);
    run_on_uri(
        off_loop_, connection_, uri,
        [uri, plan = std::get<Plan>(planned)](virConnectPtr conn) -> AdminResult<CreatedVm> {
            if (virDomainPtr existing = virDomainLookupByName(conn, plan.spec.name.c_str())) {
                virDomainFree(existing);
                return "a VM named " + plan.spec.name + " exists";
            }
            CreatedVm created{plan.spec, {}};
            VmSpec &made = created.spec;
            // What this PC can do decides the model's options (the doctor's
            // checks): KVM, UEFI, and 3D when virglrenderer works.
            made.kvm = check_kvm().ok && check_qemu_kvm().ok;
            made.uefi = ovmf_installed();
            if (!made.uefi)
                created.notes.push_back(
                    "BIOS, because no UEFI firmware (OVMF) is installed; for UEFI "
                    "install the ovmf package (Fedora: edk2-ovmf) before creating "
                    "the VM (phyllomectl doctor checks it)");
            std::string node;
            if (check_render_node(render_nodes(), node).ok && check_virgl(node).ok)
                made.gl_render_node = node;

            std::error_code error;
            std::filesystem::create_directories(disk_dir(uri), error);
            if (std::string failed = create_disk(made.disk_path, plan.disk_bytes); !failed.empty())
                return failed;
            const std::string xml = create_domain_xml(made);
            virDomainPtr domain = virDomainDefineXML(conn, xml.c_str());
            if (!domain) {
                const std::string refused = libvirt_error("libvirt refused the domain");
                std::filesystem::remove(made.disk_path, error); // leave nothing behind
                return refused;
            }
            virDomainFree(domain);
            return created;
        },
        std::move(done));
}

void VmAdmin::adopt(const std::string &uri, const std::string &name, Done<AdoptedVm> done)
{
    run_on_uri(
        off_loop_, connection_, uri,
        [uri, name](virConnectPtr conn) -> AdminResult<AdoptedVm> {
            virDomainPtr domain = virDomainLookupByName(conn, name.c_str());
            if (!domain)
                return "no VM named " + name + " on " + uri;
            const std::optional<std::string> old_xml = definition_of(domain);
            // Before the free, which clears libvirt's error.
            const std::string unread = old_xml ? "" : libvirt_error("cannot read the domain");
            virDomainFree(domain);
            if (!old_xml)
                return unread;
            std::string problem;
            const auto adoption = adopt_domain_xml(*old_xml, problem);
            if (!adoption)
                return problem;
            if (adoption->added.empty())
                return AdoptedVm{{}, {}, adoption->notes};
            // The old definition first: a user who wants it back has it.
            AdoptedVm adopted{adoption->added, save_backup(name, *old_xml, problem),
                              adoption->notes};
            if (adopted.saved.empty())
                return problem;
            virDomainPtr redefined = virDomainDefineXML(conn, adoption->xml.c_str());
            if (!redefined)
                return libvirt_error("libvirt refused the adopted domain (unchanged)");
            virDomainFree(redefined);
            return adopted;
        },
        std::move(done));
}

void VmAdmin::list(const std::vector<std::string> &uris, std::function<void(const VmList &)> done)
{
    run_off_loop(
        off_loop_,
        [connections = connections_to(uris, connection_)] {
            VmList listed;
            for (const auto &connection : connections) {
                virConnectPtr conn = connection->open();
                virDomainPtr *domains = nullptr;
                const int count = conn ? virConnectListAllDomains(conn, &domains, 0) : -1;
                if (count < 0) {
                    listed.unreachable.push_back({connection->uri, "libvirt: " + connection->why()});
                    continue;
                }
                for (int i = 0; i < count; ++i) {
                    const char *name = virDomainGetName(domains[i]);
                    listed.vms.push_back(
                        {name ? name : "?", connection->uri, state_of(domains[i])});
                    virDomainFree(domains[i]);
                }
                free(domains);
            }
            return listed;
        },
        std::move(done));
}

void VmAdmin::act(const std::vector<std::string> &uris, const std::string &name,
                  VmLink::Action action, Done<ActedVm> done)
{
    run_on_domain(
        off_loop_, connection_, uris, name,
        [action](virDomainPtr domain, const std::string &uri) -> AdminResult<ActedVm> {
            const int acted = action == VmLink::Action::Start      ? virDomainCreate(domain)
                              : action == VmLink::Action::Shutdown ? virDomainShutdown(domain)
                                                                   : virDomainDestroy(domain);
            if (acted < 0)
                return libvirt_error(uri);
            return ActedVm{uri};
        },
        std::move(done));
}

void VmAdmin::xml(const std::vector<std::string> &uris, const std::string &name, Done<VmXml> done)
{
    run_on_domain(
        off_loop_, connection_, uris, name,
        [](virDomainPtr domain, const std::string &uri) -> AdminResult<VmXml> {
            std::optional<std::string> xml = definition_of(domain);
            if (!xml)
                return libvirt_error("cannot read the domain");
            return VmXml{uri, std::move(*xml)};
        },
        std::move(done));
}

void VmAdmin::define(const std::string &uri, const std::string &name, const std::string &xml,
                     Done<DefinedVm> done)
{
    run_on_uri(
        off_loop_, connection_, uri,
        [uri, name, xml](virConnectPtr conn) -> AdminResult<DefinedVm> {
            DefinedVm defined;
            defined.uri = uri;
            if (virDomainPtr old = virDomainLookupByName(conn, name.c_str())) {
                defined.running = virDomainIsActive(old) == 1;
                const std::optional<std::string> old_xml = definition_of(old);
                // Before the free, which clears libvirt's error.
                const std::string unread =
                    old_xml ? "" : libvirt_error("cannot read the domain's definition");
                virDomainFree(old);
                if (!old_xml)
                    return unread;
                std::string error;
                defined.saved = save_backup(name, *old_xml, error);
                if (defined.saved.empty())
                    return error;
            } else {
                virResetLastError();
            }
            // libvirt checks the XML against its schema before anything
            // changes.
            virDomainPtr domain =
                virDomainDefineXMLFlags(conn, xml.c_str(), VIR_DOMAIN_DEFINE_VALIDATE);
            if (!domain) {
                const std::string refused = one_line(libvirt_error(
                    "libvirt refused the definition of " + name + " (nothing changed)"));
                std::error_code ignored;
                if (!defined.saved.empty())
                    std::filesystem::remove(defined.saved, ignored);
                return refused;
            }
            virDomainFree(domain);
            // Defined, but a seat could not show it: say what is missing.
            const Check shows = check_vm_xml(name, xml);
            if (!shows.ok)
                defined.notes.push_back(shows.detail + " (the fix: " + shows.fix + ")");
            return defined;
        },
        std::move(done));
}

} // namespace phyllome::libvirt
