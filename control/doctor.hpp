// phyllomectl doctor: runs the preflight checks for this PC and for every
// VM of the session file, without the session (it is what to run when the
// session will not start). Compiled into phyllomectl only.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libvirt/preflight.hpp"

namespace phyllome::control {

// Every check: KVM, the render node, virglrenderer, what `vm create` needs
// (swtpm, OVMF), PipeWire (and the running session's connection to it),
// each seat's audio_out and audio_in, each libvirt URI the session file
// uses, each VM.
// `config_path` empty: the session's lookup. An embedded root that a
// running session holds (libvirt lets one process in) is checked through
// that session's control socket, `session_socket` (empty: none found).
std::vector<libvirt::Check> run_doctor(const std::string &config_path,
                                      const std::string &session_socket);

nlohmann::json doctor_json(const std::vector<libvirt::Check> &checks);
std::string doctor_text(const std::vector<libvirt::Check> &checks);

} // namespace phyllome::control
