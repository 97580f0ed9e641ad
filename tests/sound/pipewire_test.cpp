// sound/ against a real PipeWire: each test starts a private daemon with two
// null sinks (tests/sound/private_pipewire.hpp), plays a known ramp of
// 16-bit samples to one and records the sinks' monitors. Waiting is
// dispatching the event loop until a condition holds or a deadline passes:
// a 5 ms timer on the loop tops up the playing ramp and drains the
// recordings, as QEMU's audio timer would.
//
// The tests that compare audio sample for sample run the graph at a
// quantum of 1024 frames (21 ms per cycle). At the library's default, 256
// (5.3 ms), PipeWire's threads here (no realtime priority, two cores shared
// with builds) sometimes miss a cycle, whose quantum then plays as silence:
// LowLatencyQuantum measures that, and checks that nothing else goes wrong.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <pipewire/pipewire.h>
#include <wayland-server-core.h>

#include "base/event_source.hpp"
#include "sound/capture.hpp"
#include "sound/playback.hpp"
#include "sound/server.hpp"
#include "tests/sound/private_pipewire.hpp"

namespace phyllome::sound {
namespace {

using namespace std::chrono_literals;
using test::PrivatePipeWire;

constexpr Format mono16{16, true, false, false, 48000, 1};

// The quantum of the tests that compare sample for sample (see above).
constexpr const char *steady = "1024/48000";

// A Playback of "a VM" to `sink`.
StreamSettings vm_to(const char *sink, const char *latency = steady)
{
    return {"VM test: sound", sink, latency};
}

// A Capture of a sink's monitor, with a ring of a second: the test drains it
// every 5 ms, but may be late on a loaded machine.
StreamSettings monitor_of(const char *sink, const char *latency = steady)
{
    return {std::string("test monitor of ") + sink, sink, latency, 1000};
}

// The ramp's sample number i: rising by one from 100, over again every
// 16000 samples (a third of a second). Never 0, so silence is not a part
// of it, and small enough to survive PipeWire's float conversion exactly.
int16_t ramp(uint64_t i)
{
    return static_cast<int16_t>(100 + i % 16000);
}

// Plays the ramp as QEMU plays a guest's sound: blocks of 10 ms, at the
// pace of the clock (after a first `lead` frames), however late the loop
// calls it. A loop late by more than the playback's ring holds makes the
// ring drop its oldest frames (check_ramp allows for it).
struct RampFeeder {
    Playback &playback;
    uint64_t lead = 960;
    uint64_t next = 0;
    std::optional<std::chrono::steady_clock::time_point> start{};

    void top_up()
    {
        const auto now = std::chrono::steady_clock::now();
        if (!start)
            start = now;
        const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(now - *start);
        const uint64_t due = lead + static_cast<uint64_t>(elapsed.count()) * 48 / 1000;
        while (next < due) {
            std::vector<int16_t> block(480); // 10 ms
            for (auto &sample : block)
                sample = ramp(next++);
            playback.write(
                {reinterpret_cast<const uint8_t *>(block.data()), block.size() * sizeof(int16_t)});
        }
    }
};

// Everything a Capture records, as samples.
struct Recorder {
    Capture &capture;
    std::vector<int16_t> samples{};

    void drain()
    {
        uint8_t buffer[4096];
        size_t n;
        while ((n = capture.read(buffer)) > 0) {
            const size_t at = samples.size();
            samples.resize(at + n / sizeof(int16_t));
            std::memcpy(samples.data() + at, buffer, n / sizeof(int16_t) * sizeof(int16_t));
        }
    }

    // Where the ramp's first sample is, if it is there.
    std::optional<size_t> ramp_start() const
    {
        auto it = std::find(samples.begin(), samples.end(), ramp(0));
        if (it == samples.end())
            return std::nullopt;
        return static_cast<size_t>(it - samples.begin());
    }

    size_t first_sound() const
    {
        auto it = std::find_if(samples.begin(), samples.end(), [](int16_t s) { return s != 0; });
        return static_cast<size_t>(it - samples.begin());
    }

