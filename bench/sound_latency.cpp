// A VM's sound through the session: what it adds between QEMU's Write of a
// block and those samples leaving PipeWire's graph, and the CPU it spends.
//
// Everything but QEMU is real: a private PipeWire daemon with a null sink
// (tests/sound/private_pipewire.hpp), the session's AudioListener and
// VmSound (which plays each voice as a PipeWire stream linked to the seat's
// sink), on one wl_event_loop. This process plays QEMU's part on the
// listener's peer-to-peer connection, as QEMU's D-Bus audio does: a block of
// 10 ms every 10 ms, in S16 stereo at 48 kHz, without waiting for replies.
//
// SoundLatency: every 20th block is loud, the others silent; a recording
// stream on the sink's monitor finds each loud block's first sample. The
// time from sending its Write to that sample being read here is the figure:
// QEMU's message, our listener, our ring, the graph cycle that plays it, and
// the recording stream's own cycle (so it is an upper bound). The main loop
// looks every 100 µs, which bounds the error. The graph quantum and rate are
// counters.
//
// SoundCpu: the same stream, no recording, the loop sleeping between
// blocks; the CPU time of this process (its PipeWire data thread included,
// the daemon not) per minute of audio played.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <vector>

#include <benchmark/benchmark.h>
#include <systemd/sd-bus.h>
#include <wayland-server-core.h>

#include "bench/listener_peer.hpp"
#include "bench/percentiles.hpp"
#include "session/vm_sound.hpp"
#include "sound/capture.hpp"
#include "sound/server.hpp"
#include "tests/sound/private_pipewire.hpp"
#include "vmview/audio_listener.hpp"
#include "vmview/bus_source.hpp"

namespace phyllome::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr uint32_t kRate = 48000;
constexpr uint8_t kChannels = 2;
constexpr uint32_t kFrameBytes = 4; // S16 stereo
constexpr auto kBlock = 10ms;       // QEMU's D-Bus audio sends about this much at a time
constexpr uint32_t kBlockFrames = kRate / 100;
constexpr int kMarkerEvery = 20; // blocks: a loud one every 200 ms
constexpr int16_t kLoud = 16000;
constexpr uint64_t kVoice = 1;

// One VM's playback, QEMU's side in this process.
class Rig {
public:
    explicit Rig(bool record)
    {
        loop_ = wl_event_loop_create();
        server_ = std::make_unique<sound::Server>(loop_, pipewire_.socket_path());
        sound_ = std::make_unique<VmSound>(server_.get(), "bench");
        sound_->route({config::SoundTarget::Kind::Node, "test-sink-a"}, {}, true);

        int pair[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) != 0)
            throw std::runtime_error("cannot create the listener socketpair");
        peer_ = open_qemu_side(pair[1]);
        peer_source_ = std::make_unique<vmview::BusSource>(loop_, peer_, [](int) {});
        listener_ = std::make_unique<vmview::AudioListener>(
            loop_, vmview::AudioListener::Direction::Out, "bench", base::UniqueFd(pair[0]),
            [] {});
        listener_->set_observer(sound_.get());

