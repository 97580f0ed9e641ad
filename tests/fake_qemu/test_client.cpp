#include "test_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fake_qemu_test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kWait = std::chrono::seconds(15); // generous: sanitizer builds are slow

// Moves fd above the standard descriptors so the child's dup2s never collide.
UniqueFd high_fd(int fd)
{
    const int moved = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd);
    return UniqueFd(moved);
}

} // namespace

UniqueFd &UniqueFd::operator=(UniqueFd &&other) noexcept
{
    reset(other.release());
    return *this;
}

void UniqueFd::reset(int fd)
{
    if (fd_ >= 0)
        close(fd_);
    fd_ = fd;
}

std::vector<uint8_t> read_fd(int fd, size_t offset, size_t length)
{
    std::vector<uint8_t> out(length);
    void *map = mmap(nullptr, offset + length, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return {};
    std::memcpy(out.data(), static_cast<uint8_t *>(map) + offset, length);
    munmap(map, offset + length);
    return out;
}

// The Listener as a client exports it: every method QEMU may call, and the
// Interfaces property QEMU reads from 8.1 on.
namespace {
constexpr uint64_t kAny = SD_BUS_VTABLE_UNPRIVILEGED;
} // namespace

const sd_bus_vtable FakeQemu::kListener[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Scanout", "uuuuay", "", on_call, kAny),
    SD_BUS_METHOD("Update", "iiiiuuay", "", on_call, kAny),
    SD_BUS_METHOD("ScanoutDMABUF", "huuuutb", "", on_call, kAny),
    SD_BUS_METHOD("UpdateDMABUF", "iiii", "", on_call, kAny),
    SD_BUS_METHOD("Disable", "", "", on_call, kAny),
    SD_BUS_METHOD("MouseSet", "iii", "", on_call, kAny),
    SD_BUS_METHOD("CursorDefine", "iiiiay", "", on_call, kAny),
    SD_BUS_PROPERTY("Interfaces", "as", get_interfaces, 0, 0),
    SD_BUS_VTABLE_END,
};
const sd_bus_vtable FakeQemu::kMap[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("ScanoutMap", "huuuuu", "", on_call, kAny),
    SD_BUS_METHOD("UpdateMap", "iiii", "", on_call, kAny),
    SD_BUS_VTABLE_END,
};
const sd_bus_vtable FakeQemu::kDmabuf2[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("ScanoutDMABUF2", "ahuuuuauauuuuutb", "", on_call, kAny),
    SD_BUS_VTABLE_END,
};
const sd_bus_vtable FakeQemu::kAudioOut[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Init", "tybbuyuub", "", on_call, kAny),
    SD_BUS_METHOD("Fini", "t", "", on_call, kAny),
    SD_BUS_METHOD("SetEnabled", "tb", "", on_call, kAny),
    SD_BUS_METHOD("SetVolume", "tbay", "", on_call, kAny),
    SD_BUS_METHOD("Write", "tay", "", on_call, kAny),
    SD_BUS_VTABLE_END,
};
const sd_bus_vtable FakeQemu::kAudioIn[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Init", "tybbuyuub", "", on_call, kAny),
    SD_BUS_METHOD("Fini", "t", "", on_call, kAny),
    SD_BUS_METHOD("SetEnabled", "tb", "", on_call, kAny),
    SD_BUS_METHOD("SetVolume", "tbay", "", on_call, kAny),
    SD_BUS_METHOD("Read", "tt", "ay", on_read, kAny),
    SD_BUS_VTABLE_END,
};

FakeQemu::FakeQemu(const std::string &version, const std::vector<std::string> &extra)
{
    int in[2], out[2], sock[2];
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)
        throw std::runtime_error("pipes");
    UniqueFd child_in = high_fd(in[0]), child_out = high_fd(out[1]), child_sock = high_fd(sock[1]);
    stdin_ = UniqueFd(in[1]);
    stdout_ = UniqueFd(out[0]);
    const char *path = getenv("FAKE_QEMU");
    if (!path)
        throw std::runtime_error("FAKE_QEMU is not set: run through meson test");
    std::vector<std::string> args = {path, "--qemu-version", version, "--fd", "3"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char *> argv;
    for (auto &arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0)
        throw std::runtime_error("fork");
    if (pid_ == 0) {
        dup2(child_in.get(), 0);
        dup2(child_out.get(), 1);
        dup2(child_sock.get(), 3);
        execv(argv[0], argv.data());
        _exit(127);
    }
    sd_bus *bus = nullptr;
    if (sd_bus_new(&bus) < 0)
        throw std::runtime_error("sd_bus_new");
    main_ = bus;
    // The client side of a p2p connection: not a bus client, not a server.
    if (sd_bus_set_fd(bus, sock[0], sock[0]) < 0 || sd_bus_negotiate_fds(bus, 1) < 0 ||
        sd_bus_match_signal(bus, nullptr, nullptr, kConsolePath, "org.freedesktop.DBus.Properties",
                            "PropertiesChanged", on_properties_changed, this) < 0 ||
        sd_bus_start(bus) < 0)
        throw std::runtime_error("main connection");
}

FakeQemu::~FakeQemu()
{
    for (sd_bus *bus : {listener_, audio_out_, audio_in_}) {
        if (bus)
            sd_bus_close_unref(bus);
    }
    for (sd_bus *old : old_listeners_)
        sd_bus_close_unref(old);
    stdin_.reset(); // EOF: the fake exits 0 once idle
    const int status = wait_exit();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    if (main_)
        sd_bus_close_unref(main_);
}

std::string FakeQemu::command(const std::string &line)
{
    const std::string text = line + "\n";
    EXPECT_EQ(write(stdin_.get(), text.data(), text.size()), ssize_t(text.size()));
    return next_line();
}

void FakeQemu::send(const std::string &line)
{
    const std::string text = line + "\n";
    EXPECT_EQ(write(stdin_.get(), text.data(), text.size()), ssize_t(text.size()));
}

std::string FakeQemu::next_line()
{
    std::string line = "<no line>";
    dispatch_until([&] {
        const size_t newline = output_.find('\n');
        if (newline == std::string::npos)
            return false;
        line = output_.substr(0, newline);
        output_.erase(0, newline + 1);
        return true;
    });
    return line;
}

void FakeQemu::register_listener(const std::vector<std::string> &interfaces)
{
    interfaces_ = interfaces;
    int pair[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    sd_bus_error error = SD_BUS_ERROR_NULL;
    const int r = sd_bus_call_method(main_, nullptr, kConsolePath, "org.qemu.Display1.Console",
                                     "RegisterListener", &error, nullptr, "h", pair[1]);
    close(pair[1]);
    EXPECT_GE(r, 0) << (error.message ? error.message : "");
    sd_bus_error_free(&error);
    if (listener_)
        old_listeners_.push_back(listener_);
    sd_bus *bus = nullptr;
    ASSERT_GE(sd_bus_new(&bus), 0);
    listener_ = bus;
    ASSERT_GE(sd_bus_set_fd(bus, pair[0], pair[0]), 0);
    ASSERT_GE(sd_bus_negotiate_fds(bus, 1), 0);
    for (const auto &[interface, vtable] :
         {std::pair{"org.qemu.Display1.Listener", kListener}, std::pair{kMapInterface, kMap},
          std::pair{kDmabuf2Interface, kDmabuf2}}) {
        if (export_listener) {
            ASSERT_GE(sd_bus_add_object_vtable(bus, nullptr, "/org/qemu/Display1/Listener",
                                               interface, vtable, this),
                      0);
        }
    }
    ASSERT_GE(sd_bus_start(bus), 0);
}

std::string FakeQemu::register_audio_listener(bool out)
{
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
        return "socketpair failed";
    sd_bus_error error = SD_BUS_ERROR_NULL;
    const int r = sd_bus_call_method(main_, nullptr, kAudioPath, kAudioInterface,
                                     out ? "RegisterOutListener" : "RegisterInListener", &error,
                                     nullptr, "h", pair[1]);
    close(pair[1]);
    if (r < 0) {
        close(pair[0]);
        std::string out_error = std::string(error.name ? error.name : "?") + ": " +
                                (error.message ? error.message : "");
        sd_bus_error_free(&error);
        return out_error;
    }
    sd_bus *&slot = out ? audio_out_ : audio_in_;
    if (slot)
        old_listeners_.push_back(slot);
    sd_bus *bus = nullptr;
    if (sd_bus_new(&bus) < 0) {
        close(pair[0]);
        return "sd_bus_new failed";
    }
    slot = bus;
    const char *path =
        out ? "/org/qemu/Display1/AudioOutListener" : "/org/qemu/Display1/AudioInListener";
    if (sd_bus_set_fd(bus, pair[0], pair[0]) < 0 || sd_bus_negotiate_fds(bus, 1) < 0 ||
        (export_listener &&
         sd_bus_add_object_vtable(bus, nullptr, path, out ? kAudioOutInterface : kAudioInInterface,
                                  out ? kAudioOut : kAudioIn, this) < 0) ||
        sd_bus_start(bus) < 0)
        return "audio listener connection failed";
    return "ok";
}

std::optional<Call> FakeQemu::take(const std::string &member)
{
    for (auto it = calls_.begin(); it != calls_.end(); ++it) {
        if (it->member == member) {
            Call call = std::move(*it);
            calls_.erase(it);
            return call;
        }
    }
    return std::nullopt;
}

void FakeQemu::close_main()
{
    sd_bus_close_unref(main_);
    main_ = nullptr;
}

uint32_t FakeQemu::console_u32(const char *property)
{
    uint32_t value = 0;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    EXPECT_GE(sd_bus_get_property_trivial(main_, nullptr, kConsolePath, "org.qemu.Display1.Console",
                                          property, &error, 'u', &value),
              0);
    sd_bus_error_free(&error);
    return value;
}

std::string FakeQemu::call_console(const char *interface, const char *member, const char *types,
                                   ...)
{
    sd_bus_message *m = nullptr, *reply = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message_new_method_call(main_, &m, nullptr, kConsolePath, interface, member);
    va_list ap;
    va_start(ap, types);
    sd_bus_message_appendv(m, types, ap);
    va_end(ap);
    const int r = sd_bus_call(main_, m, 0, &error, &reply);
    std::string out = r >= 0 ? "ok" : std::string(error.name) + ": " + error.message;
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
    sd_bus_message_unref(m);
    return out;
}

void FakeQemu::dispatch_until(const std::function<bool()> &done)
{
    const auto deadline = Clock::now() + kWait;
    for (;;) {
        for (sd_bus *bus : buses()) {
            while (bus && sd_bus_process(bus, nullptr) > 0) {
            }
        }
        if (done())
            return;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            ADD_FAILURE() << "timed out waiting for fake-qemu";
            return;
        }
        // A closed stdout stays readable; stop watching it then.
        std::vector<pollfd> fds{{stdout_eof_ ? -1 : stdout_.get(), POLLIN, 0}};
        int timeout = int(left.count());
        for (sd_bus *bus : buses()) {
            if (!bus || sd_bus_get_fd(bus) < 0)
                continue;
            fds.push_back({sd_bus_get_fd(bus), short(sd_bus_get_events(bus)), 0});
            uint64_t until = 0;
            if (sd_bus_get_timeout(bus, &until) > 0 && until != UINT64_MAX) {
                timespec ts{};
                clock_gettime(CLOCK_MONOTONIC, &ts);
                const uint64_t now = uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
                timeout = std::min<int64_t>(timeout, until > now ? (until - now) / 1000 + 1 : 0);
            }
        }
        poll(fds.data(), fds.size(), timeout);
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            char chunk[4096];
            const ssize_t n = read(stdout_.get(), chunk, sizeof(chunk));
            if (n > 0) {
                output_.append(chunk, size_t(n));
            } else {
                stdout_eof_ = true;
                if (output_.find('\n') == std::string::npos) {
                    ADD_FAILURE() << "fake-qemu closed its stdout";
                    return;
                }
            }
        }
    }
}

