#include "control/doctor.hpp"

#include <atomic>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "config/load.hpp"
#include "control/client.hpp"
#include "control/reply.hpp"
#include "control/request.hpp"
#include "vmview/libvirt_connection.hpp"

namespace phyllome::control {
namespace {

// libvirt's embedded driver runs in this process and needs an event loop
// (its QEMU monitors): a thread runs libvirt's own while the checks run.
class LibvirtEvents {
public:
    LibvirtEvents()
    {
        static const bool registered = virEventRegisterDefaultImpl() == 0;
        if (!registered)
            return;
        wakeup_ = virEventAddTimeout(
            -1, [](int, void *) {}, nullptr, nullptr);
        thread_ = std::thread([this] {
            while (!quit_)
                virEventRunDefaultImpl();
        });
    }
    ~LibvirtEvents()
    {
        if (!thread_.joinable())
            return;
        quit_ = true;
        virEventUpdateTimeout(wakeup_, 0); // the loop wakes and sees quit_
        thread_.join();
        virEventRemoveTimeout(wakeup_);
    }
    LibvirtEvents(const LibvirtEvents &) = delete;
    LibvirtEvents &operator=(const LibvirtEvents &) = delete;

private:
    std::atomic<bool> quit_{false};
    int wakeup_ = -1;
    std::thread thread_;
};

// The process running an embedded root's driver, which holds the lock on
// its driver.pid (libvirt lets one process in), or 0.
pid_t embedded_root_holder(const std::string &root)
{
    const int fd = open((root + "/run/qemu/driver.pid").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    const bool held = fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
    close(fd);
    return held ? lock.l_pid : 0;
}

std::string process_name(pid_t pid)
{
    std::string name;
    std::getline(std::ifstream("/proc/" + std::to_string(pid) + "/comm"), name);
    return name.empty() ? "process " + std::to_string(pid)
                        : name + " (process " + std::to_string(pid) + ")";
}

// A VM of an embedded root the running session holds, through its socket.
vmview::Check check_vm_through_session(const std::string &socket, const std::string &name)
{
    nlohmann::json reply;
    try {
        reply = nlohmann::json::parse(send_request(socket, to_line(to_json(VmXmlRequest{name}))),
                                      nullptr, false);
    } catch (const std::exception &error) {
        return {"VM " + name, false, std::string("asking the session: ") + error.what(), ""};
    }
    if (reply.is_object() && reply.value("ok", false) && reply.contains("xml") &&
        reply["xml"].is_string())
        return vmview::check_vm_xml(name, reply["xml"].get<std::string>());
    return {"VM " + name, false,
            reply.is_object() ? reply.value("error", "no answer") : "no answer",
            "create it (phyllomectl vm create " + name +
                " --os linux) or fix its name in the session file"};
}

} // namespace

std::vector<vmview::Check> run_doctor(const std::string &config_path,
                                      const std::string &session_socket)
{
    // Each check reports libvirt's errors itself; libvirt must not also
    // print them, nor its log (the embedded driver's probing logs errors
    // that do not matter here) unless the user asks for it.
    setenv("LIBVIRT_LOG_OUTPUTS", "4:file:/dev/null", 0);
    virSetErrorFunc(nullptr, [](void *, virErrorPtr) {});
    const LibvirtEvents events;
    std::vector<vmview::Check> checks;
    checks.push_back(vmview::check_kvm());
    if (checks.back().ok)
        checks.push_back(vmview::check_qemu_kvm());
    std::string node;
    checks.push_back(vmview::check_render_node(vmview::render_nodes(), node));
    checks.push_back(vmview::check_virgl(node));
    // What `vm create` needs, as libvirt finds it.
    const char *search_path = std::getenv("PATH");
    checks.push_back(vmview::check_swtpm(search_path ? search_path : "/usr/bin:/bin"));
    checks.push_back(vmview::check_ovmf());

    const auto path = config::find_config_path(config_path.empty() ? nullptr : config_path.c_str());
    config::Config config = config::default_config();
    if (path) {
        const config::LoadResult loaded = config::load_config(*path);
        if (!loaded.ok()) {
            const config::Diagnostic &first = loaded.errors.front();
            checks.push_back(
                {"session file", false,
                 path->string() + ":" + std::to_string(first.line) + ": " + first.message,
                 "phyllome-session --check-config " + path->string()});
            return checks;
        }
        config = *loaded.config;
        checks.push_back({"session file", true, path->string() + " is valid", ""});
    } else {
        checks.push_back({"session file", true, "none: the built-in default (no VMs)", ""});
    }

    // One connection per URI, as the session keeps.
    std::map<std::string, virConnectPtr> connections;
    std::map<std::string, bool> through_session; // embedded roots a session holds
    for (const config::Vm &vm : config.vms) {
        const std::string uri = config::effective_uri(config, vm);
        const std::string root = vmview::embedded_root(uri);
        std::error_code error;
        const bool unmade = !root.empty() && !std::filesystem::exists(root, error);
        if (!connections.count(uri)) {
            virConnectPtr conn = nullptr;
            if (unmade) {
                // Nothing to open yet, and a doctor changes nothing.
                checks.push_back({"libvirt " + uri, true,
                                  "not made yet: the session makes it when it first needs it", ""});
            } else if (const pid_t holder = root.empty() ? 0 : embedded_root_holder(root)) {
                const bool usable = !session_socket.empty();
                through_session[uri] = usable;
                checks.push_back(
                    {"libvirt " + uri, usable,
                     "in use by " + process_name(holder) +
                         (usable ? ": its VMs are checked through the session" : ""),
                     usable ? ""
                            : "run the doctor from that session (phyllomectl --socket PATH "
                              "doctor) or while it is not running"});
            } else {
                checks.push_back(vmview::check_libvirt(uri, conn));
            }
            connections[uri] = conn;
        }
        if (virConnectPtr conn = connections[uri])
            checks.push_back(vmview::check_vm(conn, vm.name));
        else if (through_session[uri])
            checks.push_back(check_vm_through_session(session_socket, vm.name));
        else if (unmade)
            checks.push_back(vmview::check_vm(nullptr, vm.name)); // no such domain yet
    }
    for (const auto &[uri, conn] : connections)
        if (conn)
            virConnectClose(conn);
    return checks;
}

nlohmann::json doctor_json(const std::vector<vmview::Check> &checks)
{
    nlohmann::json list = nlohmann::json::array();
    bool ok = true;
    for (const vmview::Check &check : checks) {
        list.push_back(
            {{"what", check.what}, {"ok", check.ok}, {"detail", check.detail}, {"fix", check.fix}});
        ok = ok && check.ok;
    }
    return {{"ok", ok}, {"checks", list}};
}

std::string doctor_text(const std::vector<vmview::Check> &checks)
{
    std::string out;
    for (const vmview::Check &check : checks) {
        out += (check.ok ? "ok    " : "FAIL  ") + check.what + ": " + check.detail + "\n";
        if (!check.ok && !check.fix.empty())
            out += "      fix: " + check.fix + "\n";
    }
    return out;
}

} // namespace phyllome::control
