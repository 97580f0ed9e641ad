// A minimal QMP client for tests: enough to attach a D-Bus display client to
// a real QEMU (getfd with an fd, add_client), pause it and take a screendump.
#pragma once

#include <chrono>
#include <string>

namespace phyllome::test {

class Qmp {
public:
    // Connects and negotiates capabilities; throws on failure.
    explicit Qmp(const std::string &socket_path);
    ~Qmp();
    Qmp(const Qmp &) = delete;
    Qmp &operator=(const Qmp &) = delete;

    // Sends one command (a JSON object) and returns the reply line, events
    // skipped. `fd`, if not -1, travels with it (SCM_RIGHTS).
    std::string execute(const std::string &command, int fd = -1);

    // The QEMU D-Bus display attach: returns our end of a socketpair whose
    // other end QEMU now serves as a p2p D-Bus connection.
    int attach_dbus_display();

private:
    std::string read_line(std::chrono::milliseconds timeout);

    int fd_ = -1;
    std::string buffer_;
};

} // namespace phyllome::test
