// phyllomectl doctor: runs the preflight checks for this PC and for every
// VM of the session file, without the session (it is what to run when the
// session will not start). Compiled into phyllomectl only.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libvirt/preflight.hpp"

namespace phyllome::control {

// Every check: KVM, the render node, virglrenderer, each libvirt URI the
// session file uses, each VM. `config_path` empty: the session's lookup.
std::vector<libvirt::Check> run_doctor(const std::string &config_path);

nlohmann::json doctor_json(const std::vector<libvirt::Check> &checks);
std::string doctor_text(const std::vector<libvirt::Check> &checks);

} // namespace phyllome::control