std::vector<sd_bus *> FakeQemu::buses() const
{
    return {main_, listener_, audio_out_, audio_in_};
}

// Waits (bounded) for the fake to exit and returns its wait status.
int FakeQemu::wait_exit()
{
    if (pid_ <= 0)
        return 0;
    // Its stdout reaches EOF when it exits.
    const auto deadline = Clock::now() + kWait;
    char chunk[4096];
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd fd{stdout_.get(), POLLIN, 0};
        if (left.count() <= 0 || poll(&fd, 1, int(left.count())) <= 0) {
            ADD_FAILURE() << "fake-qemu did not exit";
            kill(pid_, SIGKILL);
            break;
        }
        const ssize_t n = read(stdout_.get(), chunk, sizeof(chunk));
        if (n <= 0)
            break;
        output_.append(chunk, size_t(n));
    }
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
}

int FakeQemu::on_call(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    auto *self = static_cast<FakeQemu *>(userdata);
    Call call;
    call.interface = sd_bus_message_get_interface(m);
    call.member = sd_bus_message_get_member(m);
    char type = 0;
    const char *contents = nullptr;
    while (sd_bus_message_peek_type(m, &type, &contents) > 0) {
        if (type == 'a' && strcmp(contents, "y") == 0) {
            const void *data = nullptr;
            size_t size = 0;
            sd_bus_message_read_array(m, 'y', &data, &size);
            call.data.assign(static_cast<const uint8_t *>(data),
                             static_cast<const uint8_t *>(data) + size);
        } else if (type == 'a' && strcmp(contents, "u") == 0) {
            const void *data = nullptr;
            size_t size = 0;
            sd_bus_message_read_array(m, 'u', &data, &size);
            for (size_t i = 0; i < size / 4; ++i)
                call.numbers.push_back(static_cast<const uint32_t *>(data)[i]);
        } else if (type == 'a') {
            int fd = -1;
            sd_bus_message_enter_container(m, 'a', "h");
            while (sd_bus_message_read(m, "h", &fd) > 0)
                call.fds.emplace_back(fcntl(fd, F_DUPFD_CLOEXEC, 3));
            sd_bus_message_exit_container(m);
        } else if (type == 'h') {
            int fd = -1;
            sd_bus_message_read(m, "h", &fd);
            call.fds.emplace_back(fcntl(fd, F_DUPFD_CLOEXEC, 3));
        } else if (type == 't') {
            uint64_t value = 0;
            sd_bus_message_read(m, "t", &value);
            call.numbers.push_back(int64_t(value));
        } else if (type == 'i') {
            int32_t value = 0;
            sd_bus_message_read(m, "i", &value);
            call.numbers.push_back(value);
        } else {
            uint32_t value = 0; // u, and b (read as 32 bits)
            sd_bus_message_read_basic(m, type, &value);
            call.numbers.push_back(value);
        }
    }
    const std::string member = call.member;
    self->calls_.push_back(std::move(call));
    auto listed = [&](const std::vector<std::string> &list) {
        return std::find(list.begin(), list.end(), member) != list.end();
    };
    if (listed(self->hold))
        return 1; // never answered
    if (listed(self->reject))
        return sd_bus_reply_method_errorf(m, "org.example.Rejected", "%s rejected", member.c_str());
    return sd_bus_reply_method_return(m, "");
}