    bool silent_from(size_t at) const
    {
        return std::all_of(samples.begin() + static_cast<std::ptrdiff_t>(at), samples.end(),
                           [](int16_t s) { return s == 0; });
    }
};

// How a recording follows the ramp from sample `from`, which is the ramp's
// sample `ramp_at`: each sample is the ramp's next, or silence, or the ramp
// further on. On a loaded machine PipeWire's threads now and then miss a
// cycle: our playback's (silence, that cycle of the ramp lost), the graph's
// turn for it (silence, nothing lost) or our capture's (that cycle of the
// recording lost); the feeder may be late (our playback runs dry: silence,
// nothing lost) and its burst after a stall is a standing backlog our
// playback drops (the ramp further on); a stall longer than the playback's
// ring drops its oldest frames (the same). So the ramp may go on up to a
// ring's worth (200 ms) further than where it was. Anything else (a sample
// out of order or twice, a value the ramp does not have) is a problem.
struct RampCheck {
    std::string problem; // empty: in order
    size_t compared = 0;
    size_t silent = 0;  // silent samples
    size_t skipped = 0; // samples of the ramp that did not arrive
};

RampCheck check_ramp(const std::vector<int16_t> &samples, size_t from, uint64_t ramp_at,
                     size_t count)
{
    RampCheck check;
    uint64_t k = ramp_at;
    const size_t end = std::min(samples.size(), from + count);
    for (size_t at = from; at < end; ++at, ++check.compared) {
        const int16_t sample = samples[at];
        if (sample == 0) {
            ++check.silent;
            continue;
        }
        // Values repeat every 16000 samples: the nearest later one is taken.
        const uint64_t ahead = (static_cast<uint64_t>(sample - ramp(k)) + 16000) % 16000;
        if (sample < ramp(0) || ahead > 9600) {
            check.problem = "sample " + std::to_string(at - from) + " is " +
                            std::to_string(sample) + ", the ramp's is " + std::to_string(ramp(k));
            return check;
        }
        check.skipped += ahead;
        k += ahead + 1;
    }
    return check;
}

// check_ramp() found `count` samples in order, at least half of them the
// ramp's (what was missed is reported; a loaded machine may miss some, a
// systematic fault would miss more).
::testing::AssertionResult in_ramp_order(const Recorder &recorder, size_t from, uint64_t ramp_at,
                                         size_t count)
{
    const RampCheck check = check_ramp(recorder.samples, from, ramp_at, count);
    if (!check.problem.empty())
        return ::testing::AssertionFailure() << check.problem;
    if (check.compared < count)
        return ::testing::AssertionFailure() << "only " << check.compared << " samples";
    if (check.silent > count / 2)
        return ::testing::AssertionFailure() << check.silent << " silent samples in " << count;
    if (check.silent + check.skipped > 0)
        std::cout << "note: in " << count << " samples, " << check.silent << " silent, "
                  << check.skipped << " of the ramp skipped" << std::endl;
    return ::testing::AssertionSuccess();
}

class SoundTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        loop_ = wl_event_loop_create();
        daemon_ = std::make_unique<PrivatePipeWire>();
        server_ = std::make_unique<Server>(loop_);
        tick_ = base::TimerSource(loop_, [this] {
            for (auto &each : on_tick_)
                each();
            tick_.arm(5);
        });
        tick_.arm(5);
    }

    void TearDown() override
    {
        tick_ = {};
        server_.reset();
        daemon_.reset();
        wl_event_loop_destroy(loop_);
    }

    Server &server() { return *server_; }
    PrivatePipeWire &daemon() { return *daemon_; }

