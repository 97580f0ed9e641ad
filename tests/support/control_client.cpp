#include "tests/support/control_client.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace phyllome::test {

ControlClient::ControlClient(const std::string &path)
    : fd_(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0))
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (!fd_ || path.size() >= sizeof address.sun_path) {
        fd_.reset();
        return;
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    if (connect(fd_.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        fd_.reset();
}

bool ControlClient::send(const std::string &bytes)
{
    for (std::size_t sent = 0; sent < bytes.size();) {
        const ssize_t n = ::send(fd_.get(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

void ControlClient::shutdown_write()
{
    ::shutdown(fd_.get(), SHUT_WR);
}

bool ControlClient::read_some(int timeout_ms)
{
    pollfd p{fd_.get(), POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0)
        return false;
    char chunk[65536];
    const ssize_t n = recv(fd_.get(), chunk, sizeof chunk, 0);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

bool ControlClient::poll_line()
{
    while (buffer_.find('\n') == std::string::npos && !eof_ && read_some(0)) {
    }
    return buffer_.find('\n') != std::string::npos;
}

std::optional<std::string> ControlClient::read_line(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find('\n') == std::string::npos && !eof_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !read_some(static_cast<int>(left.count())))
            break;
    }
    const std::size_t newline = buffer_.find('\n');
    if (newline == std::string::npos)
        return std::nullopt;
    std::string line = buffer_.substr(0, newline);
    buffer_.erase(0, newline + 1);
    return line;
}

bool ControlClient::wait_closed(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        read_some(static_cast<int>(left.count()));
    }
    return true;
}

} // namespace phyllome::test
