#include "tests/support/guest.hpp"

#include <csignal>
#include <cstring>
#include <fstream>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compositor/wlr.hpp"
#include "tests/support/process.hpp"

namespace phyllome::test {
namespace {

std::string guest_dir()
{
    return required_env("GUEST_DIR");
}

// A listening socket QEMU connects its serial port to at start.
int listen_on(const std::string &path)
{
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (fd < 0 || path.size() >= sizeof address.sun_path)
        throw std::runtime_error("cannot make a socket at " + path);
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    unlink(path.c_str());
    if (bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        listen(fd, 1) != 0) {
        close(fd);
        throw std::runtime_error("cannot listen at " + path + ": " + strerror(errno));
    }
    return fd;
}

std::string read_file(const std::string &path)
{
    std::ifstream file(path);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

} // namespace

GuestImage build_guest()
{
    const std::string dir = guest_dir();
    const CommandResult result =
        run_command({required_env("GUEST_BUILDER"), dir, required_env("GUEST_PRINTER"),
                     required_env("GUEST_ANIMATE"), required_env("GUEST_TONE")},
                    {}, std::chrono::minutes(5));
    if (result.exit_code != 0)
        throw std::runtime_error("building the test guest failed:\n" + result.output);
    return {dir + "/vmlinuz", dir + "/initramfs.cpio.gz"};
}

std::string guest_accelerator()
{
    const CommandResult result =
        run_command({required_env("GUEST_ACCELERATOR"), guest_dir()}, {}, std::chrono::minutes(2));
    std::string accelerator = result.output.substr(0, result.output.find('\n'));
    if (result.exit_code != 0 || (accelerator != "kvm" && accelerator != "tcg"))
        throw std::runtime_error("guest-accelerator failed:\n" + result.output);
    return accelerator;
}

GuestVm::GuestVm(const GuestImage &image, const std::string &name, const std::string &dir,
                 const std::string &accelerator, const std::vector<std::string> &devices,
                 const Extra &extra)
    : name_(name), dir_(dir)
{
    const std::string serial_path = dir + "/" + name + "-serial.sock";
    const int listener = listen_on(serial_path);
    std::string command_line = "console=ttyS0 quiet panic=-1";
    if (!extra.command_line.empty())
        command_line += " " + extra.command_line;
    // The display serves the audiodev only when told to.
    const std::string display = extra.sound ? "dbus,p2p=on,audiodev=snd0" : "dbus,p2p=on";
    std::vector<std::string> argv = {required_env("QEMU"),
                                     "-name",
                                     name,
                                     "-machine",
                                     "pc,accel=" + accelerator,
                                     "-m",
                                     "256",
                                     "-nodefaults",
                                     "-no-user-config",
                                     "-vga",
                                     "std",
                                     "-display",
                                     display,
                                     "-nic",
                                     "none",
                                     "-monitor",
                                     "none",
                                     "-kernel",
                                     image.kernel,
                                     "-initrd",
                                     image.initrd,
                                     "-append",
                                     command_line,
                                     "-no-reboot",
                                     "-chardev",
                                     "socket,id=serial,path=" + serial_path,
                                     "-serial",
                                     "chardev:serial",
                                     "-qmp",
                                     "unix:" + dir + "/" + name + "-qmp.sock,server=on,wait=off",
                                     "-daemonize",
                                     "-pidfile",
                                     dir + "/" + name + ".pid"};
    for (const std::string &device : devices)
        argv.insert(argv.end(), {"-device", device});
    if (extra.sound)
        argv.insert(argv.end(), {"-audiodev", "dbus,id=snd0", "-device", "intel-hda", "-device",
                                 "hda-output,audiodev=snd0"});
    argv.insert(argv.end(), extra.arguments.begin(), extra.arguments.end());
    const std::string log = dir + "/" + name + "-qemu.log";
    const pid_t starter = spawn(argv, {}, log);
    // -daemonize: the first process exits once QEMU is set up, its serial
    // port connected and its QMP socket listening.
    const auto status = wait_for_exit(starter, std::chrono::seconds(60));
    if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
        close(listener);
        throw std::runtime_error("QEMU did not start:\n" + read_file(log));
    }
    std::ifstream(dir + "/" + name + ".pid") >> pid_;
    pollfd waiting{listener, POLLIN, 0};
    if (poll(&waiting, 1, 10000) == 1)
        serial_fd_ = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    close(listener);
    if (serial_fd_ < 0)
        throw std::runtime_error("QEMU did not connect its serial port");
    qmp_ = std::make_unique<Qmp>(dir + "/" + name + "-qmp.sock");
}

GuestVm::~GuestVm()
{
    if (watch_)
        wl_event_source_remove(watch_);
    if (qmp_) {
        try {
            qmp_->execute(R"({"execute":"quit"})");
        } catch (const std::exception &) {
        }
    }
    if (pid_ > 0)
        ::kill(pid_, SIGKILL);
    if (serial_fd_ >= 0)
        close(serial_fd_);
}

std::pair<int, int> GuestVm::qemu_version()
{
    const std::string reply = qmp_->execute(R"({"execute":"query-version"})");
    // {"return": {"qemu": {"micro": 22, "minor": 2, "major": 7}, ...}}
    auto number = [&](const char *key) {
        const std::string quoted = std::string("\"") + key + "\":";
        const std::size_t at = reply.find(quoted);
        return at == std::string::npos ? -1 : atoi(reply.c_str() + at + quoted.size());
    };
    const int major = number("major"), minor = number("minor");
    if (major < 0 || minor < 0)
        throw std::runtime_error("QEMU's version is not in " + reply);
    return {major, minor};
}

bool GuestVm::running() const
{
    return pid_ > 0 && ::kill(pid_, 0) == 0;
}

bool GuestVm::kill(std::chrono::milliseconds timeout)
{
    if (pid_ <= 0)
        return true;
    // Not our child (QEMU daemonized): its pidfd says when it is gone.
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd < 0)
        return !running();
    ::kill(pid_, SIGKILL);
    pollfd gone{pidfd, POLLIN, 0};
    const bool ended = poll(&gone, 1, static_cast<int>(timeout.count())) == 1;
    close(pidfd);
    if (ended) {
        pid_ = -1;
        qmp_.reset();
    }
    return ended;
}