    // Runs the loop until `done` or the deadline; whether `done` came.
    bool dispatch_until(const std::function<bool()> &done, std::chrono::milliseconds timeout = 10s)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return false;
            wl_event_loop_dispatch(loop_, static_cast<int>(left.count()));
        }
        return true;
    }

    // Runs the loop until PipeWire has answered all that was asked of it,
    // twice: the first brings the graph's news, on which our streams ask
    // for links (on the loop, after the change); the second brings those
    // links. What has not happened then will not without another change.
    bool settle()
    {
        for (int i = 0; i < 2; ++i) {
            server().sync();
            if (!dispatch_until([&] { return server().synced(); }))
                return false;
        }
        return true;
    }

    void each_tick(std::function<void()> work) { on_tick_.push_back(std::move(work)); }

    static bool linked_to(const StreamInfo &info, const char *node)
    {
        return info.peer_name == node && info.state == "streaming";
    }

    wl_event_loop *loop_ = nullptr;
    std::unique_ptr<PrivatePipeWire> daemon_;
    std::unique_ptr<Server> server_;
    base::TimerSource tick_;
    std::vector<std::function<void()>> on_tick_;
};

TEST_F(SoundTest, PlaybackToASinkIsRecordedFromItsMonitorInOrder)
{
    Capture monitor(server(), mono16, monitor_of("test-sink-a"));
    Playback playback(server(), mono16, vm_to("test-sink-a"));
    ASSERT_TRUE(dispatch_until([&] {
        return linked_to(playback.info(), "test-sink-a") &&
               linked_to(monitor.info(), "test-sink-a");
    })) << "playback: "
        << playback.info().state << " to '" << playback.info().peer_name
        << "', monitor: " << monitor.info().state << " from '" << monitor.info().peer_name << "'";

    RampFeeder feeder{playback};
    Recorder recorder{monitor};
    each_tick([&] {
        feeder.top_up();
        recorder.drain();
    });
    const size_t half_second = 24000;
    ASSERT_TRUE(dispatch_until([&] {
        auto start = recorder.ramp_start();
        return start && recorder.samples.size() >= *start + half_second;
    })) << "recorded "
        << recorder.samples.size() << " samples, the ramp's start "
        << (recorder.ramp_start() ? "found" : "not found");

    // Nothing before the ramp but silence, then the ramp, sample for sample
    // (but for what a loaded machine made PipeWire miss or our playback
    // drop: check_ramp).
    const size_t first = recorder.first_sound();
    EXPECT_TRUE(in_ramp_order(
        recorder, first, static_cast<uint64_t>(recorder.samples[first] - ramp(0)), half_second));

    // The quantum asked for is the graph's.
    const StreamInfo info = playback.info();
    EXPECT_EQ(info.latency, steady);
    EXPECT_EQ(info.quantum, 1024u);
    EXPECT_EQ(info.rate, 48000u);
    EXPECT_NE(info.node_id, no_id);
    const Node *ours = server().graph().node(info.node_id);
    ASSERT_NE(ours, nullptr);
    EXPECT_EQ(ours->name, "VM test: sound");
    EXPECT_EQ(ours->media_class, "Stream/Output/Audio");
    EXPECT_EQ(server().graph().node(monitor.info().node_id)->media_class, "Stream/Input/Audio");
    size_t sinks = 0;
    for (const auto &[id, node] : server().graph().nodes())
        sinks += node.media_class == "Audio/Sink" && node.id == id;
    EXPECT_EQ(sinks, 2u) << "test-sink-a and test-sink-b";
    EXPECT_EQ(info.peer_id, server().graph().node_named("test-sink-a")->id);

    const Playback::Stats stats = playback.stats();
    EXPECT_GT(stats.bytes_played, 0u);
    EXPECT_LE(stats.bytes_played, stats.bytes_written);
    EXPECT_EQ(stats.overruns, 0u);
    EXPECT_GE(monitor.stats().bytes_recorded, half_second * 2);
}

