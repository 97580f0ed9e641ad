// Input latency inside the session: from a physical event entering the real
// InputRouter to the D-Bus message written on the VM's socket by the real
// DisplayClient (through vmview::ConsoleInput, the router's VmInput). The peer is
// fake-qemu (QEMU 9.2's behaviour), path in $FAKE_QEMU, which reads and
// records every call; at the end of each run its record must hold every event
// sent.
//
// Each event is timed alone (manual time); the per-event median, p99 and max
// are reported as counters. Replies (pointer motion asks for one) are read
// between events, outside the timed part, as the compositor's loop would.
#include <benchmark/benchmark.h>

#include "bench/percentiles.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <linux/input-event-codes.h>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <xkbcommon/xkbcommon-keysyms.h>

#include "config/config.hpp"
#include "config/device_rule.hpp"
#include "input/placement.hpp"
#include "input/router.hpp"
#include "vmview/console_input.hpp"
#include "vmview/display_client.hpp"

namespace phyllome::bench {
namespace {

constexpr uint32_t kWidth = 640, kHeight = 480;
constexpr input::DeviceId kDevice = 1;

// fake-qemu as a child: its end of the display socketpair, commands on its
// stdin, one answer line per command on its stdout.
class FakeQemu {
public:
    explicit FakeQemu(int display_fd)
    {
        const char *path = std::getenv("FAKE_QEMU");
        if (!path || !*path)
            throw std::runtime_error("FAKE_QEMU is not set (the fake-qemu binary)");
        int in[2], out[2];
        if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe2 failed");
        const std::string fd_arg = std::to_string(display_fd);
        pid_ = fork();
        if (pid_ == 0) {
            dup2(in[0], STDIN_FILENO);
            dup2(out[1], STDOUT_FILENO);
            fcntl(display_fd, F_SETFD, 0);
            execl(path, path, "--qemu-version", "9.2", "--fd", fd_arg.c_str(), "--width",
                  std::to_string(kWidth).c_str(), "--height", std::to_string(kHeight).c_str(),
                  static_cast<char *>(nullptr));
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        to_ = in[1];
        from_ = out[0];
    }
    ~FakeQemu()
    {
        close(to_); // EOF: it exits
        waitpid(pid_, nullptr, 0);
        close(from_);
    }
    int stdout_fd() const { return from_; }
    void send(const std::string &line)
    {
        const std::string text = line + "\n";
        if (write(to_, text.data(), text.size()) != ssize_t(text.size()))
            throw std::runtime_error("cannot write to fake-qemu");
    }
    // Appends what is readable; returns a whole line once there is one.
    std::optional<std::string> read_line()
    {
        char chunk[65536];
        const ssize_t n = read(from_, chunk, sizeof chunk);
        if (n == 0)
            throw std::runtime_error("fake-qemu exited");
        if (n > 0)
            buffer_.append(chunk, size_t(n));
        const auto end = buffer_.find('\n');
        if (end == std::string::npos)
            return std::nullopt;
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        return line;
    }

private:
    pid_t pid_ = -1;
    int to_ = -1, from_ = -1;
    std::string buffer_;
};

config::Config one_seat()
{
    std::string error;
    config::Seat seat;
    seat.name = "seat0";
    seat.devices.push_back(*config::parse_device_rule("*", error));
    config::Config c;
    c.seats = {seat};
    return c;
}

// The session's input path for one VM console, on one loop.
class Rig {
public:
    Rig() : router_(one_seat())
    {
        loop_ = wl_event_loop_create();
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
            throw std::runtime_error("socketpair failed");
        fake_ = std::make_unique<FakeQemu>(pair[1]);
        close(pair[1]);
        fake_source_ = wl_event_loop_add_fd(
            loop_, fake_->stdout_fd(), WL_EVENT_READABLE,
            [](int, uint32_t, void *data) {
                auto *rig = static_cast<Rig *>(data);
                if (auto line = rig->fake_->read_line())
                    rig->answer_ = std::move(line);
                return 0;
            },
            this);
        vmview::DisplayClient::Handlers handlers;
        handlers.console_added = [this](vmview::Console &) {
            console_added_ = true;
        };
        handlers.closed = [](const std::string &reason) {
            std::fprintf(stderr, "bench-input: display closed: %s\n", reason.c_str());
            std::abort();
        };
        client_ = std::make_unique<vmview::DisplayClient>(loop_, base::UniqueFd(pair[0]), "bench",
                                                          std::move(handlers));
        while (!console_added_)
            wl_event_loop_dispatch(loop_, -1);
        command("wait-listener");
        command("mouse-mode abs");
        while (!client_->mouse_absolute(0))
            wl_event_loop_dispatch(loop_, -1);

        vm_ = std::make_unique<vmview::ConsoleInput>(*client_, 0);
        config::DeviceIdentity identity;
        identity.name = "bench keyboard and mouse";
        router_.add_device(kDevice, identity);
        router_.set_seat_vm("seat0", vm_.get());
        input::Head head;
        head.placement = input::place_frame(kWidth, kHeight, kWidth, kHeight, config::Scaling::Fit);
        router_.set_seat_heads("seat0", {head});
    }
    ~Rig()
    {
        router_.set_seat_vm("seat0", nullptr);
        client_.reset();
        wl_event_source_remove(fake_source_);
        fake_.reset();
        wl_event_loop_destroy(loop_);
    }

