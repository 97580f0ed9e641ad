// VM administration's results (libvirt::VmAdmin) as control replies, in the
// members phyllomectl prints.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "control/request.hpp"
#include "libvirt/vm_admin.hpp"

namespace phyllome {

nlohmann::json created_reply(const libvirt::AdminResult<libvirt::CreatedVm> &result);
nlohmann::json adopted_reply(const std::string &name,
                             const libvirt::AdminResult<libvirt::AdoptedVm> &result);
nlohmann::json acted_reply(const std::string &name, control::VmAction action,
                           const libvirt::AdminResult<libvirt::ActedVm> &result);
nlohmann::json xml_reply(const std::string &name,
                         const libvirt::AdminResult<libvirt::VmXml> &result);
nlohmann::json defined_reply(const std::string &name,
                             const libvirt::AdminResult<libvirt::DefinedVm> &result);

} // namespace phyllome
