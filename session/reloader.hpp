// Live reload: the file watcher, SIGHUP, `phyllomectl reload`, and what a
// reload does to the running session.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <wayland-server-core.h>

#include "base/event_source.hpp"
#include "base/log.hpp"
#include "config/watcher.hpp"

namespace phyllome {

class Server;
class SessionConfig;
class Readiness;
class Seats;
class InputDevices;

class Reloader {
public:
    Reloader(Server &server, SessionConfig &session_config, Readiness &readiness, Seats &seats,
             InputDevices &input);
    Reloader(const Reloader &) = delete;
    Reloader &operator=(const Reloader &) = delete;

    struct Outcome {
        bool applied = false; // false: nothing changed (invalid file, or none)
        std::string status;   // one line, as logged and sent to systemd
    };
    Outcome reload();

private:
    Server &server_;
    SessionConfig &session_config_;
    Readiness &readiness_;
    Seats &seats_;
    InputDevices &input_;
    std::unique_ptr<config::ConfigWatcher> watcher_;
    base::FdSource watch_source_;
    base::SignalSource sighup_;
};

} // namespace phyllome