TEST_F(SoundTest, LowLatencyQuantum)
{
    // Both at the library's default: what the graph runs is the smallest
    // quantum its nodes ask for.
    Capture monitor(server(), mono16, monitor_of("test-sink-a", "256/48000"));
    Playback playback(server(), mono16, {"VM test: sound", "test-sink-a"});
    ASSERT_TRUE(dispatch_until([&] {
        return linked_to(playback.info(), "test-sink-a") &&
               linked_to(monitor.info(), "test-sink-a");
    }));
    RampFeeder feeder{playback};
    Recorder recorder{monitor};
    each_tick([&] {
        feeder.top_up();
        recorder.drain();
    });
    const size_t one_second = 48000;
    ASSERT_TRUE(dispatch_until([&] {
        auto start = recorder.ramp_start();
        return start && recorder.samples.size() >= *start + one_second;
    }));

    const StreamInfo info = playback.info();
    EXPECT_EQ(info.latency, "256/48000");
    EXPECT_EQ(info.quantum, 256u);
    EXPECT_EQ(info.rate, 48000u);
    EXPECT_EQ(monitor.info().quantum, 256u);

    const RampCheck check = check_ramp(recorder.samples, *recorder.ramp_start(), 0, one_second);
    EXPECT_EQ(check.problem, "");
    EXPECT_EQ(check.compared, one_second);
    EXPECT_LE(check.silent, one_second / 2) << "most cycles must make it";
    std::cout << "node.latency " << info.latency << ": graph quantum " << info.quantum
              << " frames at " << info.rate << " Hz ("
              << (info.rate ? info.quantum * 1000.0 / info.rate : 0.0)
              << " ms per cycle); of 1 s of samples, " << check.silent << " silent and "
              << check.skipped << " skipped; playback underruns: " << playback.stats().underruns
              << std::endl;
    RecordProperty("quantum", static_cast<int>(info.quantum));
    RecordProperty("rate", static_cast<int>(info.rate));
    RecordProperty("missed_samples", static_cast<int>(check.silent + check.skipped));
    EXPECT_EQ(playback.stats().overruns, 0u);
}

TEST_F(SoundTest, AStandingBacklogIsDropped)
{
    // 100 ms queued before the clock's pace: latency that would stay for
    // good. Playback drops it (the oldest whole cycles) within its window.
    // (100 ms more, from a stalled loop, would overflow the ring's 200 ms,
    // which drops by frames.)
    Capture monitor(server(), mono16, monitor_of("test-sink-a", "256/48000"));
    Playback playback(server(), mono16, {"VM test: sound", "test-sink-a"});
    ASSERT_TRUE(dispatch_until([&] {
        return linked_to(playback.info(), "test-sink-a") &&
               linked_to(monitor.info(), "test-sink-a");
    }));
    RampFeeder feeder{playback, 4800};
    Recorder recorder{monitor};
    each_tick([&] {
        feeder.top_up();
        recorder.drain();
    });
    const size_t second = 48000;
    ASSERT_TRUE(dispatch_until([&] {
        auto start = recorder.ramp_start();
        return start && recorder.samples.size() >= *start + second;
    }));

    const Playback::Stats stats = playback.stats();
    EXPECT_GE(stats.trims, 1u);
    const RampCheck check = check_ramp(recorder.samples, *recorder.ramp_start(), 0, second);
    EXPECT_EQ(check.problem, "");
    // It keeps one to two cycles and the block in hand.
    EXPECT_GE(check.skipped, 4800u - 2 * 256 - 480) << "most of the 100 ms backlog was dropped";
    std::cout << "dropped " << stats.trims << " times, " << check.skipped << " frames; "
              << stats.buffered / 2 << " frames buffered now; underruns: " << stats.underruns
              << "; overruns: " << stats.overruns << std::endl;
}

TEST_F(SoundTest, ASinkThatComesLaterIsLinkedWhenItAppearsAndNothingElsePlaysMeanwhile)
{
    Capture monitor_a(server(), mono16, monitor_of("test-sink-a"));
    Playback playback(server(), mono16, vm_to("late-headset-*"));
    RampFeeder feeder{playback};
    Recorder a{monitor_a};
    each_tick([&] {
        feeder.top_up();
        a.drain();
    });
    // 300 ms of what sink A plays, while the playback is fed.
    ASSERT_TRUE(dispatch_until(
        [&] { return linked_to(monitor_a.info(), "test-sink-a") && a.samples.size() >= 14400; }));
    ASSERT_TRUE(settle());
    EXPECT_EQ(playback.info().peer_id, no_id) << playback.info().peer_name;

    daemon().add_sink("late-headset-1");
    Capture monitor_late(server(), mono16, monitor_of("late-headset-1"));
    Recorder late{monitor_late};
    each_tick([&] { late.drain(); });
    ASSERT_TRUE(dispatch_until([&] {
        return linked_to(playback.info(), "late-headset-1") &&
               late.first_sound() + 4800 < late.samples.size();
    })) << "playback: "
        << playback.info().state << " to '" << playback.info().peer_name << "'";
    EXPECT_TRUE(a.silent_from(0)) << "test-sink-a played something: " << a.samples[a.first_sound()];
}