// Records the call like on_call, then answers read_answer (or the error or
// silence that reject and hold ask for).
int FakeQemu::on_read(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    auto *self = static_cast<FakeQemu *>(userdata);
    Call call;
    call.interface = sd_bus_message_get_interface(m);
    call.member = sd_bus_message_get_member(m);
    uint64_t id = 0, size = 0;
    sd_bus_message_read(m, "tt", &id, &size);
    call.numbers = {int64_t(id), int64_t(size)};
    self->calls_.push_back(std::move(call));
    auto listed = [](const std::vector<std::string> &list) {
        return std::find(list.begin(), list.end(), "Read") != list.end();
    };
    if (listed(self->hold))
        return 1;
    if (listed(self->reject))
        return sd_bus_reply_method_errorf(m, "org.example.Rejected", "Read rejected");
    sd_bus_message *reply = nullptr;
    int r = sd_bus_message_new_method_return(m, &reply);
    if (r >= 0)
        r = sd_bus_message_append_array(reply, 'y', self->read_answer.data(),
                                        self->read_answer.size());
    if (r >= 0)
        r = sd_bus_send(nullptr, reply, nullptr);
    sd_bus_message_unref(reply);
    return r < 0 ? r : 1;
}

int FakeQemu::on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    auto *self = static_cast<FakeQemu *>(userdata);
    const char *interface = nullptr;
    sd_bus_message_read(m, "s", &interface);
    sd_bus_message_enter_container(m, 'a', "{sv}");
    while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
        const char *name = nullptr;
        sd_bus_message_read(m, "s", &name);
        self->changed.push_back(std::string(interface) + "." + name);
        sd_bus_message_skip(m, "v");
        sd_bus_message_exit_container(m);
    }
    return 0;
}

int FakeQemu::get_interfaces(sd_bus *, const char *, const char *, const char *,
                             sd_bus_message *reply, void *userdata, sd_bus_error *)
{
    auto *self = static_cast<FakeQemu *>(userdata);
    int r = sd_bus_message_open_container(reply, 'a', "s");
    for (const auto &name : self->interfaces_) {
        if (r >= 0)
            r = sd_bus_message_append(reply, "s", name.c_str());
    }
    return r < 0 ? r : sd_bus_message_close_container(reply);
}

} // namespace fake_qemu_test
