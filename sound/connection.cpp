#include "sound/connection.hpp"

#include <algorithm>

#include "base/log.hpp"

namespace phyllome::sound {

namespace {

std::string in_seconds(int ms)
{
    return std::to_string((ms + 999) / 1000) + " s";
}

} // namespace

Connection::Connection(wl_event_loop *loop, std::function<void()> changed, std::string remote)
    : loop_(loop), changed_(std::move(changed)), remote_(std::move(remote)),
      next_retry_ms_(kFirstRetryMs), retry_(loop, [this] {
          if (connect())
              changed_();
      })
{
    connect();
}

bool Connection::connect()
{
    std::string why;
    try {
        server_ = std::make_unique<Server>(loop_, remote_);
    } catch (const ServerError &e) {
        why = e.what();
    }
    if (!server_) {
        // Said once per outage: the tries may go on for the whole login on
        // a PC without PipeWire.
        if (!failure_said_)
            base::log_info("No sound: %s; trying again every %s at most", why.c_str(),
                           in_seconds(kMaxRetryMs).c_str());
        failure_said_ = true;
        retry_later(why);
        return false;
    }
    failure_said_ = false;
    ++connections_;
    base::log_info("Sound through PipeWire at %s%s", server_->socket_path().c_str(),
                   connections_ > 1 ? " (connected again)" : "");
    why_none_.clear();
    next_retry_ms_ = kFirstRetryMs;
    server_->on_gone([this] { gone(); });
    return true;
}

void Connection::gone()
{
    // Kept until the streams made on it are gone (changed_ drops them).
    std::unique_ptr<Server> old = std::move(server_);
    base::log_error("PipeWire at %s went away (%s): sound stops until it is back",
                    old->socket_path().c_str(), old->gone_reason().c_str());
    retry_later("PipeWire went away (" + old->gone_reason() + ")");
    changed_();
}

void Connection::retry_later(const std::string &why)
{
    why_none_ = why + "; trying again in " + in_seconds(next_retry_ms_);
    retry_.arm(next_retry_ms_);
    next_retry_ms_ = std::min(next_retry_ms_ * 2, kMaxRetryMs);
}

} // namespace phyllome::sound
