// Each VM's sound on its seat's speakers, end to end: a private PipeWire
// with two null sinks (tests/sound/private_pipewire.hpp) stands for two
// desks' speakers, two fake QEMUs (10.1, with a D-Bus audiodev) for two
// VMs, and the session's own VM fleet and seats route them. What the sinks
// play is recorded from their monitors: the VM a seat shows is heard on that
// seat's sink and never on the other one, a seat switch moves the sound,
// and a VM no seat shows is muted.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "session/seated_vms.hpp"
#include "sound/capture.hpp"
#include "sound/playback.hpp"
#include "sound/server.hpp"
#include "tests/sound/private_pipewire.hpp"
#include "tests/support/fake_qemu.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/seated_vms.hpp"

namespace phyllome::test {
namespace {

constexpr sound::Format kStereo16{16, true, false, false, 48000, 2};

// The longest run of samples in which each follows the one before as
// fake-qemu's ramp does (+7, modulo 2^16): that VM's sound, undamaged.
std::size_t longest_ramp_run(const std::vector<int16_t> &samples)
{
    std::size_t best = 0, run = 0;
    for (std::size_t i = 1; i < samples.size(); ++i) {
        const auto step = static_cast<uint16_t>(static_cast<uint16_t>(samples[i]) -
                                                static_cast<uint16_t>(samples[i - 1]));
        run = step == 7 ? run + 1 : 0;
        best = std::max(best, run);
    }
    return best;
}

// The longest run of samples each one more than the one before: a ramp
// rising by one, undamaged.
std::size_t longest_rising_run(const std::vector<int16_t> &samples)
{
    std::size_t best = 0, run = 0;
    for (std::size_t i = 1; i < samples.size(); ++i) {
        run = samples[i] == samples[i - 1] + 1 ? run + 1 : 0;
        best = std::max(best, run);
    }
    return best;
}

class Sound : public ::testing::Test {
protected:
    void SetUp() override
    {
        pipewire_ = std::make_unique<PrivatePipeWire>();
        config::Seat left, right;
        left.name = "left";
        left.vm = "a";
        left.vms = {"a", "b"};
        left.all_vms = false;
        left.outputs = {"HEADLESS-1"};
        left.devices = {config::DeviceRule{config::DeviceRule::Kind::Name, "left-*", 0, 0}};
        left.audio_out = {config::SoundTarget::Kind::Node, "test-sink-a"};
        // The left desk's microphone: what test-sink-b plays (its monitor),
        // which the microphone test alone plays to. The right desk has
        // none (the default: no session manager picks one here).
        left.audio_in = {config::SoundTarget::Kind::Node, "test-sink-b"};
        right.name = "right";
        right.vm = "b";
        right.vms = {"b", "a"};
        right.all_vms = false;
        right.outputs = {"HEADLESS-2"};
        right.devices = {config::DeviceRule{}};
        right.audio_out = {config::SoundTarget::Kind::Node, "test-sink-b"};
        for (const char *name : {"a", "b"}) {
            config::Vm vm;
            vm.name = name;
            config_.vms.push_back(vm);
        }
        config_.seats = {left, right};

        Server::Settings settings;
        settings.headless = {{320, 240}, {320, 240}};
        connect_server(settings, side_);
        session_ = std::make_unique<InProcessSession>(std::move(settings));
        sound_ = std::make_unique<sound::Server>(session_->server().event_loop(),
                                                 pipewire_->socket_path());
        side_ = std::make_unique<SeatedVms>(session_->server(),
                                            [this]() -> const config::Config & { return config_; });
        side_->fleet.set_sound_server(sound_.get());
        for (const char *name : {"a", "b"}) {
            auto &fake = fakes_.emplace_back(std::make_unique<FakeQemu>("10.1", "--audio"));
            side_->fleet.attach(name, base::UniqueFd(fake->take_client_fd()));
        }
        ASSERT_TRUE(session_->dispatch_until([&] { return session_->ready(); }));
        for (auto &fake : fakes_) {
            ASSERT_EQ(fake->command(*session_, "wait-audio-listener out"), "ok");
            ASSERT_EQ(fake->command(*session_, "audio-init out 1 16 1 0 48000 2"), "ok");
            ASSERT_EQ(fake->command(*session_, "audio-enable out 1 1"), "ok");
        }
        for (const char *sink : {"test-sink-a", "test-sink-b"})
            monitors_.push_back(std::make_unique<sound::Capture>(
                *sound_, kStereo16,
                sound::StreamSettings{std::string("test monitor of ") + sink, sink, "1024/48000",
                                      1000}));
    }