TEST_F(SoundTest, StereoBigEndianKeepsItsChannels)
{
    // Left: the ramp; right: the ramp negated; big-endian bytes in,
    // little-endian out: channels matched by position, bytes converted.
    const Format be_stereo{16, true, false, true, 48000, 2};
    const Format le_stereo{16, true, false, false, 48000, 2};
    Capture monitor(server(), le_stereo, monitor_of("test-sink-a"));
    Playback playback(server(), be_stereo, vm_to("test-sink-a"));
    ASSERT_TRUE(dispatch_until([&] {
        return linked_to(playback.info(), "test-sink-a") &&
               linked_to(monitor.info(), "test-sink-a");
    }));
    uint64_t next = 0;
    Recorder recorder{monitor};
    each_tick([&] {
        while (playback.stats().buffered < bytes_for(be_stereo, 150)) {
            std::vector<uint8_t> block;
            for (int i = 0; i < 480; ++i, ++next) {
                for (int16_t sample : {ramp(next), static_cast<int16_t>(-ramp(next))}) {
                    const auto bits = static_cast<uint16_t>(sample);
                    block.push_back(static_cast<uint8_t>(bits >> 8));
                    block.push_back(static_cast<uint8_t>(bits & 0xff));
                }
            }
            playback.write(block);
        }
        recorder.drain();
    });
    ASSERT_TRUE(dispatch_until([&] {
        auto start = recorder.ramp_start();
        return start && recorder.samples.size() >= *start + 2 * 9600;
    }));
    const size_t start = *recorder.ramp_start();
    ASSERT_EQ(start % 2, 0u) << "the ramp is on the left";
    Recorder left{monitor}, right{monitor};
    for (size_t i = start; i + 1 < recorder.samples.size(); i += 2) {
        left.samples.push_back(recorder.samples[i]);
        right.samples.push_back(static_cast<int16_t>(-recorder.samples[i + 1]));
    }
    EXPECT_TRUE(in_ramp_order(left, 0, 0, 9600));
    EXPECT_TRUE(in_ramp_order(right, 0, 0, 9600));
}

TEST_F(SoundTest, StreamToSinkAIsNotHeardOnSinkB)
{
    Capture monitor_a(server(), mono16, monitor_of("test-sink-a"));
    Capture monitor_b(server(), mono16, monitor_of("test-sink-b"));
    Playback playback(server(), mono16, vm_to("test-sink-a"));
    ASSERT_TRUE(dispatch_until([&] {
        return linked_to(playback.info(), "test-sink-a") &&
               linked_to(monitor_a.info(), "test-sink-a") &&
               linked_to(monitor_b.info(), "test-sink-b");
    }));

    RampFeeder feeder{playback};
    Recorder a{monitor_a}, b{monitor_b};
    each_tick([&] {
        feeder.top_up();
        a.drain();
        b.drain();
    });
    // Half a second of the ramp on A, while B records as long.
    ASSERT_TRUE(dispatch_until([&] {
        auto start = a.ramp_start();
        return start && a.samples.size() >= *start + 24000 && b.samples.size() >= 24000;
    }));
    EXPECT_TRUE(in_ramp_order(a, *a.ramp_start(), 0, 24000));
    EXPECT_TRUE(b.silent_from(0)) << "sink B played something: " << b.samples[b.first_sound()];
}

