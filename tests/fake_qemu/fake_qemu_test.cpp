// Tests of fake-qemu, through a tiny sd-bus client that plays the session's
// part: the p2p main connection, RegisterListener, and the Listener object.
#include "pixels.hpp"

#include <gtest/gtest.h>
#include <pixman.h>
#include <systemd/sd-bus.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <poll.h>
#include <string>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kWait = std::chrono::seconds(15); // generous: sanitizer builds are slow
constexpr const char *kConsolePath = "/org/qemu/Display1/Console_0";
constexpr const char *kMapInterface = "org.qemu.Display1.Listener.Unix.Map";
constexpr const char *kDmabuf2Interface = "org.qemu.Display1.Listener.Unix.ScanoutDMABUF2";
constexpr uint32_t kX8r8g8b8 = 0x20020888;
constexpr uint32_t kXR24 = 0x34325258;

class UniqueFd {
public:
    explicit UniqueFd(int fd = -1) : fd_(fd) {}
    UniqueFd(UniqueFd &&other) noexcept : fd_(other.release()) {}
    UniqueFd &operator=(UniqueFd &&other) noexcept
    {
        reset(other.release());
        return *this;
    }
    ~UniqueFd() { reset(); }
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1)
    {
        if (fd_ >= 0)
            close(fd_);
        fd_ = fd;
    }

private:
    int fd_;
};

// Moves fd above the standard descriptors so the child's dup2s never collide.
UniqueFd high_fd(int fd)
{
    const int moved = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd);
    return UniqueFd(moved);
}

// One call fake-qemu made on our Listener, its arguments flattened.
struct Call {
    std::string interface;
    std::string member;
    std::vector<int64_t> numbers; // every u, i, t, b, and the elements of au
    std::vector<uint8_t> data;    // the ay payload
    std::vector<UniqueFd> fds;    // h and ah
};

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

class FakeQemu {
public:
    explicit FakeQemu(const std::string &version, const std::vector<std::string> &extra = {})
    {
        int in[2], out[2], sock[2];
        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
            socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)
            throw std::runtime_error("pipes");
        UniqueFd child_in = high_fd(in[0]), child_out = high_fd(out[1]),
                 child_sock = high_fd(sock[1]);
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
            sd_bus_start(bus) < 0)
            throw std::runtime_error("main connection");
    }

    ~FakeQemu()
    {
        if (listener_)
            sd_bus_close_unref(listener_);
        for (sd_bus *old : old_listeners_)
            sd_bus_close_unref(old);
        stdin_.reset(); // EOF: the fake exits 0 once idle
        const int status = wait_exit();
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
        if (main_)
            sd_bus_close_unref(main_);
    }

    // Sends one command and returns its one result line.
    std::string command(const std::string &line)
    {
        const std::string text = line + "\n";
        EXPECT_EQ(write(stdin_.get(), text.data(), text.size()), ssize_t(text.size()));
        return next_line();
    }

    // Sends a command without waiting for its result line.
    void send(const std::string &line)
    {
        const std::string text = line + "\n";
        EXPECT_EQ(write(stdin_.get(), text.data(), text.size()), ssize_t(text.size()));
    }

    std::string next_line()
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

    // RegisterListener as the session does it: the call first, then the
    // client side of the handshake on our end, exporting the Listener.
    void register_listener(const std::vector<std::string> &interfaces)
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
        for (const auto &[interface, vtable] : {std::pair{"org.qemu.Display1.Listener", kListener},
                                                std::pair{kMapInterface, kMap},
                                                std::pair{kDmabuf2Interface, kDmabuf2}}) {
            if (export_listener) {
                ASSERT_GE(sd_bus_add_object_vtable(bus, nullptr, "/org/qemu/Display1/Listener",
                                                   interface, vtable, this),
                          0);
            }
        }
        ASSERT_GE(sd_bus_start(bus), 0);
    }

    // The first recorded call to member, taken out of the list.
    std::optional<Call> take(const std::string &member)
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
    std::vector<Call> &calls() { return calls_; }

    sd_bus *main_bus() { return main_; }
    sd_bus *listener_bus() { return listener_; }
    void close_main()
    {
        sd_bus_close_unref(main_);
        main_ = nullptr;
    }
    // Members whose calls we answer with an error, or never answer.
    std::vector<std::string> reject, hold;
    bool export_listener = true; // false: no Listener object at all

    uint32_t console_u32(const char *property)
    {
        uint32_t value = 0;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        EXPECT_GE(sd_bus_get_property_trivial(main_, nullptr, kConsolePath,
                                              "org.qemu.Display1.Console", property, &error, 'u',
                                              &value),
                  0);
        sd_bus_error_free(&error);
        return value;
    }

    // Calls a method on Console_0 and returns "ok" or the error name.
    std::string call_console(const char *interface, const char *member, const char *types, ...)
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

    void dispatch_until(const std::function<bool()> &done)
    {
        const auto deadline = Clock::now() + kWait;
        for (;;) {
            for (sd_bus *bus : {main_, listener_}) {
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
            std::vector<pollfd> fds{{stdout_.get(), POLLIN, 0}};
            int timeout = int(left.count());
            for (sd_bus *bus : {main_, listener_}) {
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
                if (n > 0)
                    output_.append(chunk, size_t(n));
                else if (done())
                    return;
                else if (n == 0 && output_.find('\n') == std::string::npos) {
                    ADD_FAILURE() << "fake-qemu closed its stdout";
                    return;
                }
            }
        }
    }

    // Waits (bounded) for the fake to exit and returns its wait status.
    int wait_exit()
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

private:
    static int on_call(sd_bus_message *m, void *userdata, sd_bus_error *)
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
            return sd_bus_reply_method_errorf(m, "org.example.Rejected", "%s rejected",
                                              member.c_str());
        return sd_bus_reply_method_return(m, "");
    }

    static int get_interfaces(sd_bus *, const char *, const char *, const char *,
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

    static constexpr uint64_t kAny = SD_BUS_VTABLE_UNPRIVILEGED;
    static inline const sd_bus_vtable kListener[] = {
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
    static inline const sd_bus_vtable kMap[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("ScanoutMap", "huuuuu", "", on_call, kAny),
        SD_BUS_METHOD("UpdateMap", "iiii", "", on_call, kAny),
        SD_BUS_VTABLE_END,
    };
    static inline const sd_bus_vtable kDmabuf2[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("ScanoutDMABUF2", "ahuuuuauauuuuutb", "", on_call, kAny),
        SD_BUS_VTABLE_END,
    };

    pid_t pid_ = -1;
    UniqueFd stdin_, stdout_;
    std::string output_;
    sd_bus *main_ = nullptr;
    sd_bus *listener_ = nullptr;
    std::vector<sd_bus *> old_listeners_;
    std::vector<std::string> interfaces_;
    std::vector<Call> calls_;
};

std::vector<uint8_t> repeat(std::vector<uint8_t> pixel, size_t count)
{
    std::vector<uint8_t> out;
    for (size_t i = 0; i < count; ++i)
        out.insert(out.end(), pixel.begin(), pixel.end());
    return out;
}

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts)
{
    std::vector<uint8_t> out;
    for (const auto &part : parts)
        out.insert(out.end(), part.begin(), part.end());
    return out;
}

