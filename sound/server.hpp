// One connection to a PipeWire server, driven by the caller's wayland-server
// event loop (the session's only loop): PipeWire's own loop is a file
// descriptor watched by that loop and dispatched without waiting, so no
// thread of ours runs PipeWire and nothing here blocks the loop. (PipeWire
// runs the streams' audio cycles on a thread of its own, its data loop.)
//
// It mirrors the server's audio graph (sound/graph.hpp) and notices the
// server going away: then it reports it once, on the event loop, and its
// streams keep working as far as the caller sees, playing nothing. It never
// reconnects: a new Server (and new streams) does.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include <wayland-server-core.h>

#include "sound/graph.hpp"

struct pw_core;

namespace phyllome::sound {

// No PipeWire server to connect to, in one line that says where it looked.
class ServerError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What the server says of itself (its core's info), once it said it.
struct ServerInfo {
    std::string name;    // the core's name, e.g. "pipewire-0"
    std::string version; // the server's version, e.g. "0.3.65"
};

class Server {
public:
    // Connects to `remote`: a socket name in $PIPEWIRE_RUNTIME_DIR (else
    // $XDG_RUNTIME_DIR), or an absolute socket path; empty: PipeWire's own
    // choice ($PIPEWIRE_REMOTE, else "pipewire-0"). Throws ServerError when
    // nothing listens there.
    explicit Server(wl_event_loop *loop, const std::string &remote = {});
    // Every Playback and Capture made on it must be gone first.
    ~Server();
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    // The socket it connected to, for messages.
    const std::string &socket_path() const;

    // False once the server went away (it closed the connection, it died).
    bool connected() const;
    // Why it went away, in one line; empty while connected.
    const std::string &gone_reason() const;
    // `gone` runs once, on the event loop (outside PipeWire's dispatch, so
    // it may destroy the streams and this Server), after the server went
    // away; given after that, it runs soon.
    void on_gone(std::function<void()> gone);

    const Graph &graph() const;
    // Empty until the server sent it (soon after connecting).
    const ServerInfo &info() const;

    // True once the server answered a round trip asked for by sync(): the
    // graph then holds every object that existed when it was asked (the
    // server sends its registry before that answer). For a one-shot look
    // at the graph (phyllomectl doctor); the session follows it as it goes.
    void sync();
    bool synced() const;

    // For the streams of this folder.
    pw_core *core() const;
    wl_event_loop *event_loop() const;
    void attach_stream();
    void detach_stream();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace phyllome::sound
