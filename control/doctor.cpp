#include "control/doctor.hpp"

#include <map>

#include "config/load.hpp"

namespace phyllome::control {

std::vector<libvirt::Check> run_doctor(const std::string &config_path)
{
    libvirt::report_libvirt_errors_in_checks_only();
    std::vector<libvirt::Check> checks;
    checks.push_back(libvirt::check_kvm());
    if (checks.back().ok)
        checks.push_back(libvirt::check_qemu_kvm());
    std::string node;
    checks.push_back(libvirt::check_render_node(libvirt::render_nodes(), node));
    checks.push_back(libvirt::check_virgl(node));

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
    for (const config::Vm &vm : config.vms) {
        const std::string uri = config::effective_uri(config, vm);
        if (!connections.count(uri)) {
            virConnectPtr conn = nullptr;
            checks.push_back(libvirt::check_libvirt(uri, conn));
            connections[uri] = conn;
        }
        if (virConnectPtr conn = connections[uri])
            checks.push_back(libvirt::check_vm(conn, vm.name));
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
