// A real guest's sound, end to end: the tiny test guest (tests/guest) boots
// in Debian's QEMU with an intel-hda card on a D-Bus audiodev and plays a
// sine of the frequency on its kernel command line (phyllome.tone=HZ,
// tests/guest/tone.cpp); the session's VM fleet and seats (as in
// sound_test.cpp) play it on the seat's sink of a private PipeWire, whose
// monitor is recorded: the sound is there and has that frequency. Then QEMU
// is killed mid-stream: the session goes on, the VM's voice and its stream
// go, and nothing plays on the sink any more.
//
// QEMU before 8.1 cannot take a sound listener over the peer-to-peer
// display connection (7.2 crashes on one), so the session registers none
// there: with Debian 12's QEMU this test checks exactly that, while the
// guest plays: QEMU keeps running, the VM has no sound in the session, and
// nothing is heard on the sink.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "session/seated_vms.hpp"
#include "sound/capture.hpp"
#include "sound/server.hpp"
#include "tests/sound/private_pipewire.hpp"
#include "tests/support/guest.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/seated_vms.hpp"

namespace phyllome::test {
namespace {

using namespace std::chrono_literals;

// Not a common test tone (440, 1000), so that nothing else passes for it.
constexpr long kTone = 660;
constexpr int kRate = 48000;
constexpr sound::Format kStereo16{16, true, false, false, kRate, 2};
// Generous: under TCG on a loaded machine the guest boots in tens of
// seconds, and its HDA driver probes after that.
constexpr auto kBootTimeout = 300s;
constexpr auto kEventTimeout = 60s;
constexpr char kSink[] = "test-sink-a";
constexpr char kStream[] = "VM a: sound";

// The sink's monitor, in blocks of 100 ms of the left channel: a block
// sounds when it holds no gap (1 ms of near silence: an underrun of the slow
// guest, or nothing played) and is loud enough to be a tone.
class SinkMonitor {
public:
    static constexpr std::size_t kBlock = kRate / 10;

    explicit SinkMonitor(sound::Capture &capture) : capture_(capture) {}

    // Takes what the monitor recorded so far.
    void drain()
    {
        uint8_t buffer[8192];
        std::size_t n;
        while ((n = capture_.read(buffer)) > 0) {
            for (std::size_t at = 0; at + 4 <= n; at += 4) {
                int16_t left;
                std::memcpy(&left, buffer + at, sizeof left);
                pending_.push_back(left);
                loudest_ = std::max(loudest_, std::abs(static_cast<int>(left)));
                if (pending_.size() == kBlock) {
                    if (sounds(pending_))
                        sounding_.push_back(pending_);
                    pending_.clear();
                }
            }
        }
    }

    const std::vector<std::vector<int16_t>> &sounding() const { return sounding_; }
    int loudest() const { return loudest_; }

private:
    static bool sounds(const std::vector<int16_t> &block)
    {
        std::size_t quiet = 0, longest_quiet = 0;
        double energy = 0;
        for (int16_t sample : block) {
            quiet = std::abs(sample) < 64 ? quiet + 1 : 0;
            longest_quiet = std::max(longest_quiet, quiet);
            energy += static_cast<double>(sample) * sample;
        }
        return longest_quiet < kRate / 1000 && std::sqrt(energy / block.size()) > 1000;
    }