        if (record) {
            capture_ = std::make_unique<sound::Capture>(
                *server_, sound::Format{16, true, false, false, kRate, kChannels},
                sound::StreamSettings{"bench: the sink's monitor", "test-sink-a"});
        }
    }

    ~Rig()
    {
        capture_.reset();
        listener_.reset();
        sound_.reset();
        peer_source_.reset();
        sd_bus_flush_close_unref(peer_);
        server_.reset();
        wl_event_loop_destroy(loop_);
    }

    // The voice is made and playing on the sink (and the recording stream
    // records its monitor); "" or what failed.
    std::string start()
    {
        call("Init", "tybbuyuub", kVoice, uint8_t{16}, 1, 0, kRate, kChannels, kFrameBytes,
             kRate * kFrameBytes, 0);
        call("SetEnabled", "tb", kVoice, 1);
        const auto linked = [&] {
            const auto voices = sound_->status();
            const bool playing = !voices.empty() && voices[0].node == "test-sink-a" &&
                                 voices[0].state == "streaming";
            return playing && (!capture_ || (capture_->info().state == "streaming" &&
                                             capture_->info().peer_name == "test-sink-a"));
        };
        // The streams start when they have something to play: silence, in
        // real time, until both are linked and running.
        const auto deadline = Clock::now() + 10s;
        while (!linked()) {
            if (Clock::now() > deadline)
                return "the streams were not linked to test-sink-a in 10 s";
            if (!server_->connected())
                return "PipeWire went away: " + server_->gone_reason();
            play_block(false);
            wait_until(next_block_);
        }
        // What was queued while the streams were linked is a backlog that
        // Playback drops within its half-second window: measure after it.
        for (int i = 0; i < 100; ++i) {
            play_block(false);
            wait_until(next_block_);
        }
        return "";
    }

    // Sends the next block when it is due (returns when it was sent), else
    // nothing.
    std::optional<Clock::time_point> play_due(bool loud)
    {
        if (Clock::now() < next_block_)
            return std::nullopt;
        return play_block(loud);
    }

    Clock::time_point play_block(bool loud)
    {
        std::vector<int16_t> samples(kBlockFrames * kChannels, loud ? kLoud : 0);
        sd_bus_message *m = nullptr;
        if (sd_bus_message_new_method_call(peer_, &m, nullptr,
                                           "/org/qemu/Display1/AudioOutListener",
                                           "org.qemu.Display1.AudioOutListener", "Write") < 0 ||
            sd_bus_message_append(m, "t", kVoice) < 0 ||
            sd_bus_message_append_array(m, 'y', samples.data(), samples.size() * 2) < 0)
            throw std::runtime_error("cannot build Write");
        const auto sent = Clock::now();
        // As QEMU does: sent, the reply not waited for.
        const int r = sd_bus_send(peer_, m, nullptr);
        sd_bus_message_unref(m);
        if (r < 0)
            throw std::runtime_error(std::string("Write: ") + std::strerror(-r));
        peer_source_->update();
        next_block_ = std::max(next_block_ + kBlock, sent - kBlock);
        return sent;
    }

    // Runs the loop until `when`, sleeping in it.
    void wait_until(Clock::time_point when)
    {
        while (true) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(when - Clock::now());
            if (left.count() <= 0)
                return;
            wl_event_loop_dispatch(loop_, static_cast<int>(left.count()));
        }
    }

    // Runs the loop once without waiting, then sleeps `pause`.
    void poll(std::chrono::microseconds pause)
    {
        wl_event_loop_dispatch(loop_, 0);
        const timespec ts{0, static_cast<long>(pause.count() * 1000)};
        nanosleep(&ts, nullptr);
    }

    sound::Capture &capture() { return *capture_; }
    std::vector<VmSound::VoiceStatus> voices() const { return sound_->status(); }
    Clock::time_point next_block() const { return next_block_; }

private:
    template <typename... Args>
    void call(const char *member, const char *signature, Args... args)
    {
        sd_bus_message *m = nullptr;
        if (sd_bus_message_new_method_call(peer_, &m, nullptr,
                                           "/org/qemu/Display1/AudioOutListener",
                                           "org.qemu.Display1.AudioOutListener", member) < 0 ||
            sd_bus_message_append(m, signature, args...) < 0)
            throw std::runtime_error(std::string("cannot build ") + member);
        struct Result {
            bool done = false;
            std::string error;
        } result;
        const int r = sd_bus_call_async(
            peer_, nullptr, m,
            [](sd_bus_message *reply, void *data, sd_bus_error *) {
                auto *res = static_cast<Result *>(data);
                res->done = true;
                if (const sd_bus_error *e = sd_bus_message_get_error(reply))
                    res->error = e->message ? e->message : e->name;
                return 0;
            },
            &result, 0);
        sd_bus_message_unref(m);
        if (r < 0)
            throw std::runtime_error(std::string(member) + ": " + std::strerror(-r));
        peer_source_->update();
        while (!result.done)
            wl_event_loop_dispatch(loop_, -1);
        if (!result.error.empty())
            throw std::runtime_error(std::string(member) + ": " + result.error);
    }

    test::PrivatePipeWire pipewire_;
    wl_event_loop *loop_ = nullptr;
    std::unique_ptr<sound::Server> server_;
    std::unique_ptr<VmSound> sound_;
    sd_bus *peer_ = nullptr;
    std::unique_ptr<vmview::BusSource> peer_source_;
    std::unique_ptr<vmview::AudioListener> listener_;
    std::unique_ptr<sound::Capture> capture_;
    Clock::time_point next_block_ = Clock::now();
};

