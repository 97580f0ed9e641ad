#include "session/control_server.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/log.hpp"
#include "control/line_buffer.hpp"
#include "control/reply.hpp"

namespace phyllome {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

std::runtime_error failure(const std::string &what)
{
    return std::runtime_error(what + ": " + std::strerror(errno));
}

// For a peer turned away at the door: one error line, best effort.
void refuse(int fd, const std::string &message)
{
    const std::string line = control::to_line(control::error(message));
    [[maybe_unused]] ssize_t ignored =
        ::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

} // namespace

struct ControlServer::Client {
    ClientId id = 0;
    base::UniqueFd fd;
    base::FdSource source;
    base::TimerSource idle_timer;
    std::chrono::steady_clock::time_point last_active = std::chrono::steady_clock::now();
    control::LineBuffer input{control::kMaxRequestBytes};
    std::string output;   // reply bytes not written yet
    bool busy = false;    // a request waits for its reply
    bool eof = false;     // the peer sent all it will
    bool closing = false; // close once the output is written
    bool dead = false;    // the connection failed: close now
};

ControlServer::ControlServer(wl_event_loop *loop, std::string path, Handlers handlers,
                             std::chrono::milliseconds idle_timeout)
    : loop_(loop), path_(std::move(path)), handlers_(std::move(handlers)),
      idle_timeout_(idle_timeout)
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path_.size() >= sizeof address.sun_path)
        throw std::runtime_error("control socket path too long: " + path_);
    std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);

    listen_fd_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listen_fd_)
        throw failure("control socket");
    // The name carries our Wayland display, which only one live session
    // holds: a socket already there is a crashed session's.
    struct stat existing {};
    if (lstat(path_.c_str(), &existing) == 0 && S_ISSOCK(existing.st_mode))
        unlink(path_.c_str());
    if (bind(listen_fd_.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        throw failure("cannot bind the control socket " + path_);
    // Before listen(): nobody can connect while the mode is still wider.
    if (chmod(path_.c_str(), 0600) != 0 || listen(listen_fd_.get(), SOMAXCONN) != 0) {
        const auto error = failure("cannot listen on the control socket " + path_);
        unlink(path_.c_str());
        throw error;
    }
    listen_source_ = base::FdSource(loop_, listen_fd_.get(), WL_EVENT_READABLE,
                                    [this](uint32_t) { accept_all(); });
}

ControlServer::~ControlServer()
{
    clients_.clear();
    unlink(path_.c_str());
}

void ControlServer::accept_all()
{
    while (true) {
        base::UniqueFd fd(
            accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                base::log_error("Control socket: accept: %s", std::strerror(errno));
            return;
        }
        ucred peer{};
        socklen_t size = sizeof peer;
        if (getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 ||
            peer.uid != getuid()) {
            base::log_error("Control socket: refused a peer of uid %u", peer.uid);
            refuse(fd.get(), "permission denied: only the session's own user may control it");
            continue;
        }
        if (clients_.size() >= kMaxClients && !make_room()) {
            refuse(fd.get(), "too many control connections");
            continue;
        }
        auto client = std::make_unique<Client>();
        client->id = next_id_++;
        Client *owner = client.get(); // its sources go with it: never called after
        client->source = base::FdSource(loop_, fd.get(), WL_EVENT_READABLE,
                                        [this, owner](uint32_t mask) { on_client(*owner, mask); });
        client->idle_timer = base::TimerSource(loop_, [this, owner] { on_idle(*owner); });
        client->idle_timer.arm(static_cast<int>(idle_timeout_.count()));
        client->fd = std::move(fd);
        clients_.emplace(client->id, std::move(client));
    }
}

bool ControlServer::make_room()
{
    Client *oldest = nullptr;
    for (auto &[id, client] : clients_)
        if (!client->busy && (!oldest || client->last_active < oldest->last_active))
            oldest = client.get();
    if (!oldest)
        return false;
    base::log_debug("Control socket: %zu connections, closing the one idle the longest",
            clients_.size());
    close(*oldest);
    return true;
}

void ControlServer::close(Client &client)
{
    const ClientId id = client.id;
    clients_.erase(id);
    if (handlers_.client_gone)
        handlers_.client_gone(id);
}

void ControlServer::on_idle(Client &client)
{
    client.dead = true; // no goodbye: the peer is not listening
    settle(client);
}

void ControlServer::on_client(Client &client, uint32_t mask)
{
    if (mask & WL_EVENT_READABLE)
        read_from(client);
    if (mask & WL_EVENT_WRITABLE)
        flush(client);
    // Reported even while we do not read: the peer is gone for good.
    if ((mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR)) && !(mask & WL_EVENT_READABLE))
        client.dead = true;
    settle(client);
}