// ---- the handshake and the initial frame, per version ----

class Versions : public testing::TestWithParam<const char *> {};

TEST_P(Versions, HandshakeAndInitialScanout)
{
    FakeQemu fake(GetParam(), {"--width", "64", "--height", "48", "--name", "vm1"});
    fake.register_listener({});
    EXPECT_EQ(fake.command("wait-listener"), "ok interfaces=");
    auto scanout = fake.take("Scanout");
    ASSERT_TRUE(scanout);
    EXPECT_EQ(scanout->numbers, (std::vector<int64_t>{64, 48, 256, kX8r8g8b8}));
    // 0x203040 as x8r8g8b8: memory B, G, R, X.
    EXPECT_EQ(scanout->data, repeat({0x40, 0x30, 0x20, 0x00}, 64 * 48));
    EXPECT_EQ(fake.console_u32("Width"), 64u);
    EXPECT_EQ(fake.console_u32("Height"), 48u);

    char *name = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    ASSERT_GE(sd_bus_get_property_string(fake.main_bus(), nullptr, "/org/qemu/Display1/VM",
                                         "org.qemu.Display1.VM", "Name", &error, &name),
              0);
    EXPECT_STREQ(name, "vm1");
    free(name);
    // Interfaces properties exist from 8.1 only.
    char **strv = nullptr;
    const int r = sd_bus_get_property_strv(fake.main_bus(), nullptr, "/org/qemu/Display1/VM",
                                           "org.qemu.Display1.VM", "Interfaces", &error, &strv);
    EXPECT_EQ(r >= 0, std::string(GetParam()) != "7.2");
    if (strv) {
        EXPECT_EQ(strv[0], nullptr);
        free(strv);
    }
    sd_bus_error_free(&error);
}

