#include "tests/sound/private_pipewire.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/unique_fd.hpp"
#include "tests/support/process.hpp"

namespace phyllome::test {
namespace {

using namespace std::chrono_literals;

// What PipeWire 0.3.65 and 1.x need to serve a client, and two sinks:
// - protocol-native: the socket;
// - access: it grants a new client its permissions, and PipeWire does not
//   answer a client before it has them (without it a client waits forever);
// - client-node: a client's stream node (pw_stream) lives in the client and
//   is exported to the daemon through it;
// - adapter: the null sinks are adapters around support.null-audio-sink
//   (the audio conversion they need comes from the audioconvert SPA plugin);
// - link-factory: what clients make links with.
// The null sink is a driver (a timer paces it), so a graph with it runs
// without a device. adapter.auto-port-config gives each sink its ports at
// once (playback_FL/FR and their monitor_FL/FR), which a session manager
// would otherwise configure.
std::string config_text()
{
    std::string sinks;
    for (const char *name : {"test-sink-a", "test-sink-b"}) {
        sinks += std::string(R"(
    { factory = adapter
      args = {
          factory.name = support.null-audio-sink
          node.name = )") +
                 name + R"(
          node.description = ")" +
                 name + R"("
          media.class = Audio/Sink
          audio.position = [ FL FR ]
          adapter.auto-port-config = { mode = dsp monitor = true position = preserve }
      }
    })";
    }
    return R"(# Written by tests/sound/private_pipewire.cpp.
context.properties = {
    core.daemon = true
    core.name = pipewire-0
    default.clock.rate = 48000
    support.dbus = false
}
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.* = support/libspa-support
}
context.modules = [
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-access }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-link-factory }
]
context.objects = [)" +
           sinks + R"(
]
)";
}

std::optional<std::string> getenv_string(const std::string &name)
{
    const char *value = std::getenv(name.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
}

bool can_connect(const std::string &path)
{
    base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    return connect(fd.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
}

} // namespace

PrivatePipeWire::PrivatePipeWire()
{
    const std::string tmp = getenv_string("TMPDIR").value_or("/tmp");
    std::string pattern = tmp + "/phyllome-sound-XXXXXX";
    if (!mkdtemp(pattern.data()))
        throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    dir_ = pattern;
    const std::string config = dir_ + "/test-pipewire.conf";
    std::ofstream(config) << config_text();
    std::filesystem::create_directory(dir_ + "/config");

    // This process's environment, for the Server under test.
    const char *names[] = {"XDG_RUNTIME_DIR", "PIPEWIRE_RUNTIME_DIR", "PIPEWIRE_REMOTE"};
    for (size_t i = 0; i < 3; ++i)
        saved_[i] = {names[i], getenv_string(names[i])};
    setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
    setenv("PIPEWIRE_RUNTIME_DIR", dir_.c_str(), 1);
    unsetenv("PIPEWIRE_REMOTE");

    try {
        // An empty XDG_CONFIG_HOME: no pipewire.conf.d of the user's. (The
        // daemon's path comes in PHYLLOME_PIPEWIRE_DAEMON: libpipewire reads
        // PIPEWIRE_DAEMON as "be a server", in the daemon and in this
        // process alike.)
        pid_ = spawn({required_env("PHYLLOME_PIPEWIRE_DAEMON"), "-c", config},
                     {{"XDG_RUNTIME_DIR", dir_},
                      {"PIPEWIRE_RUNTIME_DIR", dir_},
                      {"XDG_CONFIG_HOME", dir_ + "/config"},
                      {"PIPEWIRE_REMOTE", std::nullopt},
                      {"PHYLLOME_PIPEWIRE_DAEMON", std::nullopt}},
                     dir_ + "/pipewire.log");
        wait_until_listening();
    } catch (...) {
        clean_up();
        throw;
    }
}

PrivatePipeWire::~PrivatePipeWire()
{
    clean_up();
}

void PrivatePipeWire::clean_up()
{
    kill();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    for (const Saved &saved : saved_) {
        if (saved.value)
            setenv(saved.name.c_str(), saved.value->c_str(), 1);
        else
            unsetenv(saved.name.c_str());
    }
}

void PrivatePipeWire::wait_until_listening()
{
    // The socket appears when the daemon binds it (inotify says when); it
    // accepts connections from its listen() just after. So: wait for the
    // name, then a bounded number of connect attempts, a short wait on the
    // daemon's exit between them. Never a fixed sleep.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    base::UniqueFd inotify(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!inotify || inotify_add_watch(inotify.get(), dir_.c_str(), IN_CREATE | IN_MOVED_TO) < 0)
        throw std::runtime_error(std::string("inotify: ") + std::strerror(errno));
    base::UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid_, 0)));
    if (!pidfd)
        throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(errno));

    const std::string path = socket_path();
    int attempts = 0;
    while (true) {
        const bool exists = std::filesystem::exists(path);
        if (exists) {
            if (can_connect(path))
                return;
            if (++attempts > 200)
                throw std::runtime_error("PipeWire's socket " + path +
                                         " refuses connections; its log:\n" + log());
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            throw std::runtime_error("PipeWire did not make " + path + " in 10 s; its log:\n" +
                                     log());
        // Before the socket: until inotify or the daemon's end says
        // something. After: 5 ms at most between connect attempts.
        pollfd fds[2] = {{inotify.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
        const int timeout = exists ? 5 : static_cast<int>(left.count());
        if (poll(fds, 2, timeout) < 0 && errno != EINTR)
            throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
        if (fds[1].revents & POLLIN) {
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
            throw std::runtime_error("PipeWire exited while starting; its log:\n" + log());
        }
        char events[4096];
        while (read(inotify.get(), events, sizeof events) > 0) {
        }
    }
}

void PrivatePipeWire::kill()
{
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::string PrivatePipeWire::log() const
{
    std::ifstream file(dir_ + "/pipewire.log");
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

} // namespace phyllome::test