TEST_F(SoundTest, SetTargetMovesAPlayingStream)
{
    Capture monitor_a(server(), mono16, monitor_of("test-sink-a"));
    Capture monitor_b(server(), mono16, monitor_of("test-sink-b"));
    Playback playback(server(), mono16, vm_to("test-sink-a"));
    ASSERT_TRUE(dispatch_until([&] {
        return linked_to(playback.info(), "test-sink-a") &&
               linked_to(monitor_a.info(), "test-sink-a") &&
               linked_to(monitor_b.info(), "test-sink-b");
    }));
    RampFeeder feeder{playback};
    Recorder a{monitor_a}, b{monitor_b};
    each_tick([&] {
        feeder.top_up();
        a.drain();
        b.drain();
    });
    ASSERT_TRUE(dispatch_until([&] {
        auto start = a.ramp_start();
        return start && a.samples.size() >= *start + 4800;
    }));
    ASSERT_TRUE(b.silent_from(0));

    const uint32_t node = playback.info().node_id;
    playback.set_target("test-sink-b");
    ASSERT_TRUE(dispatch_until([&] { return linked_to(playback.info(), "test-sink-b"); }))
        << "still to '" << playback.info().peer_name << "'";
    EXPECT_EQ(playback.info().node_id, node) << "moved by relinking, not a new stream";

    // B hears the ramp from where it is now, in order.
    ASSERT_TRUE(dispatch_until([&] {
        const size_t at = b.first_sound();
        return at < b.samples.size() && b.samples.size() >= at + 9600;
    }));
    const size_t at = b.first_sound();
    const auto ramp_at = static_cast<uint64_t>(b.samples[at] - 100);
    EXPECT_TRUE(in_ramp_order(b, at, ramp_at, 4800));

    // A hears nothing more (once what it recorded before the move is out).
    a.samples.clear();
    const size_t a_from = 4800;
    ASSERT_TRUE(dispatch_until([&] { return a.samples.size() >= a_from + 9600; }));
    EXPECT_TRUE(a.silent_from(a_from)) << "sink A still plays: " << a.samples[a.first_sound()];
}

TEST_F(SoundTest, TargetToAndFromTheDefault)
{
    // No session manager runs here: a stream for the default is left
    // unlinked; named again, it is linked by us.
    Playback playback(server(), mono16, vm_to("test-sink-a"));
    ASSERT_TRUE(dispatch_until([&] { return linked_to(playback.info(), "test-sink-a"); }));

    playback.set_target("");
    ASSERT_TRUE(dispatch_until([&] {
        const StreamInfo info = playback.info();
        return info.node_id != no_id && info.state == "paused";
    })) << playback.info().state;
    ASSERT_TRUE(settle());
    EXPECT_EQ(playback.info().peer_id, no_id);
    EXPECT_TRUE(playback.info().peer_name.empty());

    playback.set_target("test-sink-b");
    ASSERT_TRUE(dispatch_until([&] { return linked_to(playback.info(), "test-sink-b"); }));
}

TEST_F(SoundTest, MuteSilencesTheStreamAndUnmuteBringsItBack)
{
    Capture monitor(server(), mono16, monitor_of("test-sink-a"));
    Playback playback(server(), mono16, vm_to("test-sink-a"));
    ASSERT_TRUE(dispatch_until([&] {
        return linked_to(playback.info(), "test-sink-a") &&
               linked_to(monitor.info(), "test-sink-a");
    }));
    RampFeeder feeder{playback};
    Recorder recorder{monitor};
    each_tick([&] {
        feeder.top_up();
        recorder.drain();
    });
    ASSERT_TRUE(dispatch_until([&] { return recorder.ramp_start().has_value(); }));

    playback.set_volume(true, {1.0f});
    recorder.samples.clear();
    // What was on its way when muted, then silence.
    ASSERT_TRUE(dispatch_until([&] { return recorder.samples.size() >= 4800 + 9600; }));
    EXPECT_TRUE(recorder.silent_from(4800));

    playback.set_volume(false, {1.0f});
    recorder.samples.clear();
    ASSERT_TRUE(dispatch_until([&] {
        const size_t at = recorder.first_sound();
        return at < recorder.samples.size() && recorder.samples.size() >= at + 4800;
    }));
    const size_t at = recorder.first_sound();
    EXPECT_TRUE(
        in_ramp_order(recorder, at, static_cast<uint64_t>(recorder.samples[at] - 100), 4800));
}