TEST_P(Versions, ObjectManagerListsTheObjects)
{
    FakeQemu fake(GetParam());
    sd_bus_message *reply = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    ASSERT_GE(sd_bus_call_method(fake.main_bus(), nullptr, "/org/qemu/Display1",
                                 "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", &error,
                                 &reply, ""),
              0);
    std::vector<std::string> found;
    ASSERT_GT(sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}"), 0);
    while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
        const char *path = nullptr;
        sd_bus_message_read(reply, "o", &path);
        sd_bus_message_enter_container(reply, 'a', "{sa{sv}}");
        while (sd_bus_message_enter_container(reply, 'e', "sa{sv}") > 0) {
            const char *interface = nullptr;
            sd_bus_message_read(reply, "s", &interface);
            found.push_back(std::string(path) + " " + interface);
            sd_bus_message_skip(reply, "a{sv}");
            sd_bus_message_exit_container(reply);
        }
        sd_bus_message_exit_container(reply);
        sd_bus_message_exit_container(reply);
    }
    sd_bus_message_unref(reply);
    auto has = [&](const std::string &entry) {
        return std::find(found.begin(), found.end(), entry) != found.end();
    };
    EXPECT_TRUE(has("/org/qemu/Display1/VM org.qemu.Display1.VM"));
    EXPECT_TRUE(has("/org/qemu/Display1/Console_0 org.qemu.Display1.Console"));
    EXPECT_TRUE(has("/org/qemu/Display1/Console_0 org.qemu.Display1.Keyboard"));
    EXPECT_TRUE(has("/org/qemu/Display1/Console_0 org.qemu.Display1.Mouse"));
    EXPECT_EQ(has("/org/qemu/Display1/Console_0 org.qemu.Display1.MultiTouch"),
              std::string(GetParam()) != "7.2");
}

TEST_P(Versions, AdvertisedInterfacesAreReported)
{
    FakeQemu fake(GetParam());
    fake.register_listener({kMapInterface, kDmabuf2Interface});
    EXPECT_EQ(fake.command("wait-listener"),
              std::string("ok interfaces=") + kMapInterface + "," + kDmabuf2Interface);
    // Map on 9.2 and later only; its use replaces the initial Scanout.
    const bool map = std::string(GetParam()) != "7.2";
    EXPECT_EQ(bool(fake.take("ScanoutMap")), map);
    EXPECT_EQ(bool(fake.take("Scanout")), !map);
}

INSTANTIATE_TEST_SUITE_P(Qemu, Versions, testing::Values("7.2", "9.2", "10.1"),
                         [](const auto &info) {
                             std::string name = info.param;
                             std::replace(name.begin(), name.end(), '.', '_');
                             return "v" + name;
                         });

// ---- pixel formats ----

// Quadrants 0x112233, 0x445566, 0x778899, 0xaabbcc in a 4x2 frame: row 0 is
// C1 C1 C2 C2, row 1 is C3 C3 C4 C4.
struct Encoding {
    const char *format;
    std::vector<std::vector<uint8_t>> pixels; // C1..C4, bytes in memory order
};

class Formats : public testing::TestWithParam<Encoding> {};

TEST_P(Formats, QuadrantsAreByteExact)
{
    const Encoding &e = GetParam();
    FakeQemu fake("7.2");
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    fake.calls().clear();
    EXPECT_EQ(fake.command(std::string("scanout 4 2 ") + e.format +
                           " 112233 445566 778899 aabbcc"),
              "ok");
    auto scanout = fake.take("Scanout");
    ASSERT_TRUE(scanout);
    const uint32_t bpp = uint32_t(e.pixels[0].size());
    EXPECT_EQ(scanout->numbers,
              (std::vector<int64_t>{4, 2, 4 * bpp, *fake_qemu::pixman_format_by_name(e.format)}));
    const auto &p = e.pixels;
    EXPECT_EQ(scanout->data, concat({p[0], p[0], p[1], p[1], p[2], p[2], p[3], p[3]}));
}

INSTANTIATE_TEST_SUITE_P(
    Pixman, Formats,
    testing::Values(
        Encoding{"x8r8g8b8",
                 {{0x33, 0x22, 0x11, 0}, {0x66, 0x55, 0x44, 0}, {0x99, 0x88, 0x77, 0}, {0xcc, 0xbb, 0xaa, 0}}},
        // r5g6b5: r >> 3 << 11 | g >> 2 << 5 | b >> 3, little-endian.
        Encoding{"r5g6b5", {{0x06, 0x11}, {0xac, 0x42}, {0x53, 0x74}, {0xd9, 0xad}}},
        Encoding{"r8g8b8", {{0x33, 0x22, 0x11}, {0x66, 0x55, 0x44}, {0x99, 0x88, 0x77}, {0xcc, 0xbb, 0xaa}}},
        Encoding{"b8g8r8x8",
                 {{0, 0x11, 0x22, 0x33}, {0, 0x44, 0x55, 0x66}, {0, 0x77, 0x88, 0x99}, {0, 0xaa, 0xbb, 0xcc}}},
        Encoding{"a8b8g8r8",
                 {{0x11, 0x22, 0x33, 0xff}, {0x44, 0x55, 0x66, 0xff}, {0x77, 0x88, 0x99, 0xff}, {0xaa, 0xbb, 0xcc, 0xff}}}),
    [](const auto &info) { return std::string(info.param.format); });