void GuestVm::read_serial()
{
    char chunk[4096];
    ssize_t n;
    while ((n = read(serial_fd_, chunk, sizeof chunk)) > 0)
        serial_.append(chunk, static_cast<std::size_t>(n));
}

bool GuestVm::wait_for(const std::string &text, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        read_serial();
        if (serial_.find(text) != std::string::npos)
            return true;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd readable{serial_fd_, POLLIN, 0};
        if (left.count() <= 0 || poll(&readable, 1, static_cast<int>(left.count())) <= 0)
            return false;
        if (readable.revents & (POLLHUP | POLLERR)) {
            read_serial();
            return serial_.find(text) != std::string::npos;
        }
    }
}

void GuestVm::watch_on(wl_event_loop *loop)
{
    watch_ = wl_event_loop_add_fd(
        loop, serial_fd_, WL_EVENT_READABLE,
        [](int, uint32_t mask, void *data) {
            auto *vm = static_cast<GuestVm *>(data);
            vm->read_serial();
            // A guest that went away (QEMU ended) must not spin the loop.
            if (mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR)) {
                wl_event_source_remove(vm->watch_);
                vm->watch_ = nullptr;
            }
            return 0;
        },
        this);
}

namespace {

// The serial output's complete lines, without their "\r\n".
std::vector<std::string> complete_lines(const std::string &serial)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t end; (end = serial.find('\n', start)) != std::string::npos; start = end + 1) {
        std::string line = serial.substr(start, end - start);
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        lines.push_back(std::move(line));
    }
    return lines;
}

} // namespace

std::optional<std::string> GuestVm::event_node(const std::string &device_name) const
{
    const std::string suffix = " \"" + device_name + "\"";
    for (const std::string &line : complete_lines(serial_)) {
        if (line.rfind("device ", 0) == 0 && line.size() > suffix.size() &&
            line.compare(line.size() - suffix.size(), suffix.size(), suffix) == 0)
            return line.substr(7, line.size() - 7 - suffix.size());
    }
    return std::nullopt;
}

std::vector<std::string> GuestVm::events_of(const std::string &node) const
{
    std::vector<std::string> events;
    for (const std::string &line : complete_lines(serial_)) {
        if (line.rfind(node + " ", 0) == 0)
            events.push_back(line.substr(node.size() + 1));
    }
    return events;
}

} // namespace phyllome::test
