// The latency the session adds to a guest frame: from the moment the frame
// message's handler runs to the precommit of the output frame that shows it
// (rendering included), read from the console's own counter
// (FrameCounters::present_latency_ns_last) for every frame.
//
// The real compositor runs in this process on one headless 1920x1080 output
// with the pixman renderer; fake-qemu is the peer. Before each frame the
// output is idle: its last frame event came and nothing waits to be
// committed, as when a guest draws at its own pace. A message that comes
// while a commit is still pending waits for the next frame event by design
// (at most one refresh) and is not what the target is about.
//
// Each frame is timed alone (manual time); the per-frame median, p99 and max
// are counters, as in bench-input.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/percentiles.hpp"

#include "compositor/output.hpp"
#include "tests/support/fake_qemu.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/seated_vms.hpp"

namespace phyllome::bench {
namespace {

constexpr int kWidth = 1920, kHeight = 1080;

// One session showing one VM whose peer behaves as `version`.
class Rig {
public:
    explicit Rig(const std::string &version) : fake_(version)
    {
        config::Vm vm;
        vm.name = "bench";
        vm.follow_output = false;
        vm.scaling = config::Scaling::None;
        config::Seat seat;
        seat.name = "seat0";
        seat.vm = vm.name;
        seat.outputs = {"HEADLESS-1"};
        config_.vms = {vm};
        config_.seats = {seat};
        Server::Settings settings;
        settings.headless = {{kWidth, kHeight}};
        test::connect_server(settings, side_);
        session_ = std::make_unique<test::InProcessSession>(std::move(settings));
        side_ = std::make_unique<SeatedVms>(session_->server(),
                                            [this]() -> const config::Config & { return config_; });
        side_->fleet.attach(vm.name, base::UniqueFd(fake_.take_client_fd()));
    }
    ~Rig() { side_.reset(); }

    // Up and showing a first frame of the guest's size; "" or what failed.
    std::string start(const std::string &first_frame)
    {
        if (!session_->dispatch_until([&] { return session_->ready(); }))
            return "the session did not start";
        if (fake_.command(*session_, "wait-listener").rfind("ok", 0) != 0)
            return "fake-qemu saw no listener";
        if (const std::string answer = fake_.command(*session_, first_frame); answer != "ok")
            return "fake-qemu: " + answer;
        if (!session_->dispatch_until([&] { return console() && presented() > 0; }))
            return "the first frame was never presented";
        return "";
    }

    vmview::Console *console() const
    {
        const auto &outputs = session_->server().outputs();
        return outputs.empty() ? nullptr : outputs.front()->console();
    }
    uint64_t presented() const { return console()->counters().frames_presented; }
    bool output_idle() const { return !session_->server().outputs().front()->wlr()->frame_pending; }

    // Sends `line` to fake-qemu and runs the session until the frame is
    // presented and the peer has its answer; the frame's latency in ns, or
    // -1 when something failed (`error` says what).
    double frame(const std::string &line, std::string &error)
    {
        if (!session_->dispatch_until([&] { return output_idle(); })) {
            error = "the output never became idle";
            return -1;
        }
        const uint64_t before = presented();
        fake_.send(line);
        std::optional<std::string> answer;
        if (!session_->dispatch_until([&] {
                if (!answer)
                    answer = fake_.poll_line();
                return answer && presented() > before;
            })) {
            error = "the frame was not presented";
            return -1;
        }
        if (*answer != "ok") {
            error = "fake-qemu: " + *answer;
            return -1;
        }
        return static_cast<double>(console()->counters().present_latency_ns_last);
    }

private:
    config::Config config_;
    test::FakeQemu fake_;
    std::unique_ptr<test::InProcessSession> session_;
    std::unique_ptr<SeatedVms> side_;
};

// `first` sets the guest's surface up; `update` (with {} for a colour) is
// each timed frame.
void timed_frames(benchmark::State &state, const std::string &version, const std::string &first,
                  const std::string &update)
{
    Rig rig(version);
    if (const std::string error = rig.start(first); !error.empty()) {
        state.SkipWithError(error.c_str());
        return;
    }
    std::vector<double> ns;
    uint64_t n = 0;
    for (auto _ : state) {
        std::string line = update;
        char colour[8];
        std::snprintf(colour, sizeof colour, "%06llx",
                      static_cast<unsigned long long>((++n * 2654435761u) & 0xffffff));
        line.replace(line.find("{}"), 2, colour);
        std::string error;
        const double latency = rig.frame(line, error);
        if (latency < 0) {
            state.SkipWithError(error.c_str());
            return;
        }
        state.SetIterationTime(latency / 1e9);
        ns.push_back(latency);
    }
    report_percentiles(state, ns);
    state.counters["frames"] = double(ns.size());
}

// QEMU 7.2: Scanout, then Update copies into the session's shadow surface.
void PresentCopy(benchmark::State &state)
{
    timed_frames(state, "7.2", "scanout 1920 1080 x8r8g8b8 203040",
                 "update 0 0 1920 1080 x8r8g8b8 {}");
}

void PresentCopySmall(benchmark::State &state)
{
    timed_frames(state, "7.2", "scanout 1920 1080 x8r8g8b8 203040",
                 "update 928 508 64 64 x8r8g8b8 {}");
}

// A guest smaller than the output: centred, black bars around it.
void PresentCopyLetterboxed(benchmark::State &state)
{
    timed_frames(state, "7.2", "scanout 1280 720 x8r8g8b8 203040",
                 "update 608 328 64 64 x8r8g8b8 {}");
}

// QEMU 9.2: the guest's memfd is shown where it is; UpdateMap only damages.
void PresentMap(benchmark::State &state)
{
    timed_frames(state, "9.2", "scanout-map 1920 1080 x8r8g8b8 203040",
                 "update-map 928 508 64 64 {}");
}

BENCHMARK(PresentCopy)->UseManualTime()->Iterations(200);
BENCHMARK(PresentCopySmall)->UseManualTime()->Iterations(200);
BENCHMARK(PresentCopyLetterboxed)->UseManualTime()->Iterations(200);
BENCHMARK(PresentMap)->UseManualTime()->Iterations(200);

} // namespace
} // namespace phyllome::bench

BENCHMARK_MAIN();
