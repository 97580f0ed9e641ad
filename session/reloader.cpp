#include "session/reloader.hpp"

#include <csignal>
#include <exception>

#include "base/log.hpp"
#include "compositor/input_devices.hpp"
#include "session/readiness.hpp"
#include "compositor/server.hpp"
#include "session/session_config.hpp"
#include "session/vm_displays.hpp"

namespace phyllome {

Reloader::Reloader(Server &server, SessionConfig &session_config, Readiness &readiness,
                   VmDisplays &displays, InputDevices &input)
    : server_(server), session_config_(session_config), readiness_(readiness), displays_(displays),
      input_(input)
{
    wl_event_loop *loop = server.event_loop();
    sighup_ = wl_event_loop_add_signal(loop, SIGHUP, on_sighup, this);
    if (!session_config.path())
        return;
    try {
        watcher_ = std::make_unique<config::ConfigWatcher>(*session_config.path());
        watch_source_ =
            wl_event_loop_add_fd(loop, watcher_->fd(), WL_EVENT_READABLE, on_watch, this);
    } catch (const std::exception &error) {
        base::log_error("Not watching the session file (SIGHUP still reloads): %s",
                error.what());
    }
}

Reloader::~Reloader()
{
    if (watch_source_)
        wl_event_source_remove(watch_source_);
    if (sighup_)
        wl_event_source_remove(sighup_);
}

Reloader::Outcome Reloader::reload()
{
    readiness_.reloading();
    const std::string file = session_config_.path() ? session_config_.path()->string() : "";
    SessionConfig::Reload outcome = session_config_.reload();
    if (!outcome.applied) {
        for (const auto &error : outcome.errors)
            base::log_error("%s", config::to_string(error).c_str());
        const std::string status = outcome.errors.empty()
                                       ? "No session file to reload"
                                       : "Session file invalid, keeping the last valid one: " +
                                             config::to_string(outcome.errors.front());
        base::log_error("%s", status.c_str());
        readiness_.reloaded(status);
        return {false, status};
    }
    for (const auto &action : outcome.actions)
        base::log_info("Reload: %s", config::to_string(action).c_str());
    // Devices that change seat release what they hold first; outputs
    // whose card text and console are unchanged are not touched.
    input_.reload(session_config_.config());
    displays_.sync_libvirt();
    displays_.assign();
    server_.refresh_cards();
    const std::string status =
        "Reloaded " + file + ": " + std::to_string(outcome.actions.size()) + " change(s)";
    base::log_info("%s", status.c_str());
    readiness_.reloaded(status);
    return {true, status};
}

int Reloader::on_sighup(int, void *data)
{
    static_cast<Reloader *>(data)->reload();
    return 0;
}

int Reloader::on_watch(int, uint32_t, void *data)
{
    auto *self = static_cast<Reloader *>(data);
    if (self->watcher_->dispatch())
        self->reload();
    return 0;
}

} // namespace phyllome
