// Tells whoever started the session that it is showing frames: the
// --ready-fd descriptor (written once, then closed) and, under systemd, the
// service manager's notification socket.
#pragma once

#include <string>

namespace phyllome {

class Readiness {
public:
    explicit Readiness(int fd) : fd_(fd) {}
    ~Readiness();
    Readiness(const Readiness &) = delete;
    Readiness &operator=(const Readiness &) = delete;

    // Writes "WAYLAND_DISPLAY=<socket>\n" to the fd and closes it.
    void notify(const std::string &socket);

    // The service manager's reload protocol: reloading() when a reload
    // starts, reloaded() with a one-line status when it is done (applied or
    // refused).
    void reloading();
    void reloaded(const std::string &status);

private:
    int fd_;
};

} // namespace phyllome
