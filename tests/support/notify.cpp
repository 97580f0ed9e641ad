#include "tests/support/notify.hpp"

#include <cerrno>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace phyllome::test {

NotifySocket::NotifySocket(const std::string &path) : path_(path)
{
    sockaddr_un address{};
    if (path.size() >= sizeof address.sun_path)
        throw std::runtime_error("notify socket path too long: " + path);
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        throw std::runtime_error("cannot bind notify socket " + path);
}

NotifySocket::~NotifySocket()
{
    if (fd_ >= 0)
        close(fd_);
    unlink(path_.c_str());
}

std::optional<std::string>
NotifySocket::wait_for(const std::function<bool(const std::string &)> &wanted,
                       std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return std::nullopt;
        pollfd fd{fd_, POLLIN, 0};
        const int ready = poll(&fd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return std::nullopt;
        char buffer[4096];
        const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0)
            continue;
        std::string message(buffer, static_cast<std::size_t>(n));
        if (wanted(message))
            return message;
    }
}

} // namespace phyllome::test