// Every format against pixman itself (padding bits aside, which pixman
// leaves unspecified).
TEST(Encoding, MatchesPixmanForEveryFormat)
{
    const uint32_t colours[] = {0x203040, 0x123456, 0xffffff, 0x80c0e1, 0x010203, 0x000000};
    for (const auto name : fake_qemu::pixman_format_names()) {
        const uint32_t code = *fake_qemu::pixman_format_by_name(name);
        const uint32_t bpp = code >> 24, alpha = (code >> 12) & 0xf, rgb_bits =
            ((code >> 8) & 0xf) + ((code >> 4) & 0xf) + (code & 0xf);
        for (const uint32_t colour : colours) {
            uint32_t source = 0xff000000 | colour;
            uint8_t expected[8] = {}, actual[8] = {};
            pixman_image_t *src = pixman_image_create_bits(PIXMAN_a8r8g8b8, 1, 1, &source, 4);
            pixman_image_t *dst = pixman_image_create_bits(pixman_format_code_t(code), 1, 1,
                                                           reinterpret_cast<uint32_t *>(expected), 8);
            pixman_image_composite32(PIXMAN_OP_SRC, src, nullptr, dst, 0, 0, 0, 0, 0, 0, 1, 1);
            pixman_image_unref(src);
            pixman_image_unref(dst);
            fake_qemu::encode_pixel(code, colour, actual);
            uint64_t want = 0, got = 0;
            std::memcpy(&want, expected, 8);
            std::memcpy(&got, actual, 8);
            // Which bits are padding: encode white and black with the channel
            // and alpha bits known, and compare only those.
            uint64_t used = 0;
            if (bpp == 32 && alpha == 0 && rgb_bits == 24)
                used = 0; // set below from the layout
            uint8_t white[8] = {}, black[8] = {};
            fake_qemu::encode_pixel(code, 0xffffff, white);
            fake_qemu::encode_pixel(code, 0x000000, black);
            std::memcpy(&used, white, 8);
            uint64_t black_bits = 0;
            std::memcpy(&black_bits, black, 8);
            used |= black_bits;
            used &= bpp == 32 ? 0xffffffffull : (1ull << bpp) - 1;
            EXPECT_EQ(want & used, got & used) << name << " " << std::hex << colour;
            EXPECT_EQ(got & ~used, 0u) << name << ": padding bits must be zero";
        }
    }
}

TEST(Scanout, StrideAndPaddingAreHonoured)
{
    FakeQemu fake("7.2");
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    fake.calls().clear();
    EXPECT_EQ(fake.command("scanout 3 2 r5g6b5 ffffff stride=8"), "ok");
    auto scanout = fake.take("Scanout");
    ASSERT_TRUE(scanout);
    EXPECT_EQ(scanout->numbers, (std::vector<int64_t>{3, 2, 8, 0x10020565}));
    const std::vector<uint8_t> row = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xab, 0xab};
    EXPECT_EQ(scanout->data, concat({row, row}));
    EXPECT_EQ(fake.console_u32("Width"), 3u);
}

TEST(Update, IsTightlyPackedAndLeavesTheSizeAlone)
{
    FakeQemu fake("7.2", {"--width", "16", "--height", "8"});
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    EXPECT_EQ(fake.command("update 2 3 2 1 b8g8r8 010203"), "ok");
    auto update = fake.take("Update");
    ASSERT_TRUE(update);
    EXPECT_EQ(update->numbers, (std::vector<int64_t>{2, 3, 2, 1, 6, 0x18030888}));
    EXPECT_EQ(update->data, (std::vector<uint8_t>{1, 2, 3, 1, 2, 3}));
    EXPECT_EQ(fake.console_u32("Width"), 16u);
}

