// The fake QEMU display peer (tests/fake_qemu) as a child process: one end of
// a socketpair is its p2p D-Bus connection, the other is for the client
// under test; commands go to its stdin and each answers one line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace phyllome::test {

class InProcessSession;

// fake-qemu's command for an Update filling the top-left `width` x `height`
// of the frame with `colour` (0xRRGGBB), in x8r8g8b8.
std::string fill_update(uint32_t colour, int width = 64, int height = 48);

class FakeQemu {
public:
    // Starts `fake-qemu --qemu-version VERSION` with its end of a new
    // socketpair; client_fd() is the other end.
    explicit FakeQemu(const std::string &version, const std::string &extra_args = "");
    ~FakeQemu();
    FakeQemu(const FakeQemu &) = delete;
    FakeQemu &operator=(const FakeQemu &) = delete;

    // Takes the client's end (to hand to the session).
    int take_client_fd();

    // Sends one command line.
    void send(const std::string &command);
    // Sends a command and returns its answer, running the in-process
    // session meanwhile (the fake waits for the session's replies).
    std::string command(InProcessSession &session, const std::string &line);
    // Sends a command and waits for its answer (at most 20 s), for a
    // session in another process.
    std::string command(const std::string &line);
    // Reads what has arrived; a complete answer line once there is one.
    std::optional<std::string> poll_line();
    int stdout_fd() const { return from_fake_; }
    pid_t pid() const { return pid_; }
    const std::string &log_path() const { return log_path_; }

private:
    pid_t pid_ = -1;
    int client_fd_ = -1;
    int to_fake_ = -1;
    int from_fake_ = -1;
    std::string buffer_;
    std::string log_path_;
};

} // namespace phyllome::test
