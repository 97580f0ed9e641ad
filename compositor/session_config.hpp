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

namespace phyllome {

// What a status card says about a VM on one output.
struct VmCardState {
    std::string state;      // in words
    std::string fix;        // what to do about it, if the session knows
    bool startable = false; // shut off or crashed: the start keys start it
};

// What the status card of `output` says under `config`; `vm_state` tells
// the state of a VM as that output shows it. A startable VM's card names
// the keys that start it (host_keys plus the [keys] start key). `problem`,
// when not empty, replaces the VM state: the session file could not be
// used.
StatusCardText card_text_for_output(
    const config::Config &config, const std::string &output,
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

    struct Reload {
        bool applied = false;                // false: the file was invalid, nothing changed
        std::vector<config::Action> actions; // what changed, when applied
        std::vector<config::Diagnostic> errors;
    };
    // Parses and validates the whole file; applies it only when it is valid.
    Reload reload();

private:
    std::optional<std::filesystem::path> path_;
    config::Config config_;
    std::string problem_;
};

} // namespace phyllome