TEST(Update, ResizeSilentlySendsNothingButTheProperties)
{
    FakeQemu fake("7.2", {"--width", "16", "--height", "8"});
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    fake.calls().clear();
    EXPECT_EQ(fake.command("resize-silently 32 20"), "ok");
    EXPECT_EQ(fake.console_u32("Width"), 32u);
    EXPECT_EQ(fake.console_u32("Height"), 20u);
    EXPECT_EQ(fake.command("update 0 16 32 4 x8r8g8b8 ff0000"), "ok");
    ASSERT_EQ(fake.calls().size(), 1u);
    EXPECT_EQ(fake.calls()[0].member, "Update");
    // A new listener gets the new surface, updated.
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    auto scanout = fake.take("Scanout");
    ASSERT_TRUE(scanout);
    EXPECT_EQ(scanout->numbers[0], 32);
    EXPECT_EQ(scanout->numbers[1], 20);
    const size_t last_row = 19 * 32 * 4;
    EXPECT_EQ(std::vector<uint8_t>(scanout->data.begin() + last_row, scanout->data.begin() + last_row + 4),
              (std::vector<uint8_t>{0, 0, 0xff, 0}));
}

// ---- Unix.Map ----

TEST(Map, UsedOn92OnlyWhenAdvertised)
{
    {
        FakeQemu fake("9.2", {"--width", "8", "--height", "4"});
        fake.register_listener({});
        ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
        EXPECT_TRUE(fake.take("Scanout"));
        EXPECT_FALSE(fake.take("ScanoutMap"));
        EXPECT_EQ(fake.command("scanout-map 8 4 x8r8g8b8 ff0000"),
                  std::string("error unsupported: the listener did not advertise ") + kMapInterface);
    }
    {
        FakeQemu fake("7.2");
        fake.register_listener({kMapInterface});
        ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kMapInterface);
        EXPECT_TRUE(fake.take("Scanout"));
        EXPECT_EQ(fake.command("scanout-map 8 4 x8r8g8b8 ff0000"),
                  std::string("error unsupported: QEMU 7.2 has no ") + kMapInterface);
    }
    FakeQemu fake("9.2", {"--width", "8", "--height", "4"});
    fake.register_listener({kMapInterface});
    ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kMapInterface);
    auto map = fake.take("ScanoutMap");
    ASSERT_TRUE(map);
    EXPECT_EQ(map->interface, kMapInterface);
    EXPECT_EQ(map->numbers, (std::vector<int64_t>{0, 8, 4, 32, kX8r8g8b8}));
    ASSERT_EQ(map->fds.size(), 1u);
    EXPECT_EQ(read_fd(map->fds[0].get(), 0, 8 * 4 * 4), repeat({0x40, 0x30, 0x20, 0}, 32));
    EXPECT_FALSE(fake.take("Scanout"));
}

TEST(Map, OffsetSurfaceAndUpdatesLandInTheSharedMemory)
{
    FakeQemu fake("10.1");
    fake.register_listener({kMapInterface});
    ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kMapInterface);
    fake.calls().clear();
    EXPECT_EQ(fake.command("scanout-map 4 2 x8r8g8b8 000000 offset=4096"), "ok");
    auto map = fake.take("ScanoutMap");
    ASSERT_TRUE(map);
    EXPECT_EQ(map->numbers, (std::vector<int64_t>{4096, 4, 2, 16, kX8r8g8b8}));
    EXPECT_EQ(fake.command("update-map 1 1 2 1 0000ff"), "ok");
    auto update = fake.take("UpdateMap");
    ASSERT_TRUE(update);
    EXPECT_EQ(update->numbers, (std::vector<int64_t>{1, 1, 2, 1}));
    const auto black = repeat({0, 0, 0, 0}, 1), blue = repeat({0xff, 0, 0, 0}, 1);
    EXPECT_EQ(read_fd(map->fds[0].get(), 4096, 32),
              concat({black, black, black, black, black, blue, blue, black}));
    EXPECT_EQ(fake.command("update-map 3 1 2 1 0000ff"),
              "error usage: update-map X Y W H COLOR (inside the mapped surface)");
}

TEST(Map, RefusedInitialMapFallsBackToScanout)
{
    FakeQemu fake("9.2");
    fake.reject = {"ScanoutMap"};
    fake.register_listener({kMapInterface});
    ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kMapInterface);
    EXPECT_TRUE(fake.take("ScanoutMap"));
    EXPECT_TRUE(fake.take("Scanout"));
    EXPECT_EQ(fake.command("update-map 0 0 1 1 ffffff"),
              "error unsupported: the listener holds no mapped surface; use scanout-map");
}

// ---- DMA-BUF stand-ins ----

