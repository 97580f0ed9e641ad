// A raw peer of the session's control socket, for tests that send what
// phyllomectl never would. Waits are on the socket, bounded by a deadline.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/unique_fd.hpp"

namespace phyllome::test {

class ControlClient {
public:
    // Connects (blocking); check connected().
    explicit ControlClient(const std::string &path);

    bool connected() const { return static_cast<bool>(fd_); }
    int fd() const { return fd_.get(); }
    // Sends every byte; false if the session closed the connection.
    bool send(const std::string &bytes);
    // Ends our side of the stream (the session sees end of file).
    void shutdown_write();
    void close() { fd_.reset(); }

    // Reads what has arrived without blocking; true when a whole line is
    // there (for a session served by this process, between dispatches).
    bool poll_line();
    // The next line, without its newline: waits up to `timeout`.
    std::optional<std::string>
    read_line(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // True when the session closed the connection (after any lines).
    bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(20));

private:
    // One read; false at end of file or error.
    bool read_some(int timeout_ms);

    base::UniqueFd fd_;
    std::string buffer_;
    bool eof_ = false;
};

} // namespace phyllome::test
