// A PipeWire daemon of the test's own, in a fresh runtime directory, with
// two null sinks (test-sink-a, test-sink-b) and nothing else: no session
// manager, no devices, no user configuration. The sound library links its
// streams itself (sound/links.hpp), so nothing more is needed to play to a
// sink and record its monitor.
//
// While it lives, this process's XDG_RUNTIME_DIR and PIPEWIRE_RUNTIME_DIR
// name its directory (and PIPEWIRE_REMOTE is unset), so that a
// sound::Server made without a remote connects to it; they are put back
// afterwards.
#pragma once

#include <optional>
#include <string>

#include <sys/types.h>

namespace phyllome::test {

class PrivatePipeWire {
public:
    // Starts it and returns once its socket accepts connections; throws
    // std::runtime_error (with its log) when it does not come up.
    PrivatePipeWire();
    // Kills it and removes its directory.
    ~PrivatePipeWire();
    PrivatePipeWire(const PrivatePipeWire &) = delete;
    PrivatePipeWire &operator=(const PrivatePipeWire &) = delete;

    const std::string &runtime_dir() const { return dir_; }
    std::string socket_path() const { return dir_ + "/pipewire-0"; }

    // Another null sink (as a headset plugged in), with its ports; returns
    // once they are there.
    void add_sink(const std::string &name);

    // SIGKILL, as a crash would; returns once it is gone.
    void kill();
    // Kills it (if it runs) and starts it again in the same directory, with
    // the same sinks, as `systemctl --user restart pipewire` would; returns
    // once the sinks have their ports.
    void restart();
    bool running() const { return pid_ > 0; }

    // What it printed so far.
    std::string log() const;

private:
    void start();
    void wait_until_listening();
    void clean_up();

    std::string dir_;
    pid_t pid_ = -1;
    struct Saved {
        std::string name;
        std::optional<std::string> value;
    };
    Saved saved_[3];
};

} // namespace phyllome::test