TEST(Dmabuf, ScanoutAndAcknowledgedUpdate)
{
    FakeQemu fake("9.2");
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    EXPECT_EQ(fake.command("scanout-dmabuf 4 2 XR24 ff0000 modifier=0x1"), "ok");
    auto scanout = fake.take("ScanoutDMABUF");
    ASSERT_TRUE(scanout);
    EXPECT_EQ(scanout->numbers, (std::vector<int64_t>{4, 2, 16, kXR24, 1, 0}));
    EXPECT_EQ(read_fd(scanout->fds[0].get(), 0, 32), repeat({0, 0, 0xff, 0}, 8));
    EXPECT_EQ(fake.console_u32("Width"), 4u);

    const std::string ack = fake.command("update-dmabuf 0 0 1 1 00ff00");
    EXPECT_EQ(ack.rfind("ok ack_ms=", 0), 0u) << ack;
    EXPECT_LT(std::stod(ack.substr(10)), 1000.0);
    auto update = fake.take("UpdateDMABUF");
    ASSERT_TRUE(update);
    EXPECT_EQ(update->numbers, (std::vector<int64_t>{0, 0, 1, 1}));
    EXPECT_EQ(read_fd(scanout->fds[0].get(), 0, 4), (std::vector<uint8_t>{0, 0xff, 0, 0}));
}

TEST(Dmabuf, Y0TopStoresThePictureUpsideDown)
{
    FakeQemu fake("7.2");
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    EXPECT_EQ(fake.command("scanout-dmabuf 2 2 AB24 ff0000 ff0000 0000ff 0000ff y0_top=1"), "ok");
    auto scanout = fake.take("ScanoutDMABUF");
    ASSERT_TRUE(scanout);
    EXPECT_EQ(scanout->numbers.back(), 1);
    const auto red = repeat({0xff, 0, 0, 0xff}, 2), blue = repeat({0, 0, 0xff, 0xff}, 2);
    EXPECT_EQ(read_fd(scanout->fds[0].get(), 0, 16), concat({blue, red}));
    // Picture row 0 is memory row 1, and the damage says so.
    EXPECT_EQ(fake.command("update-dmabuf 0 0 1 1 00ff00").rfind("ok ack_ms=", 0), 0u);
    auto update = fake.take("UpdateDMABUF");
    ASSERT_TRUE(update);
    EXPECT_EQ(update->numbers, (std::vector<int64_t>{0, 1, 1, 1}));
    EXPECT_EQ(read_fd(scanout->fds[0].get(), 8, 4), (std::vector<uint8_t>{0, 0xff, 0, 0xff}));
}

TEST(Dmabuf, MissingAcknowledgementTimesOut)
{
    FakeQemu fake("10.1");
    fake.hold = {"UpdateDMABUF"};
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    EXPECT_EQ(fake.command("scanout-dmabuf 4 4 XR24 ffffff"), "ok");
    EXPECT_EQ(fake.command("update-dmabuf 0 0 4 4 000000"),
              "error timeout: no acknowledgement within one second");
}

TEST(Dmabuf, Version2OnlyOn101WhenAdvertised)
{
    {
        FakeQemu fake("9.2");
        fake.register_listener({kDmabuf2Interface});
        ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kDmabuf2Interface);
        EXPECT_EQ(fake.command("scanout-dmabuf2 4 4 XR24 ffffff"),
                  std::string("error unsupported: QEMU 9.2 has no ") + kDmabuf2Interface);
    }
    FakeQemu fake("10.1");
    fake.register_listener({kDmabuf2Interface});
    ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kDmabuf2Interface);
    EXPECT_EQ(fake.command("scanout-dmabuf2 4 2 XB24 0000ff"), "ok");
    auto scanout = fake.take("ScanoutDMABUF2");
    ASSERT_TRUE(scanout);
    EXPECT_EQ(scanout->interface, kDmabuf2Interface);
    // x, y, width, height, offsets[0], strides[0], planes, fourcc, backing w/h, modifier, y0_top
    EXPECT_EQ(scanout->numbers,
              (std::vector<int64_t>{0, 0, 4, 2, 0, 16, 1, 0x34324258, 4, 2, 0, 0}));
    ASSERT_EQ(scanout->fds.size(), 1u);
    EXPECT_EQ(read_fd(scanout->fds[0].get(), 0, 4), (std::vector<uint8_t>{0, 0, 0xff, 0}));
    // A new listener is sent the DMA-BUF the same way.
    fake.register_listener({kDmabuf2Interface});
    ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kDmabuf2Interface);
    EXPECT_TRUE(fake.take("ScanoutDMABUF2"));
}

// ---- cursor, listeners, input, errors ----