double cpu_seconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

void SoundLatency(benchmark::State &state)
{
    Rig rig(true);
    if (const std::string error = rig.start(); !error.empty()) {
        state.SkipWithError(error.c_str());
        return;
    }
    std::vector<double> ns;
    int lost = 0;
    std::vector<uint8_t> recorded(kRate * kFrameBytes / 10);
    for (auto _ : state) {
        // Silence first, so that the loud block is the only sound; what was
        // recorded until then is thrown away.
        for (int i = 0; i < kMarkerEvery - 1; ++i) {
            rig.play_block(false);
            rig.wait_until(rig.next_block());
            while (rig.capture().read(recorded) > 0) {
            }
        }
        const auto sent = rig.play_block(true);
        std::optional<Clock::time_point> heard;
        const auto deadline = sent + 500ms;
        while (!heard && Clock::now() < deadline) {
            rig.play_due(false);
            rig.poll(100us);
            const size_t n = rig.capture().read(recorded);
            const auto *samples = reinterpret_cast<const int16_t *>(recorded.data());
            for (size_t i = 0; i < n / 2; ++i) {
                if (std::abs(samples[i]) > kLoud / 2) {
                    heard = Clock::now();
                    break;
                }
            }
        }
        if (!heard) {
            // Dropped with a standing backlog (Playback's trim), which
            // also drops audio in the session: counted, not timed.
            ++lost;
            state.SetIterationTime(0);
            continue;
        }
        const double latency = std::chrono::duration<double, std::nano>(*heard - sent).count();
        ns.push_back(latency);
        state.SetIterationTime(latency / 1e9);
    }
    if (ns.empty()) {
        state.SkipWithError("no loud block was heard on the sink's monitor");
        return;
    }
    report_percentiles(state, ns);
    state.counters["lost"] = lost;
    const auto info = rig.capture().info();
    state.counters["quantum_frames"] = info.quantum;
    state.counters["graph_rate"] = info.rate;
    state.counters["quantum_us"] = info.rate ? info.quantum * 1e6 / info.rate : 0;
    const auto voices = rig.voices();
    state.counters["underruns"] = voices.empty() ? 0 : static_cast<double>(voices[0].underruns);
    state.counters["markers"] = static_cast<double>(ns.size());
}

void SoundCpu(benchmark::State &state)
{
    Rig rig(false);
    if (const std::string error = rig.start(); !error.empty()) {
        state.SkipWithError(error.c_str());
        return;
    }
    constexpr int kBlocks = 500; // 5 s of audio per iteration
    double cpu = 0, audio_seconds = 0;
    for (auto _ : state) {
        const double before = cpu_seconds();
        for (int i = 0; i < kBlocks; ++i) {
            rig.play_block(false);
            rig.wait_until(rig.next_block());
        }
        cpu += cpu_seconds() - before;
        audio_seconds += kBlocks * 0.010;
    }
    state.counters["cpu_ms_per_audio_minute"] = cpu * 1e3 * 60 / audio_seconds;
    state.counters["cpu_percent"] = cpu * 100 / audio_seconds;
    state.counters["audio_seconds"] = audio_seconds;
}

BENCHMARK(SoundLatency)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(SoundCpu)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace phyllome::bench

BENCHMARK_MAIN();