    sound::Capture &capture_;
    std::vector<int16_t> pending_;
    std::vector<std::vector<int16_t>> sounding_;
    int loudest_ = 0;
};

// Goertzel: |X(frequency)|^2 of the block.
double power_at(const std::vector<int16_t> &block, double frequency)
{
    const double coefficient = 2 * std::cos(2 * M_PI * frequency / kRate);
    double s1 = 0, s2 = 0;
    for (int16_t sample : block) {
        const double s0 = sample + coefficient * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

// The share of the blocks' energy at `frequency`: 1 for a pure sine whose
// cycles fill a block (660 Hz: 66 in 100 ms), about 0 for any other sound.
double purity(const std::vector<std::vector<int16_t>> &blocks, double frequency)
{
    double at = 0, total = 0;
    for (const auto &block : blocks) {
        at += power_at(block, frequency);
        double energy = 0;
        for (int16_t sample : block)
            energy += static_cast<double>(sample) * sample;
        total += energy * static_cast<double>(block.size()) / 2;
    }
    return total > 0 ? at / total : 0;
}

// The loudest frequency of the blocks, from 100 Hz to 4 kHz in 2 Hz steps.
double dominant(const std::vector<std::vector<int16_t>> &blocks)
{
    double best = 0, best_power = -1;
    for (double frequency = 100; frequency <= 4000; frequency += 2) {
        double power = 0;
        for (const auto &block : blocks)
            power += power_at(block, frequency);
        if (power > best_power) {
            best_power = power;
            best = frequency;
        }
    }
    return best;
}

class RealGuestSound : public ::testing::Test {
protected:
    void SetUp() override
    {
        dir_ = (std::filesystem::temp_directory_path() / "phyllome-guest-sound-XXXXXX").string();
        ASSERT_TRUE(mkdtemp(dir_.data()));
        pipewire_ = std::make_unique<PrivatePipeWire>();

        config::Vm vm;
        vm.name = "a";
        vm.follow_output = false;
        config_.vms = {vm};
        config::Seat seat;
        seat.name = "desk";
        seat.vm = "a";
        seat.outputs = {"HEADLESS-1"};
        seat.devices = {config::DeviceRule{}};
        seat.audio_out = {config::SoundTarget::Kind::Node, kSink};
        config_.seats = {seat};

        Server::Settings settings;
        settings.headless = {{720, 400}};
        connect_server(settings, side_);
        session_ = std::make_unique<InProcessSession>(std::move(settings));
        sound_ = std::make_unique<sound::Server>(session_->server().event_loop(),
                                                 pipewire_->socket_path());
        side_ = std::make_unique<SeatedVms>(session_->server(),
                                            [this]() -> const config::Config & { return config_; });
        side_->fleet.set_sound_server(sound_.get());
        monitor_ = std::make_unique<sound::Capture>(
            *sound_, kStereo16,
            sound::StreamSettings{std::string("test monitor of ") + kSink, kSink, "1024/48000",
                                  2000});
        heard_ = std::make_unique<SinkMonitor>(*monitor_);

        const GuestImage image = build_guest();
        accelerator_ = guest_accelerator();
        vm_ = std::make_unique<GuestVm>(
            image, "a", dir_, accelerator_, std::vector<std::string>{},
            GuestVm::Extra{{}, "phyllome.tone=" + std::to_string(kTone), true});
        vm_->watch_on(session_->server().event_loop());
        // Asked before the display is attached: QEMU 7.2's clipboard Register
        // reads our properties synchronously from its main loop, so a QMP
        // call made after the attach and before the session's loop runs
        // waits on that, and that on this test (25 s, then both time out).
        version_ = vm_->qemu_version();
        side_->fleet.attach("a", base::UniqueFd(vm_->qmp().attach_dbus_display()));
    }

    void TearDown() override
    {
        heard_.reset();
        monitor_.reset();
        side_.reset();
        vm_.reset();
        sound_.reset();
        session_.reset();
        pipewire_.reset();
        if (!dir_.empty())
            std::filesystem::remove_all(dir_);
    }

    // Runs the session's loop, taking what the monitor recorded, until
    // `done` or the deadline.
    bool dispatch_until(const std::function<bool()> &done,
                        std::chrono::milliseconds timeout = kEventTimeout)
    {
        return session_->dispatch_until(
            [&] {
                heard_->drain();
                return done();
            },
            timeout);
    }

    bool guest_said(const std::string &text) const
    {
        return vm_->serial().find(text) != std::string::npos;
    }

    // A whole line of the guest's serial console ("\r\n" or "\n" ended).
    bool guest_said_line(const std::string &line) const
    {
        return guest_said("\n" + line + "\r\n") || guest_said("\n" + line + "\n");
    }

    // Nothing plays to the sink: no stream of the VM's in PipeWire's graph,
    // and no link into the sink's inputs.
    bool nothing_plays_on_the_sink() const
    {
        const sound::Graph &graph = sound_->graph();
        if (graph.node_named(kStream))
            return false;
        const sound::Node *sink = graph.node_named(kSink);
        if (!sink)
            return false;
        for (const sound::Link &link : graph.links_of(sink->id))
            if (link.input_node == sink->id)
                return false;
        return true;
    }

    std::string context() const
    {
        return "QEMU " + std::to_string(version_.first) + "." + std::to_string(version_.second) +
               " (" + accelerator_ + "); the guest's serial:\n" + vm_->serial();
    }

    // QEMU killed mid-stream: the session goes on, the VM's display and
    // sound go with QEMU, and nothing is left playing.
    void kill_qemu()
    {
        ASSERT_TRUE(vm_->kill()) << "QEMU outlived SIGKILL";
        ASSERT_TRUE(dispatch_until([&] {
            const VmSound *sound = side_->fleet.sound("a");
            return side_->fleet.state_of("a") == "Display disconnected" &&
                   (!sound || sound->status().empty()) && nothing_plays_on_the_sink();
        })) << "state: "
            << side_->fleet.state_of("a") << "\n"
            << context();
        EXPECT_TRUE(side_->fleet.consoles("a").empty());
        EXPECT_TRUE(sound_->connected());
        // The session still serves: its loop runs and answers a frame.
        EXPECT_TRUE(session_->capture("HEADLESS-1").has_value());
    }

    std::string dir_, accelerator_;
    std::pair<int, int> version_{0, 0};
    config::Config config_;
    std::unique_ptr<PrivatePipeWire> pipewire_;
    std::unique_ptr<InProcessSession> session_;
    std::unique_ptr<sound::Server> sound_;
    std::unique_ptr<SeatedVms> side_;
    std::unique_ptr<sound::Capture> monitor_;
    std::unique_ptr<SinkMonitor> heard_;
    std::unique_ptr<GuestVm> vm_;
};

TEST_F(RealGuestSound, TheGuestsToneIsHeardOnItsSeatsSinkUntilQemuIsKilled)
{
    const bool listens = version_ >= std::pair{8, 1};
    const auto started = std::chrono::steady_clock::now();

    // The guest booted, loaded its sound driver and plays: QEMU's HDA
    // device takes its sound.
    ASSERT_TRUE(dispatch_until([&] { return guest_said_line("tone: playing"); }, kBootTimeout))
        << "the guest does not play\n"
        << context();

    if (!listens) {
        // 7.2: no listener, so no sound in the session; QEMU plays on
        // (into its D-Bus audiodev, to nobody) for three seconds of the
        // guest's while the sink's monitor hears nothing.
        ASSERT_TRUE(dispatch_until([&] { return guest_said_line("tone: played 3 s"); }))
            << context();
        EXPECT_TRUE(vm_->running()) << context();
        EXPECT_NE(vm_->qmp().execute(R"({"execute":"query-status"})").find("\"running\""),
                  std::string::npos);
        EXPECT_FALSE(side_->fleet.consoles("a").empty()) << "the VM's display is not shown";
        ASSERT_TRUE(side_->fleet.client("a"));
        EXPECT_EQ(side_->fleet.client("a")->audio(vmview::AudioListener::Direction::Out), nullptr)
            << "a sound listener was registered with QEMU " << version_.first << "."
            << version_.second;
        EXPECT_EQ(side_->fleet.sound("a"), nullptr);
        EXPECT_TRUE(nothing_plays_on_the_sink());
        EXPECT_LT(heard_->loudest(), 64) << "something was heard on the sink";
        kill_qemu();
        return;
    }

    // 8.1 and newer: a second of the tone, whole, on the seat's sink.
    ASSERT_TRUE(dispatch_until([&] { return heard_->sounding().size() >= 10; }, kBootTimeout))
        << "the sink heard " << heard_->sounding().size() << " blocks of sound, the loudest "
        << heard_->loudest() << "\n"
        << context();
    const auto heard = std::chrono::steady_clock::now();
    const VmSound *sound = side_->fleet.sound("a");
    ASSERT_TRUE(sound);
    const auto status = sound->status();
    ASSERT_EQ(status.size(), 1u);
    EXPECT_EQ(status[0].node, kSink);
    EXPECT_FALSE(status[0].muted) << "the guest's unmuted card plays muted";

    const auto &blocks = heard_->sounding();
    const double measured = dominant(blocks);
    const double share = purity(blocks, kTone);
    printf("guest tone: %ld Hz played, %.0f Hz heard (%.0f%% of the sound at %ld Hz, "
           "loudest sample %d), %.0f s after QEMU started\n",
           kTone, measured, 100 * share, kTone, heard_->loudest(),
           std::chrono::duration<double>(heard - started).count());
    EXPECT_NEAR(measured, kTone, 4) << context();
    EXPECT_GT(share, 0.8) << "the sound is not a pure tone of " << kTone << " Hz";
    // Neighbours, an octave and a fifth either side: far below the tone.
    for (double other : {kTone / 2.0, kTone * 2 / 3.0, kTone * 3 / 2.0, kTone * 2.0})
        EXPECT_LT(purity(blocks, other), share / 100) << other << " Hz";

    ASSERT_FALSE(nothing_plays_on_the_sink());
    kill_qemu();
}

} // namespace
} // namespace phyllome::test
