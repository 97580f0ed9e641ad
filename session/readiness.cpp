#include "session/readiness.hpp"

#include <cerrno>
#include <ctime>
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

namespace phyllome {

void Readiness::reloading()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const unsigned long long usec = static_cast<unsigned long long>(now.tv_sec) * 1000000ull +
                                    static_cast<unsigned long long>(now.tv_nsec) / 1000ull;
    const std::string message = "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec);
    sd_notify(0, message.c_str());
}

void Readiness::reloaded(const std::string &status)
{
    const std::string message = "READY=1\nSTATUS=" + status;
    sd_notify(0, message.c_str());
}

} // namespace phyllome