    input::InputRouter &router() { return router_; }
    uint64_t sequence = 0;
    // Reads replies and whatever else arrived, without waiting.
    void pump() { wl_event_loop_dispatch(loop_, 0); }

    std::string command(const std::string &line)
    {
        answer_.reset();
        fake_->send(line);
        while (!answer_)
            wl_event_loop_dispatch(loop_, -1);
        return *answer_;
    }

    // How many input calls fake-qemu recorded whose name starts with
    // `prefix`, waiting (on its answers) until `expected` are in: the calls
    // travel on the display socket, the answers on its stdout, so one
    // `events` can be answered before the last calls are read.
    uint64_t recorded(const std::string &prefix, uint64_t expected)
    {
        uint64_t seen = 0;
        for (int tries = 0; tries < 1000 && seen < expected; ++tries) {
            const std::string answer = command("events");
            for (size_t at = answer.find(prefix); at != std::string::npos;
                 at = answer.find(prefix, at + 1))
                seen++;
        }
        return seen;
    }

private:
    wl_event_loop *loop_ = nullptr;
    std::unique_ptr<FakeQemu> fake_;
    wl_event_source *fake_source_ = nullptr;
    std::unique_ptr<vmview::DisplayClient> client_;
    std::unique_ptr<vmview::ConsoleInput> vm_;
    input::InputRouter router_;
    bool console_added_ = false;
    std::optional<std::string> answer_;
};

Rig &rig()
{
    static Rig instance;
    return instance;
}

template <typename Event>
void timed_events(benchmark::State &state, const std::string &record_prefix, Event event)
{
    Rig &r = rig();
    r.recorded(record_prefix, 0); // drop what earlier runs left
    std::vector<double> ns;
    uint64_t n = 0;
    for (auto _ : state) {
        // The sequence goes on across runs: a run that ends on a key press
        // is followed by its release, never by a repeat (which is dropped).
        const uint64_t seq = r.sequence++;
        n++;
        const auto start = std::chrono::steady_clock::now();
        event(r.router(), seq);
        const auto end = std::chrono::steady_clock::now();
        const double dt = std::chrono::duration<double>(end - start).count();
        state.SetIterationTime(dt);
        ns.push_back(dt * 1e9);
        r.pump();
    }
    report_percentiles(state, ns);
    const uint64_t got = r.recorded(record_prefix, n);
    state.counters["sent"] = double(n);
    state.counters["recorded"] = double(got);
    if (got != n)
        state.SkipWithError(
            ("fake-qemu recorded " + std::to_string(got) + " of " + std::to_string(n) + " events")
                .c_str());
}

// Key presses and releases, alternating: each is one Keyboard.Press/Release.
void Key(benchmark::State &state)
{
    timed_events(state, "key-", [](input::InputRouter &router, uint64_t n) {
        router.key(kDevice, KEY_A, XKB_KEY_a, n % 2 == 0, 0);
    });
}

// Absolute motion across the frame: each is one Mouse.SetAbsPosition.
void MotionAbsolute(benchmark::State &state)
{
    timed_events(state, "abs:", [](input::InputRouter &router, uint64_t n) {
        router.motion_absolute(kDevice, 0, double(n % (kWidth - 1)) + 0.5,
                               double((n / kWidth) % (kHeight - 1)) + 0.5);
    });
}

BENCHMARK(Key)->UseManualTime();
BENCHMARK(MotionAbsolute)->UseManualTime();

} // namespace
} // namespace phyllome::bench

BENCHMARK_MAIN();
