#include "tests/support/qmp.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace phyllome::test {

Qmp::Qmp(const std::string &socket_path)
{
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof address.sun_path)
        throw std::runtime_error("QMP socket path too long");
    socket_path.copy(address.sun_path, sizeof address.sun_path - 1);
    if (connect(fd_, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        throw std::runtime_error("cannot connect to QMP at " + socket_path + ": " +
                                 strerror(errno));
    read_line(std::chrono::seconds(30)); // the greeting
    const std::string reply = execute(R"({"execute":"qmp_capabilities"})");
    if (reply.find("\"return\"") == std::string::npos)
        throw std::runtime_error("QMP capabilities refused: " + reply);
}

Qmp::~Qmp()
{
    if (fd_ >= 0)
        close(fd_);
}

std::string Qmp::read_line(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto newline = buffer_.find('\n');
        if (newline != std::string::npos) {
            std::string line = buffer_.substr(0, newline);
            buffer_.erase(0, newline + 1);
            return line;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd pfd{fd_, POLLIN, 0};
        if (left.count() <= 0 || poll(&pfd, 1, static_cast<int>(left.count())) <= 0)
            throw std::runtime_error("QMP: no answer");
        char chunk[4096];
        const ssize_t n = read(fd_, chunk, sizeof chunk);
        if (n <= 0)
            throw std::runtime_error("QMP: connection closed");
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
}

std::string Qmp::execute(const std::string &command, int fd)
{
    const std::string line = command + "\n";
    iovec iov{const_cast<char *>(line.data()), line.size()};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(header), &fd, sizeof fd);
    }
    if (sendmsg(fd_, &message, MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
        throw std::runtime_error("QMP: cannot send");
    while (true) {
        std::string reply = read_line(std::chrono::seconds(30));
        if (reply.find("\"event\"") == std::string::npos)
            return reply;
    }
}

int Qmp::attach_dbus_display()
{
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        throw std::runtime_error("socketpair failed");
    std::string reply = execute(R"({"execute":"getfd","arguments":{"fdname":"dbusdpy"}})", pair[1]);
    close(pair[1]);
    if (reply.find("\"return\"") == std::string::npos) {
        close(pair[0]);
        throw std::runtime_error("QMP getfd failed: " + reply);
    }
    reply = execute(
        R"({"execute":"add_client","arguments":{"protocol":"@dbus-display","fdname":"dbusdpy"}})");
    if (reply.find("\"return\"") == std::string::npos) {
        close(pair[0]);
        throw std::runtime_error("QMP add_client failed: " + reply);
    }
    return pair[0];
}

} // namespace phyllome::test
