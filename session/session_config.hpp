// The session file as the running session uses it: which seat each output
// belongs to, what its status card says, and reloading while it runs.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compositor/status_card.hpp"
#include "config/config.hpp"
#include "config/diagnostic.hpp"
#include "config/diff.hpp"
#include "config/load.hpp"

namespace phyllome {

// What a status card says about a VM on one output.
struct VmCardState {
    std::string state;      // in words
    std::string fix;        // what to do about it, if the session knows
    bool startable = false; // shut off or crashed: the start keys start it
};

// What the status card of `output` says under `config`; `shown_vm` tells
// the VM a seat shows now (the file's, or the one it was switched to),
// `vm_state` the state of a VM as that output shows it. A startable VM's card names
// the keys that start it (host_keys plus the [keys] start key). `problem`,
// when not empty, replaces the VM state: the session file could not be
// used.
StatusCardText card_text_for_output(
    const config::Config &config, const std::string &output,
    const std::function<std::optional<std::string>(const config::Seat &seat)> &shown_vm,
    const std::function<VmCardState(const std::string &vm, const std::string &output)> &vm_state,
    const std::string &problem);

class SessionConfig {
public:
    // Loads `path` (none: the built-in default). A file that cannot be used
    // leaves the built-in default in place, and problem() says why.
    explicit SessionConfig(std::optional<std::filesystem::path> path);

    const config::Config &config() const { return config_; }
    const std::optional<std::filesystem::path> &path() const { return path_; }
    const std::string &problem() const { return problem_; }

    // Which configuration is in force: the file as it is, the last valid
    // version of it (the file is invalid or gone now), or the built-in
    // default (no file, or it was never valid).
    enum class InForce { File, LastValid, Default };
    InForce in_force() const { return in_force_; }
    // Why the file is not in force now; empty when it is (or there is none).
    const std::vector<config::Diagnostic> &errors() const { return errors_; }
    // The warnings of the configuration in force, those about outputs
    // checked against `outputs` (the ones that exist now), in file order.
    std::vector<config::Diagnostic> warnings(const std::vector<std::string> &outputs) const;
    // Logs the output warnings that `outputs` gives and were not logged
    // for the outputs before (each once, not again at every hotplug).
    void log_output_warnings(const std::vector<std::string> &outputs);

    struct Reload {
        bool applied = false;                // false: the file was invalid, nothing changed
        bool missing = false;                // not applied because the file is gone
        std::vector<config::Action> actions; // what changed, when applied
        std::vector<config::Diagnostic> errors;
        std::vector<config::Diagnostic> warnings; // of the file, when applied
    };
    // Parses and validates the whole file; applies it only when it is valid.
    Reload reload();

private:
    std::optional<std::filesystem::path> path_;
    config::Config config_;
    std::string problem_;
    InForce in_force_ = InForce::Default;
    std::vector<config::Diagnostic> errors_;
    std::vector<config::Diagnostic> warnings_; // of the configuration in force
    std::vector<config::OutputRef> outputs_;   // of the configuration in force
    std::vector<std::string> logged_output_warnings_;
};

// "the last valid version of the session file", "the built-in default", ...
std::string to_string(SessionConfig::InForce in_force);

} // namespace phyllome
