// The receiving end of the systemd notification protocol (a datagram
// socket named by NOTIFY_SOCKET): how tests hear that a program is ready or
// has reloaded, without sleeping.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace phyllome::test {

class NotifySocket {
public:
    explicit NotifySocket(const std::string &path);
    ~NotifySocket();
    NotifySocket(const NotifySocket &) = delete;
    NotifySocket &operator=(const NotifySocket &) = delete;

    const std::string &path() const { return path_; }

    // Receives messages until one satisfies `wanted`; returns it, or nullopt
    // at the deadline. Messages before it are dropped.
    std::optional<std::string>
    wait_for(const std::function<bool(const std::string &)> &wanted,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));

private:
    std::string path_;
    int fd_ = -1;
};

} // namespace phyllome::test
