#include "control/doctor.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include "config/load.hpp"
#include "control/client.hpp"
#include "control/reply.hpp"
#include "control/request.hpp"
#include "libvirt/libvirt_connection.hpp"

namespace phyllome::control {
namespace {

// A VM of an embedded root the running session holds, through its socket.
libvirt::Check check_vm_through_session(const std::string &socket, const std::string &name)
{
    const auto line = send_request(socket, to_line(to_json(VmXmlRequest{name})));
    if (const auto *failure = std::get_if<RequestFailure>(&line))
        return {"VM " + name, false, "asking the session: " + failure->message, ""};
    const auto reply = nlohmann::json::parse(std::get<std::string>(line), nullptr, false);
    if (reply.is_object() && reply.value("ok", false) && reply.contains("xml") &&
        reply["xml"].is_string())
        return libvirt::check_vm_xml(name, reply["xml"].get<std::string>());
    return {"VM " + name, false,
            reply.is_object() ? reply.value("error", "no answer") : "no answer",
            "create it (phyllomectl vm create " + name +
                " --os linux) or fix its name in the session file"};
}

} // namespace

std::vector<libvirt::Check> run_doctor(const std::string &config_path,
                                      const std::string &session_socket)
{
    const libvirt::CheckEnvironment environment;
    std::vector<libvirt::Check> checks;
    checks.push_back(libvirt::check_kvm());
    if (checks.back().ok)
        checks.push_back(libvirt::check_qemu_kvm());
    std::string node;
    checks.push_back(libvirt::check_render_node(libvirt::render_nodes(), node));
    checks.push_back(libvirt::check_virgl(node));
    // What `vm create` needs, as libvirt finds it.
    const char *search_path = std::getenv("PATH");
    checks.push_back(libvirt::check_swtpm(search_path ? search_path : "/usr/bin:/bin"));
    checks.push_back(libvirt::check_ovmf());

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
        const std::string root = libvirt::embedded_root(uri);
        std::error_code error;
        const bool unmade = !root.empty() && !std::filesystem::exists(root, error);
        if (!connections.count(uri)) {
            virConnectPtr conn = nullptr;
            if (unmade) {
                // Nothing to open yet, and a doctor changes nothing.
                checks.push_back({"libvirt " + uri, true,
                                  "not made yet: the session makes it when it first needs it", ""});
            } else if (const pid_t holder = root.empty() ? 0 : libvirt::embedded_root_holder(root)) {
                const bool usable = !session_socket.empty();
                through_session[uri] = usable;
                checks.push_back(
                    {"libvirt " + uri, usable,
                     "in use by " + libvirt::describe_process(holder) +
                         (usable ? ": its VMs are checked through the session" : ""),
                     usable ? ""
                            : "run the doctor from that session (phyllomectl --socket PATH "
                              "doctor) or while it is not running"});
            } else {
                checks.push_back(libvirt::check_libvirt(uri, conn));
            }
            connections[uri] = conn;
        }
        if (virConnectPtr conn = connections[uri])
            checks.push_back(libvirt::check_vm(conn, vm.name));
        else if (through_session[uri])
            checks.push_back(check_vm_through_session(session_socket, vm.name));
        else if (unmade)
            checks.push_back(libvirt::check_vm(nullptr, vm.name)); // no such domain yet
    }
    for (const auto &[uri, conn] : connections)
        if (conn)
            virConnectClose(conn);
    return checks;
}

nlohmann::json doctor_json(const std::vector<libvirt::Check> &checks)
{
    nlohmann::json list = nlohmann::json::array();
    bool ok = true;
    for (const libvirt::Check &check : checks) {
        list.push_back(
            {{"what", check.what}, {"ok", check.ok}, {"detail", check.detail}, {"fix", check.fix}});
        ok = ok && check.ok;
    }
    return {{"ok", ok}, {"checks", list}};
}

std::string doctor_text(const std::vector<libvirt::Check> &checks)
{
    std::string out;
    for (const libvirt::Check &check : checks) {
        out += (check.ok ? "ok    " : "FAIL  ") + check.what + ": " + check.detail + "\n";
        if (!check.ok && !check.fix.empty())
            out += "      fix: " + check.fix + "\n";
    }
    return out;
}

} // namespace phyllome::control
