// The control socket phyllomectl talks to: a Unix stream socket, mode 0600,
// served on the compositor's loop (non-blocking, no threads). Each peer must
// be the session's own user (SO_PEERCRED). One JSON request per line; a
// peer's requests are answered in order, one at a time, and nothing more is
// read from it while a reply waits to be written, so a slow or hostile peer
// costs a bounded amount of memory and never blocks the loop. A peer that
// neither sends nor reads for a while is closed, and when every place is
// taken the peer idle the longest makes room, so idle connections never
// lock phyllomectl out.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <wayland-server-core.h>

#include "base/event_source.hpp"
#include "base/unique_fd.hpp"
#include "control/request.hpp"

namespace phyllome {

class ControlServer {
public:
    using ClientId = std::uint64_t;
    // Sends the reply to the request's peer (nothing if it is gone). Call it
    // once, now or later from the loop.
    using Reply = std::function<void(const nlohmann::json &reply)>;
    struct Handlers {
        std::function<void(ClientId client, const control::Request &request, Reply reply)> request;
        // The peer closed its connection: drop what waits for it.
        std::function<void(ClientId client)> client_gone;
    };

    // How long a peer may hold a connection without a request, a reply
    // being written, or one being waited for.
    static constexpr std::chrono::milliseconds kIdleTimeout{10000};
    // Connections served at once.
    static constexpr std::size_t kMaxClients = 256;

    // Listens on `path` (a stale socket file there is replaced). Throws
    // std::runtime_error with a one-line reason.
    ControlServer(wl_event_loop *loop, std::string path, Handlers handlers,
                  std::chrono::milliseconds idle_timeout = kIdleTimeout);
    // Closes every connection and removes the socket file.
    ~ControlServer();
    ControlServer(const ControlServer &) = delete;
    ControlServer &operator=(const ControlServer &) = delete;

    const std::string &path() const { return path_; }
    std::size_t clients() const { return clients_.size(); }

private:
    struct Client;
    void on_client(Client &client, uint32_t mask);
    void on_idle(Client &client);
    // Closes the peer idle the longest; false when every peer waits for a
    // reply.
    bool make_room();
    void close(Client &client);
    void accept_all();
    void read_from(Client &client);
    void process(Client &client);
    void send(Client &client, const nlohmann::json &reply);
    void flush(Client &client);
    // Closes the client when it is done with, else waits for what it needs.
    void settle(Client &client);
    Reply reply_to(ClientId id);

    wl_event_loop *loop_;
    std::string path_;
    Handlers handlers_;
    std::chrono::milliseconds idle_timeout_;
    base::UniqueFd listen_fd_;
    base::FdSource listen_source_;
    ClientId next_id_ = 1;
    ClientId dispatching_ = 0; // the client whose request is being handled now
    std::map<ClientId, std::unique_ptr<Client>> clients_;
    // Replies that arrive after this server is gone are dropped.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

} // namespace phyllome
