// A real phyllome-session process for black-box tests: headless outputs,
// the pixman renderer, a private XDG_RUNTIME_DIR, readiness through
// --ready-fd.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/ppm.hpp"
#include "tests/support/process.hpp"

namespace phyllome::test {

class SessionProcess {
public:
    // Starts `phyllome-session --ready-fd N` plus `args`; `inherit` are fds
    // the session keeps under the same numbers (for --vm-fd); `run_under`,
    // if given, is a command the session is run by (`setpriv ...`).
    explicit SessionProcess(const std::vector<std::string> &args, EnvChanges env = {},
                            std::vector<int> inherit = {},
                            const std::vector<std::string> &run_under = {});
    ~SessionProcess();
    SessionProcess(const SessionProcess &) = delete;
    SessionProcess &operator=(const SessionProcess &) = delete;

    // Waits for the readiness line; false if the process exited or the
    // timeout passed first.
    bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(30));

    const std::string &socket() const { return socket_; }
    const std::string &runtime_dir() const { return runtime_dir_; }
    std::string log() const;

    // Runs a Wayland client against this session.
    CommandResult run_client(const std::vector<std::string> &argv);

    // `grim -o OUTPUT` into a PPM; nullopt (with the reason logged to the
    // test) when the capture failed.
    std::optional<Image> capture(const std::string &output);

    // Sends the signal and waits for the exit; the raw wait status.
    std::optional<int> stop(int signal_number);
    // Waits for an exit the test caused some other way.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);

    pid_t pid() const { return pid_; }

private:
    std::string runtime_dir_;
    std::string socket_;
    pid_t pid_ = -1;
    int ready_fd_ = -1;
    int captures_ = 0;
};

} // namespace phyllome::test