TEST(Cursor, ResentOnRegistrationFrom80)
{
    for (const char *version : {"7.2", "9.2"}) {
        FakeQemu fake(version);
        EXPECT_EQ(fake.command("cursor 2 1 0 0 102030"), "ok no-listener");
        EXPECT_EQ(fake.command("mouse-set 5 6 1"), "ok no-listener");
        fake.register_listener({});
        ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
        auto define = fake.take("CursorDefine");
        auto set = fake.take("MouseSet");
        EXPECT_EQ(bool(define), std::string(version) != "7.2") << version;
        if (define) {
            EXPECT_EQ(define->numbers, (std::vector<int64_t>{2, 1, 0, 0}));
            EXPECT_EQ(define->data, repeat({0x30, 0x20, 0x10, 0xff}, 2));
            ASSERT_TRUE(set);
            EXPECT_EQ(set->numbers, (std::vector<int64_t>{5, 6, 1}));
        }
    }
}

TEST(Listener, SecondRegistrationReplacesTheFirst)
{
    FakeQemu fake("7.2");
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    sd_bus *first = fake.listener_bus();
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    fake.calls().clear();
    EXPECT_EQ(fake.command("disable"), "ok");
    ASSERT_EQ(fake.calls().size(), 1u); // the old listener got nothing
    while (sd_bus_process(first, nullptr) > 0) {
    }
    EXPECT_LE(sd_bus_is_open(first), 0);
}

TEST(Listener, ClosedOrReplacedListenerEndsTheWaitingCommand)
{
    FakeQemu fake("9.2");
    fake.hold = {"Disable"};
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    fake.send("disable");
    fake.dispatch_until([&] { return bool(fake.take("Disable")); });
    fake.register_listener({}); // replaces the listener that holds the reply
    EXPECT_EQ(fake.next_line(),
              "error listener-gone: the listener went away before it replied");
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");

    fake.send("disable");
    fake.dispatch_until([&] { return bool(fake.take("Disable")); });
    sd_bus_close(fake.listener_bus()); // the client drops its end
    EXPECT_EQ(fake.next_line().rfind("error org.freedesktop.DBus.Error.NoReply: ", 0), 0u);
    EXPECT_EQ(fake.command("disable"), "ok no-listener");
}

// Like QEMU, the fake takes any answer to its GetAll, even an error.
TEST(Listener, GetAllErrorIsAcceptedAndReported)
{
    FakeQemu fake("9.2");
    fake.export_listener = false;
    fake.register_listener({kMapInterface});
    EXPECT_EQ(fake.command("wait-listener"),
              "ok interfaces= getall-error=org.freedesktop.DBus.Error.UnknownObject");
    auto scanout = fake.take("Scanout");
    EXPECT_FALSE(scanout); // sd-bus refused it for us: nothing is exported
    EXPECT_EQ(fake.command("disable"),
              "error org.freedesktop.DBus.Error.UnknownObject: Unknown object '/org/qemu/Display1/Listener'.");
}

TEST(Input, MouseModesAndErrors)
{
    for (const char *version : {"7.2", "10.1"}) {
        FakeQemu fake(version, {"--width", "100", "--height", "50"});
        const bool is72 = std::string(version) == "7.2";
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Mouse", "SetAbsPosition", "uu", 1, 1),
                  "org.qemu.Display1.Error.Invalid: Mouse is not absolute");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Mouse", "RelMotion", "ii", 5, -3), "ok");
        EXPECT_EQ(fake.command("mouse-mode abs"), "ok");
        int absolute = -1;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        ASSERT_GE(sd_bus_get_property_trivial(fake.main_bus(), nullptr, kConsolePath,
                                              "org.qemu.Display1.Mouse", "IsAbsolute", &error, 'b',
                                              &absolute),
                  0);
        EXPECT_EQ(absolute, is72 ? 0 : 1) << version;
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Mouse", "RelMotion", "ii", 1, 1),
                  "org.qemu.Display1.Error.Invalid: Mouse is not relative");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Mouse", "SetAbsPosition", "uu", 100, 0),
                  "org.qemu.Display1.Error.Invalid: Invalid mouse position");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Mouse", "SetAbsPosition", "uu", 99, 49), "ok");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Keyboard", "Press", "u", 30), "ok");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Keyboard", "Release", "u", 30), "ok");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Mouse", "Press", "u", 0), "ok");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Console", "SetUIInfo", "qqiiuu", 300, 200,
                                    0, 0, 1024, 768),
                  "org.qemu.Display1.Error.Unsupported: SetUIInfo is not supported");
        EXPECT_EQ(fake.command("events"),
                  "ok rel:5,-3 abs:99,49 key-press:30 key-release:30 button-press:0");
        EXPECT_EQ(fake.command("events"), "ok");
        EXPECT_EQ(fake.command("set-modifiers 4"), "ok");
        uint32_t modifiers = 0;
        ASSERT_GE(sd_bus_get_property_trivial(fake.main_bus(), nullptr, kConsolePath,
                                              "org.qemu.Display1.Keyboard", "Modifiers", &error,
                                              'u', &modifiers),
                  0);
        EXPECT_EQ(modifiers, 4u);
        sd_bus_error_free(&error);
    }
}