    void TearDown() override
    {
        monitors_.clear();
        side_.reset();
        fakes_.clear();
        sound_.reset();
        session_.reset();
        pipewire_.reset();
    }

    // VM `which` (0: a, 1: b) plays about half a second of the ramp, while
    // both monitors record; what each recorded.
    std::vector<std::vector<int16_t>> play(std::size_t which)
    {
        std::vector<std::vector<int16_t>> recorded(monitors_.size());
        auto drain = [&] {
            uint8_t buffer[8192];
            for (std::size_t m = 0; m < monitors_.size(); ++m) {
                std::size_t n;
                while ((n = monitors_[m]->read(buffer)) > 0) {
                    auto &into = recorded[m];
                    const std::size_t at = into.size();
                    into.resize(at + n / 2);
                    std::memcpy(into.data() + at, buffer, n / 2 * 2);
                }
            }
        };
        // 10 ms at a time, then 10 ms of the loop (draining the monitors),
        // as QEMU's audio timer paces a guest's sound.
        for (int block = 0; block < 50; ++block) {
            EXPECT_EQ(fakes_[which]->command(*session_, "audio-write 1 480"), "ok");
            session_->dispatch_until(
                [&] {
                    drain();
                    return false;
                },
                std::chrono::milliseconds(10));
        }
        session_->dispatch_until(
            [&] {
                drain();
                return false;
            },
            std::chrono::milliseconds(200));
        return recorded;
    }

