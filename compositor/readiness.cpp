#include "compositor/readiness.hpp"

#include <cerrno>
#include <string_view>
#include <unistd.h>

#include <systemd/sd-daemon.h>

namespace phyllome {

Readiness::~Readiness()
{
    if (fd_ >= 0)
        close(fd_);
}

void Readiness::notify(const std::string &socket)
{
    if (fd_ >= 0) {
        const std::string line = "WAYLAND_DISPLAY=" + socket + "\n";
        std::string_view rest = line;
        while (!rest.empty()) {
            const ssize_t written = write(fd_, rest.data(), rest.size());
            if (written < 0 && errno == EINTR)
                continue;
            if (written <= 0)
                break; // the reader went away: nothing else to tell
            rest.remove_prefix(static_cast<std::size_t>(written));
        }
        close(fd_);
        fd_ = -1;
    }
    // A no-op unless NOTIFY_SOCKET is set.
    const std::string status = "READY=1\nSTATUS=Showing on WAYLAND_DISPLAY=" + socket;
    sd_notify(0, status.c_str());
}

} // namespace phyllome