TEST_F(SoundTest, ServerKilledMidStream)
{
    bool gone = false;
    server().on_gone([&] { gone = true; });
    Capture monitor(server(), mono16, monitor_of("test-sink-a"));
    Playback playback(server(), mono16, vm_to("test-sink-a"));
    RampFeeder feeder{playback};
    Recorder recorder{monitor};
    each_tick([&] {
        feeder.top_up();
        recorder.drain();
    });
    ASSERT_TRUE(dispatch_until([&] { return recorder.ramp_start().has_value(); }));

    daemon_->kill();
    ASSERT_TRUE(dispatch_until([&] { return gone; }));
    // Told after the fact, a handler still hears of it.
    bool heard_late = false;
    server().on_gone([&] { heard_late = true; });
    EXPECT_TRUE(dispatch_until([&] { return heard_late; }));
    EXPECT_FALSE(server().connected());
    EXPECT_FALSE(server().gone_reason().empty());
    EXPECT_EQ(server().graph().node_count(), 0u);

    // Writing and reading go on, played and recorded by nobody: the ring
    // keeps the newest 200 ms.
    on_tick_.clear();
    const uint64_t written = playback.stats().bytes_written;
    const std::vector<uint8_t> block(bytes_for(mono16, 100), 1);
    for (int i = 0; i < 10; ++i) {
        playback.write(block);
        wl_event_loop_dispatch(loop_, 0);
    }
    EXPECT_EQ(playback.stats().bytes_written, written + 10 * block.size());
    EXPECT_EQ(playback.stats().buffered, playback.stats().capacity);
    EXPECT_GT(playback.stats().overruns, 0u);
    uint8_t buffer[256];
    while (monitor.read(buffer) > 0) {
    }
    EXPECT_EQ(monitor.read(buffer), 0u);
    EXPECT_EQ(playback.info().peer_id, no_id);

    // Changing where it plays does nothing harmful either.
    playback.set_target("test-sink-b");
    playback.set_target("");
    playback.set_volume(true, {});
    wl_event_loop_dispatch(loop_, 0); // what they scheduled, with no server to answer
    EXPECT_EQ(playback.info().peer_id, no_id);
}

TEST_F(SoundTest, PlaybackRingKeepsItsBound)
{
    // Linked to nothing: nothing takes from the ring.
    Playback playback(server(), mono16, vm_to("no-such-sink"));
    const size_t bound = bytes_for(mono16, 200);
    EXPECT_EQ(playback.stats().capacity, bound);

    std::vector<int16_t> two_seconds(96000);
    for (size_t i = 0; i < two_seconds.size(); ++i)
        two_seconds[i] = ramp(i);
    playback.write({reinterpret_cast<const uint8_t *>(two_seconds.data()), 192000});
    Playback::Stats stats = playback.stats();
    EXPECT_EQ(stats.buffered, bound);
    EXPECT_EQ(stats.bytes_written, 192000u);
    EXPECT_EQ(stats.bytes_dropped, 192000u - bound);
    EXPECT_EQ(stats.overruns, 1u);

    // Linked to a sink, it plays what it kept: the newest 200 ms.
    Capture monitor(server(), mono16, monitor_of("test-sink-a"));
    Recorder recorder{monitor};
    each_tick([&] { recorder.drain(); });
    ASSERT_TRUE(dispatch_until([&] { return linked_to(monitor.info(), "test-sink-a"); }));
    playback.set_target("test-sink-a");
    ASSERT_TRUE(dispatch_until([&] {
        const size_t at = recorder.first_sound();
        return at < recorder.samples.size() && recorder.samples.size() >= at + bound / 2;
    }));
    const size_t at = recorder.first_sound();
    EXPECT_TRUE(in_ramp_order(recorder, at, 96000 - bound / 2, bound / 2));
    stats = playback.stats();
    EXPECT_EQ(stats.bytes_played, bound);
    EXPECT_GT(stats.underruns, 0u) << "the ring ran dry after its 200 ms";
}

