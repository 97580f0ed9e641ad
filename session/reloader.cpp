#include "session/reloader.hpp"

#include <csignal>
#include <exception>

#include "base/log.hpp"
#include "compositor/input_devices.hpp"
#include "compositor/output.hpp"
#include "compositor/server.hpp"
#include "session/readiness.hpp"
#include "session/seats.hpp"
#include "session/session_config.hpp"

namespace phyllome {

Reloader::Reloader(Server &server, SessionConfig &session_config, Readiness &readiness,
                   Seats &seats, InputDevices &input)
    : server_(server), session_config_(session_config), readiness_(readiness), seats_(seats),
      input_(input)
{
    wl_event_loop *loop = server.event_loop();
    sighup_ = base::SignalSource(loop, SIGHUP, [this] { reload(); });
    if (!session_config.path())
        return;
    try {
        watcher_ = std::make_unique<config::ConfigWatcher>(*session_config.path());
        watch_source_ = base::FdSource(loop, watcher_->fd(), WL_EVENT_READABLE, [this](uint32_t) {
            if (watcher_->dispatch())
                reload();
        });
    } catch (const std::exception &error) {
        base::log_error("Not watching the session file (SIGHUP still reloads): %s",
                error.what());
    }
}

Reloader::Outcome Reloader::reload()
{
    readiness_.reloading();
    const std::string file = session_config_.path() ? session_config_.path()->string() : "";
    SessionConfig::Reload outcome = session_config_.reload();
    const std::string keeping = "keeping " + to_string(session_config_.in_force());
    if (!outcome.applied) {
        std::string status;
        if (outcome.errors.empty()) {
            status = "No session file to reload";
            base::log_info("%s", status.c_str());
        } else if (outcome.missing) {
            // Editors that delete the file and write a new one pass through
            // here: nothing is wrong yet, the new file reloads once written.
            status = "Session file " + config::printable(file) +
                     " is gone (deleted, or being saved), " + keeping + " until it is back";
            base::log_info("%s", status.c_str());
        } else {
            // One line per cause: each error is logged, the status line
            // that repeats the first goes to systemd and phyllomectl only.
            for (const auto &error : outcome.errors)
                base::log_error("%s", config::to_string(error).c_str());
            status = "Session file invalid, " +
                     (session_config_.in_force() == SessionConfig::InForce::Default
                          ? std::string("keeping the built-in default")
                          : std::string("keeping the last valid one")) +
                     ": " + config::to_string(outcome.errors.front());
            base::log_info("Session file not applied, %s", keeping.c_str());
        }
        readiness_.reloaded(status);
        return {false, status};
    }
    for (const auto &warning : outcome.warnings)
        base::log_info("%s", config::to_string(warning).c_str());
    for (const auto &action : outcome.actions)
        base::log_info("Reload: %s", config::printable(config::to_string(action)).c_str());
    // Devices that change seat release what they hold first; outputs
    // whose card text and console are unchanged are not touched.
    input_.reload(session_config_.config());
    seats_.follow_vms();
    seats_.assign();
    server_.refresh_cards();
    session_config_.log_output_warnings(server_.output_names());
    const auto warnings = session_config_.warnings(server_.output_names()).size();
    std::string status = "Reloaded " + config::printable(file) + ": " +
                         std::to_string(outcome.actions.size()) + " change(s)";
    if (warnings > 0)
        status += ", " + std::to_string(warnings) + (warnings == 1 ? " warning" : " warnings");
    base::log_info("%s", status.c_str());
    readiness_.reloaded(status);
    return {true, status};
}

} // namespace phyllome
