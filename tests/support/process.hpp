// Running real programs from tests: the session binary and Wayland clients
// (grim, wlr-randr). Waiting is always on an fd or a child's exit, bounded
// by a deadline so that a broken build fails instead of hanging.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace phyllome::test {

// Environment changes for a child: a value sets the variable, nullopt
// removes it.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

struct CommandResult {
    int exit_code = -1;  // -1 if it did not exit normally
    int term_signal = 0; // the signal that ended it, if any
    bool timed_out = false;
    std::string output; // stdout and stderr together
};

// Runs argv to completion, killing it at the deadline.
CommandResult run_command(const std::vector<std::string> &argv, const EnvChanges &env = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Starts argv with stdout and stderr going to `log_path`; the `keep` fds
// stay open in the child under the same numbers.
pid_t spawn(const std::vector<std::string> &argv, const EnvChanges &env,
            const std::string &log_path, const std::vector<int> &keep = {});

// Waits for a child to end; nullopt if it outlives the timeout. The value is
// the raw wait status.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

// The path a test binary was told about through the environment (set by
// meson), e.g. required_env("GRIM").
std::string required_env(const char *name);

} // namespace phyllome::test