TEST(Input, VirtioAcceptsSetUIInfo)
{
    FakeQemu fake("9.2", {"--virtio"});
    EXPECT_EQ(fake.call_console("org.qemu.Display1.Console", "SetUIInfo", "qqiiuu", 300, 200, 0,
                                0, 1024, 768),
              "ok");
    EXPECT_EQ(fake.command("events"), "ok uiinfo:300,200,0,0,1024,768");
    EXPECT_EQ(fake.console_u32("Width"), 1024u);
    EXPECT_EQ(fake.console_u32("Height"), 768u);
}

TEST(Errors, ClientRejectionsAndBadCommands)
{
    FakeQemu fake("9.2");
    EXPECT_EQ(fake.command("bad-scanout 1 1 4 0x20020888 4"),
              "error no-listener: no listener is registered");
    fake.reject = {"Scanout", "ScanoutDMABUF", "CursorDefine", "ScanoutMap", "Update"};
    fake.register_listener({kMapInterface});
    ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kMapInterface);
    fake.calls().clear();
    EXPECT_EQ(fake.command("bad-scanout 100 100 400 x8r8g8b8 16"),
              "error org.example.Rejected: Scanout rejected");
    EXPECT_EQ(fake.command("bad-update -1 0 2 2 8 0xdeadbeef 0"),
              "error org.example.Rejected: Update rejected");
    EXPECT_EQ(fake.command("bad-map 4096 16 16 64 x8r8g8b8 100"),
              "error org.example.Rejected: ScanoutMap rejected");
    EXPECT_EQ(fake.command("bad-map-fd pipe 4 4"), "error org.example.Rejected: ScanoutMap rejected");
    EXPECT_EQ(fake.command("bad-dmabuf-fd dir 4 4"),
              "error org.example.Rejected: ScanoutDMABUF rejected");
    EXPECT_EQ(fake.command("bad-dmabuf 64 64 256 XR24 10"),
              "error org.example.Rejected: ScanoutDMABUF rejected");
    EXPECT_EQ(fake.command("bad-cursor 64 64 0 0 3"),
              "error org.example.Rejected: CursorDefine rejected");
    EXPECT_EQ(fake.command("bad-update-dmabuf 0 0 -5 70000"), "ok");
    auto bad = fake.take("Update");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->numbers, (std::vector<int64_t>{-1, 0, 2, 2, 8, 0xdeadbeef}));
    auto sized = fake.take("ScanoutMap");
    ASSERT_TRUE(sized);
    EXPECT_EQ(sized->numbers, (std::vector<int64_t>{4096, 16, 16, 64, kX8r8g8b8}));
    struct stat st {};
    ASSERT_EQ(fstat(sized->fds[0].get(), &st), 0);
    EXPECT_EQ(st.st_size, 100);
    auto fd_kind = fake.take("ScanoutMap"); // the second one carried the pipe
    ASSERT_TRUE(fd_kind);
    ASSERT_EQ(fstat(fd_kind->fds[0].get(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));

    EXPECT_EQ(fake.command("frobnicate").rfind("error usage: unknown command", 0), 0u);
    EXPECT_EQ(fake.command("scanout 0 10 x8r8g8b8 ffffff"),
              "error usage: scanout W H FORMAT C1 [C2 C3 C4] [stride=S]");
    EXPECT_EQ(fake.command("scanout 10 10 y8 ffffff"),
              "error usage: scanout W H FORMAT C1 [C2 C3 C4] [stride=S]");
    EXPECT_EQ(fake.command("update-dmabuf 0 0 1 1 ffffff"),
              "error unsupported: no DMA-BUF scanout; use scanout-dmabuf first");
    EXPECT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kMapInterface);
}

TEST(Lifetime, ClosingTheMainConnectionEndsTheFake)
{
    FakeQemu fake("10.1");
    EXPECT_EQ(fake.command("events"), "ok");
    fake.close_main();
    EXPECT_EQ(fake.next_line(), "closed");
}

TEST(Lifetime, QuitAnswersAndExits)
{
    FakeQemu fake("7.2");
    EXPECT_EQ(fake.command("quit"), "ok");
}

} // namespace