TEST_F(SoundTest, CaptureRingKeepsItsBoundAndReadNeverWaits)
{
    Capture monitor(server(), mono16, {"test monitor a", "test-sink-a", steady, 100});
    EXPECT_EQ(monitor.stats().capacity, bytes_for(mono16, 100));
    uint8_t buffer[512];
    EXPECT_EQ(monitor.read(buffer), 0u) << "nothing recorded yet";
    EXPECT_EQ(monitor.stats().underruns, 1u);

    // Nobody reads for half a second: the ring keeps its newest 100 ms.
    ASSERT_TRUE(dispatch_until([&] { return linked_to(monitor.info(), "test-sink-a"); }));
    ASSERT_TRUE(
        dispatch_until([&] { return monitor.stats().bytes_recorded >= bytes_for(mono16, 500); }));
    const Capture::Stats stats = monitor.stats();
    EXPECT_EQ(stats.buffered, stats.capacity);
    EXPECT_GT(stats.overruns, 0u);
    EXPECT_EQ(stats.bytes_dropped + stats.buffered, stats.bytes_recorded);
    // Whole frames only.
    EXPECT_EQ(monitor.read({buffer, 3}), 2u);
}

TEST_F(SoundTest, ServerSaysWhatItIsAndASyncHasTheWholeGraph)
{
    EXPECT_FALSE(server().synced());
    server().sync();
    ASSERT_TRUE(dispatch_until([&] { return server().synced(); }));
    // The daemon's core.name, and its version (the same package's library).
    EXPECT_EQ(server().info().name, "pipewire-0");
    EXPECT_EQ(server().info().version, pw_get_library_version());
    // The registry comes before the answer: every node is there.
    EXPECT_TRUE(server().graph().node_named("test-sink-a"));
    EXPECT_TRUE(server().graph().node_named("test-sink-b"));
}

// The threads of this process that run with a realtime policy.
std::vector<std::string> realtime_threads()
{
    std::vector<std::string> names;
    for (const auto &entry : std::filesystem::directory_iterator("/proc/self/task")) {
        const pid_t tid = std::stoi(entry.path().filename().string());
        const int policy = sched_getscheduler(tid) & ~SCHED_RESET_ON_FORK;
        if (policy == SCHED_FIFO || policy == SCHED_RR) {
            std::ifstream comm(entry.path() / "comm");
            std::string name;
            std::getline(comm, name);
            names.push_back(name);
        }
    }
    return names;
}

TEST_F(SoundTest, TheDataThreadIsRealtimeWhereTheLimitsAllow)
{
    // PipeWire's module-rt asks RTKit (no system bus here) or takes
    // realtime itself where RLIMIT_RTPRIO (or root) allows; CI runs as root.
    rlimit limit{};
    getrlimit(RLIMIT_RTPRIO, &limit);
    const bool allowed = geteuid() == 0 || limit.rlim_cur > 0;
    Playback playback(server(), mono16, vm_to("test-sink-a"));
    ASSERT_TRUE(dispatch_until([&] { return linked_to(playback.info(), "test-sink-a"); }));
    const auto threads = realtime_threads();
    if (allowed)
        EXPECT_EQ(threads.size(), 1u) << "PipeWire's data thread, alone";
    else
        EXPECT_TRUE(threads.empty());
    for (const auto &name : threads)
        std::cout << "realtime: " << name << std::endl;
}

TEST_F(SoundTest, NoServerIsAOneLineError)
{
    try {
        Server other(loop_, "no-such-pipewire");
        FAIL() << "connected to nothing";
    } catch (const ServerError &error) {
        const std::string message = error.what();
        EXPECT_NE(message.find(daemon_->runtime_dir() + "/no-such-pipewire"), std::string::npos)
            << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
}

TEST_F(SoundTest, AFormatPipeWireCannotTakeIsRefused)
{
    Format bad = mono16;
    bad.bits = 24;
    EXPECT_THROW(Playback(server(), bad, {"bad", "test-sink-a"}), std::invalid_argument);
    bad = mono16;
    bad.channels = 9;
    EXPECT_THROW(Capture(server(), bad, {"bad", "test-sink-a"}), std::invalid_argument);
}

} // namespace
} // namespace phyllome::sound
