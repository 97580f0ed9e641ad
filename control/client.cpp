#include "control/client.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace phyllome::control {
namespace {

struct Socket {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ~Socket()
    {
        if (fd >= 0)
            close(fd);
    }
};

RequestFailure failure(const std::string &what)
{
    return {what + ": " + std::strerror(errno)};
}

} // namespace

std::variant<std::string, RequestFailure> send_request(const std::string &path,
                                                       const std::string &line)
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        return RequestFailure{"socket path too long: " + path};
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);

    Socket sock;
    if (sock.fd < 0)
        return failure("socket");
    if (connect(sock.fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        return failure("cannot connect to the session at " + path);

    for (std::size_t sent = 0; sent < line.size();) {
        const ssize_t n = send(sock.fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return failure("cannot send the request");
        sent += static_cast<std::size_t>(n);
    }

    std::string reply;
    char buffer[4096];
    while (reply.find('\n') == std::string::npos) {
        const ssize_t n = read(sock.fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return failure("cannot read the reply");
        if (n == 0)
            return RequestFailure{"the session closed the connection without replying"};
        reply.append(buffer, static_cast<std::size_t>(n));
    }
    return reply.substr(0, reply.find('\n'));
}

} // namespace phyllome::control
