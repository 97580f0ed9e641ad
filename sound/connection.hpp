// The session's link to PipeWire over days: a Server while one answers, and
// after it went away (a restart, an update) or while none runs yet, another
// try after a backoff, until one answers. A PipeWire restart then costs the
// VMs' sound a moment, not the rest of the login.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <wayland-server-core.h>

#include "base/event_source.hpp"
#include "sound/server.hpp"

namespace phyllome::sound {

class Connection {
public:
    // Retries wait 1 s, doubling up to 30 s.
    static constexpr int kFirstRetryMs = 1000;
    static constexpr int kMaxRetryMs = 30000;

    // Connects to `remote` (as Server does) at once; `changed` runs on the
    // event loop, never from this constructor, each time server() changes:
    // after the server went away (server() is null then, and the streams
    // made on the one gone must be destroyed before `changed` returns, since
    // that Server is destroyed right after) and after a reconnect.
    Connection(wl_event_loop *loop, std::function<void()> changed, std::string remote = {});
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // Null while there is no PipeWire to play to.
    Server *server() const { return server_.get(); }
    // Why server() is null, and when the next try is, in one line.
    const std::string &why_none() const { return why_none_; }
    // Connections made so far (1 after the first success).
    int connections() const { return connections_; }

private:
    // One try; on failure, arms the next.
    bool connect();
    void gone();
    void retry_later(const std::string &why);

    wl_event_loop *loop_;
    std::function<void()> changed_;
    std::string remote_;
    int next_retry_ms_;
    int connections_ = 0;
    std::unique_ptr<Server> server_;
    std::string why_none_;
    bool failure_said_ = false;
    base::TimerSource retry_;
};

} // namespace phyllome::sound
