#include "session/vm_admin_replies.hpp"

#include "control/reply.hpp"

namespace phyllome {
namespace {

// The error, or "ok" with the members `fields` gives for the result.
template <typename T, typename Fields>
nlohmann::json reply_of(const libvirt::AdminResult<T> &result, Fields fields)
{
    if (const auto *error = std::get_if<std::string>(&result))
        return control::error(*error);
    return control::ok(fields(std::get<T>(result)));
}

} // namespace

nlohmann::json created_reply(const libvirt::AdminResult<libvirt::CreatedVm> &result)
{
    return reply_of(result, [](const libvirt::CreatedVm &created) {
        const libvirt::VmSpec &made = created.spec;
        return nlohmann::json{{"vm", made.name},
                              {"disk", made.disk_path},
                              {"memory", std::to_string(made.memory_bytes >> 20) + " MiB"},
                              {"cpus", made.cpus},
                              {"uefi", made.uefi},
                              {"kvm", made.kvm},
                              {"gl", made.gl_render_node},
                              {"notes", created.notes}};
    });
}

nlohmann::json adopted_reply(const std::string &name,
                             const libvirt::AdminResult<libvirt::AdoptedVm> &result)
{
    return reply_of(result, [&name](const libvirt::AdoptedVm &adopted) {
        nlohmann::json fields = {{"vm", name}, {"added", adopted.added}, {"notes", adopted.notes}};
        if (!adopted.saved.empty())
            fields["saved"] = adopted.saved;
        return fields;
    });
}

nlohmann::json acted_reply(const std::string &name, control::VmAction action,
                           const libvirt::AdminResult<libvirt::ActedVm> &result)
{
    // As for a VM a seat shows: the error names the VM.
    if (const auto *error = std::get_if<std::string>(&result))
        return control::error("vm " + name + ": " + *error);
    return control::ok({{"vm", name},
                        {"action", control::to_string(action)},
                        {"uri", std::get<libvirt::ActedVm>(result).uri}});
}

nlohmann::json xml_reply(const std::string &name,
                         const libvirt::AdminResult<libvirt::VmXml> &result)
{
    return reply_of(result, [&name](const libvirt::VmXml &found) {
        return nlohmann::json{{"vm", name}, {"uri", found.uri}, {"xml", found.xml}};
    });
}

nlohmann::json defined_reply(const std::string &name,
                             const libvirt::AdminResult<libvirt::DefinedVm> &result)
{
    return reply_of(result, [&name](const libvirt::DefinedVm &defined) {
        return nlohmann::json{
            {"vm", name},
            {"uri", defined.uri},
            {"running", defined.running},
            {"saved", defined.saved.empty() ? nlohmann::json() : nlohmann::json(defined.saved)},
            {"notes", defined.notes}};
    });
}

} // namespace phyllome