    std::unique_ptr<PrivatePipeWire> pipewire_;
    config::Config config_;
    std::unique_ptr<InProcessSession> session_;
    std::unique_ptr<sound::Server> sound_;
    std::unique_ptr<SeatedVms> side_;
    std::vector<std::unique_ptr<FakeQemu>> fakes_;
    std::vector<std::unique_ptr<sound::Capture>> monitors_;
};

// At least 100 ms of the ramp in one piece.
constexpr std::size_t kHeard = 9600;

// The samples of a fake-qemu "ok N HEX" answer to audio-read.
std::vector<int16_t> read_samples(const std::string &answer)
{
    std::vector<int16_t> samples;
    const auto hex_at = answer.find(' ', 3);
    if (answer.rfind("ok ", 0) != 0 || hex_at == std::string::npos)
        return samples;
    const std::string hex = answer.substr(hex_at + 1);
    for (std::size_t i = 0; i + 3 < hex.size(); i += 4) {
        const auto lo = static_cast<uint16_t>(std::stoul(hex.substr(i, 2), nullptr, 16));
        const auto hi = static_cast<uint16_t>(std::stoul(hex.substr(i + 2, 2), nullptr, 16));
        samples.push_back(static_cast<int16_t>(lo | hi << 8));
    }
    return samples;
}

TEST_F(Sound, EachVmIsHeardOnItsSeatsSinkOnly)
{
    auto a = play(0);
    EXPECT_GE(longest_ramp_run(a[0]), kHeard) << "VM a on the left seat's sink";
    EXPECT_LT(longest_ramp_run(a[1]), 16u) << "VM a leaked onto the right seat's sink";
    auto b = play(1);
    EXPECT_GE(longest_ramp_run(b[1]), kHeard) << "VM b on the right seat's sink";
    EXPECT_LT(longest_ramp_run(b[0]), 16u) << "VM b leaked onto the left seat's sink";
    const VmSound *sound = side_->fleet.sound("a");
    ASSERT_TRUE(sound);
    const auto status = sound->status();
    ASSERT_EQ(status.size(), 1u);
    EXPECT_EQ(status[0].node, "test-sink-a");
    EXPECT_EQ(status[0].format, "s16le 48000 Hz 2 ch");
}

TEST_F(Sound, TheGuestsMuteSilencesItsSound)
{
    ASSERT_EQ(fakes_[0]->command(*session_, "audio-volume out 1 1 255,255"), "ok");
    auto a = play(0);
    EXPECT_LT(longest_ramp_run(a[0]), 16u) << "VM a muted by its guest is heard";
    ASSERT_EQ(fakes_[0]->command(*session_, "audio-volume out 1 0 255,255"), "ok");
    a = play(0);
    EXPECT_GE(longest_ramp_run(a[0]), kHeard) << "VM a unmuted by its guest";
}

TEST_F(Sound, TheGuestsVolumeScalesItsSound)
{
    // QEMU's volume is linear, 255 being full scale; the ramp (+7 a sample)
    // spans the whole 16-bit range, so its loudest sample says the gain.
    auto loudest = [](const std::vector<int16_t> &samples) {
        int most = 0;
        for (int16_t s : samples)
            most = std::max(most, std::abs(static_cast<int>(s)));
        return most;
    };
    const int full = loudest(play(0)[0]);
    EXPECT_GE(full, 32000);
    ASSERT_EQ(fakes_[0]->command(*session_, "audio-volume out 1 0 128,128"), "ok");
    const int half = loudest(play(0)[0]);
    EXPECT_NEAR(half, full * 128 / 255, full / 50) << "full scale " << full;
}

TEST_F(Sound, ASeatSwitchMovesTheSoundAndAHiddenVmIsMuted)
{
    // The left seat switches to b: a is shown nowhere (muted, the default),
    // b is shown on both seats and plays on the first's (left) sink.
    side_->seats.run("left", input::HostCommand{input::HostCommand::Kind::NextVm, 0});
    ASSERT_TRUE(session_->dispatch_until([&] {
        const VmSound *b = side_->fleet.sound("b");
        return b && !b->status().empty() && b->status()[0].node == "test-sink-a";
    }));
    auto b = play(1);
    EXPECT_GE(longest_ramp_run(b[0]), kHeard) << "VM b moved to the left seat's sink";
    auto a = play(0);
    EXPECT_LT(longest_ramp_run(a[0]), 16u) << "hidden VM a is heard on the left";
    EXPECT_LT(longest_ramp_run(a[1]), 16u) << "hidden VM a is heard on the right";
    EXPECT_TRUE(side_->fleet.sound("a")->status()[0].muted);
}

TEST_F(Sound, EachSeatsMicrophoneReachesOnlyItsVm)
{
    // Someone speaks into the left desk's microphone: a ramp rising by one,
    // played to test-sink-b, whose monitor is that microphone.
    sound::Playback voice(*sound_, kStereo16,
                          sound::StreamSettings{"test: the left desk's speaker", "test-sink-b"});
    for (auto &fake : fakes_) {
        ASSERT_EQ(fake->command(*session_, "wait-audio-listener in"), "ok");
        ASSERT_EQ(fake->command(*session_, "audio-init in 2 16 1 0 48000 2"), "ok");
        ASSERT_EQ(fake->command(*session_, "audio-enable in 2 1"), "ok");
    }
    ASSERT_TRUE(session_->dispatch_until([&] {
        const VmSound *a = side_->fleet.sound("a");
        const auto status = a ? a->status() : std::vector<VmSound::VoiceStatus>{};
        return std::any_of(status.begin(), status.end(), [](const auto &voice) {
            return !voice.out && voice.node == "test-sink-b" && voice.state == "streaming";
        });
    }));

    // QEMU reads the guest's recording 10 ms at a time, as its audio timer
    // does, and the ramp is written to the speaker 10 ms at a time: both at
    // the clock's pace (the loop may be late on a loaded machine), the
    // speaker 20 ms ahead.
    std::vector<int16_t> heard_a, heard_b;
    std::vector<int16_t> block(960);
    int next = 0, written = 0, read = 0;
    const auto start = std::chrono::steady_clock::now();
    while (read < 60) {
        const auto elapsed = std::chrono::steady_clock::now() - start;
        const int due = static_cast<int>(elapsed / std::chrono::milliseconds(10));
        for (; written < due + 2; ++written) {
            for (std::size_t s = 0; s < block.size(); s += 2)
                block[s] = block[s + 1] = static_cast<int16_t>(100 + next++ % 16000);
            voice.write({reinterpret_cast<const uint8_t *>(block.data()), block.size() * 2});
        }
        for (; read < std::min(due, 60); ++read) {
            for (std::size_t vm = 0; vm < 2; ++vm) {
                auto samples = read_samples(fakes_[vm]->command(*session_, "audio-read 2 1920"));
                auto &into = vm == 0 ? heard_a : heard_b;
                into.insert(into.end(), samples.begin(), samples.end());
            }
        }
        session_->dispatch_until([] { return false; }, std::chrono::milliseconds(5));
    }
    // The left channel of what VM a recorded.
    std::vector<int16_t> left;
    for (std::size_t i = 0; i < heard_a.size(); i += 2)
        left.push_back(heard_a[i]);
    EXPECT_EQ(heard_a.size(), 60u * 960) << "every Read is answered in full";
    // 50 ms in one piece (a loaded machine may break it up elsewhere).
    EXPECT_GE(longest_rising_run(left), 2400u) << "VM a did not hear its desk's microphone";
    EXPECT_TRUE(std::all_of(heard_b.begin(), heard_b.end(), [](int16_t s) { return s == 0; }))
        << "VM b heard the left desk's microphone";
}

} // namespace
} // namespace phyllome::test