void ControlServer::read_from(Client &client)
{
    char buffer[kReadChunk];
    const ssize_t n = read(client.fd.get(), buffer, sizeof buffer);
    if (n > 0) {
        client.input.append({buffer, static_cast<std::size_t>(n)});
        client.last_active = std::chrono::steady_clock::now();
    } else if (n == 0) {
        client.eof = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        client.dead = true;
    }
}

void ControlServer::process(Client &client)
{
    while (!client.busy && client.output.empty() && !client.closing && !client.dead) {
        if (client.input.overflowed()) {
            send(client,
                 control::error("request longer than " + std::to_string(control::kMaxRequestBytes) +
                                " bytes: closing the connection"));
            client.closing = true;
            return;
        }
        std::optional<std::string> line = client.input.next_line();
        if (!line) {
            if (client.eof) {
                if (client.input.has_partial())
                    send(client, control::error("incomplete request: the connection ended "
                                                "before its newline"));
                client.closing = true;
            }
            return;
        }
        auto parsed = control::parse_request(*line);
        if (auto *error = std::get_if<control::ParseError>(&parsed)) {
            send(client, control::error(error->message));
            continue;
        }
        client.busy = true;
        dispatching_ = client.id;
        handlers_.request(client.id, std::get<control::Request>(parsed), reply_to(client.id));
        dispatching_ = 0;
    }
}

ControlServer::Reply ControlServer::reply_to(ClientId id)
{
    return [this, alive = std::weak_ptr<int>(alive_), id](const nlohmann::json &reply) {
        if (alive.expired())
            return;
        auto it = clients_.find(id);
        if (it == clients_.end() || !it->second->busy)
            return; // gone, or answered already
        Client &client = *it->second;
        client.busy = false;
        send(client, reply);
        // A reply given while its request is handled is picked up by
        // process(); a later one moves the client on here.
        if (dispatching_ != id)
            settle(client);
    };
}

void ControlServer::send(Client &client, const nlohmann::json &reply)
{
    client.output += control::to_line(reply);
    flush(client);
}

void ControlServer::flush(Client &client)
{
    while (!client.output.empty()) {
        const ssize_t n = ::send(client.fd.get(), client.output.data(), client.output.size(),
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            client.output.erase(0, static_cast<std::size_t>(n));
            client.last_active = std::chrono::steady_clock::now();
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return; // the loop tells us when it can take more
        } else {
            client.dead = true;
            client.output.clear();
            return;
        }
    }
}

void ControlServer::settle(Client &client)
{
    process(client);
    if (client.dead || (client.closing && client.output.empty())) {
        close(client);
        return;
    }
    uint32_t mask = 0;
    if (!client.output.empty())
        mask = WL_EVENT_WRITABLE;
    else if (!client.busy && !client.eof && !client.closing)
        mask = WL_EVENT_READABLE;
    client.source.update(mask);
    // Idle from now on, unless a reply is awaited: the peer waits for us.
    const auto since = std::chrono::steady_clock::now() - client.last_active;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(idle_timeout_ - since);
    if (client.busy)
        client.idle_timer.disarm();
    else
        client.idle_timer.arm(static_cast<int>(std::max<long>(1, left.count())));
}

} // namespace phyllome
