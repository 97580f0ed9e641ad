// A VM's sound over QEMU's D-Bus display, against the fake QEMU peer with a
// D-Bus audiodev, as QEMU 9.2 and 10.1 (7.2 cannot take a listener over
// p2p, and is left alone): the session's listeners take
// QEMU's voices, the samples the guest plays arrive exactly as sent, what
// the session records reaches the guest (silence where it has nothing), and
// malformed messages are refused without harm to the voices that work.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <wayland-server-core.h>

#include "base/unique_fd.hpp"
#include "tests/support/fake_qemu.hpp"
#include "vmview/audio_listener.hpp"
#include "vmview/display_client.hpp"

namespace phyllome::test {
namespace {

using vmview::AudioListener;
using Direction = vmview::AudioListener::Direction;

// Keeps what the listeners report; gives the In listener `to_record`.
class Recorder : public vmview::AudioObserver {
public:
    void voice_added(AudioListener &, uint64_t voice) override
    {
        events.push_back("added " + std::to_string(voice));
    }
    void voice_removed(AudioListener &, uint64_t voice) override
    {
        events.push_back("removed " + std::to_string(voice));
    }
    void voice_changed(AudioListener &, uint64_t voice) override
    {
        events.push_back("changed " + std::to_string(voice));
    }
    void played(AudioListener &, uint64_t voice, std::span<const uint8_t> samples) override
    {
        auto &into = this->samples[voice];
        into.insert(into.end(), samples.begin(), samples.end());
    }
    std::size_t record(AudioListener &, uint64_t, std::span<uint8_t> into) override
    {
        const std::size_t n = std::min(into.size(), to_record.size());
        std::copy_n(to_record.begin(), n, into.begin());
        to_record.erase(to_record.begin(), to_record.begin() + static_cast<std::ptrdiff_t>(n));
        return n;
    }

    std::vector<std::string> events;
    std::map<uint64_t, std::vector<uint8_t>> samples;
    std::vector<uint8_t> to_record;
};

// fake-qemu's ramp: sample k of a 16-bit voice (every channel's samples
// counted) is (k * 7) mod 65536, little endian.
std::vector<uint8_t> ramp16(uint64_t first_sample, uint64_t samples)
{
    std::vector<uint8_t> bytes;
    for (uint64_t k = first_sample; k < first_sample + samples; ++k) {
        const auto value = static_cast<uint16_t>((k * 7) % 65536);
        bytes.push_back(static_cast<uint8_t>(value & 0xff));
        bytes.push_back(static_cast<uint8_t>(value >> 8));
    }
    return bytes;
}

class Audio : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { start("--audio"); }

    void start(const std::string &args)
    {
        loop_ = wl_event_loop_create();
        fake_ = std::make_unique<FakeQemu>(GetParam(), args);
        fake_source_ = wl_event_loop_add_fd(
            loop_, fake_->stdout_fd(), WL_EVENT_READABLE,
            [](int, uint32_t, void *data) {
                auto *self = static_cast<Audio *>(data);
                while (auto line = self->fake_->poll_line())
                    self->lines_.push_back(*line);
                return 0;
            },
            this);
        vmview::DisplayClient::Handlers handlers;
        handlers.audio_added = [this](AudioListener &listener) {
            listener.set_observer(&recorder_);
        };
        client_ = std::make_unique<vmview::DisplayClient>(
            loop_, base::UniqueFd(fake_->take_client_fd()), "test", std::move(handlers));
    }

    void TearDown() override
    {
        client_.reset();
        if (fake_source_)
            wl_event_source_remove(fake_source_);
        fake_.reset();
        if (loop_)
            wl_event_loop_destroy(loop_);
    }

    bool dispatch_until(const std::function<bool()> &done)
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!done()) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return false;
            wl_event_loop_dispatch(loop_, static_cast<int>(left.count()));
        }
        return true;
    }

    std::string command(const std::string &line)
    {
        fake_->send(line);
        if (!dispatch_until([&] { return !lines_.empty(); }))
            return "(no answer from fake-qemu to: " + line + ")";
        std::string answer = lines_.front();
        lines_.erase(lines_.begin());
        return answer;
    }

    void expect_ok(const std::string &line)
    {
        const std::string answer = command(line);
        EXPECT_EQ(answer.rfind("ok", 0), 0u) << line << " -> " << answer;
    }

    void expect_refused(const std::string &line, const std::string &why)
    {
        const std::string answer = command(line);
        EXPECT_EQ(answer.rfind("error org.qemu.Display1.Error.Invalid", 0), 0u)
            << line << " -> " << answer;
        EXPECT_NE(answer.find(why), std::string::npos) << line << " -> " << answer;
    }

    // The session's listener once fake-qemu has it; null (a failure) if
    // it never came.
    AudioListener *listener(Direction direction)
    {
        expect_ok(direction == Direction::Out ? "wait-audio-listener out"
                                              : "wait-audio-listener in");
        EXPECT_TRUE(dispatch_until([&] { return client_->audio(direction) != nullptr; }));
        return client_->audio(direction);
    }

    wl_event_loop *loop_ = nullptr;
    std::unique_ptr<FakeQemu> fake_;
    wl_event_source *fake_source_ = nullptr;
    std::vector<std::string> lines_;
    Recorder recorder_;
    std::unique_ptr<vmview::DisplayClient> client_;
};

// Voice ids are QEMU's pointers: any 64-bit value.
constexpr uint64_t kVoice = 0x7f3a12345678;

TEST_P(Audio, PlayedSamplesArriveExactlyAsTheGuestWroteThem)
{
    AudioListener *out_listener = listener(Direction::Out);
    ASSERT_TRUE(out_listener);
    AudioListener &out = *out_listener;
    expect_ok("audio-init out " + std::to_string(kVoice) + " 16 1 0 48000 2");
    expect_ok("audio-enable out " + std::to_string(kVoice) + " 1");
    ASSERT_EQ(out.voices().count(kVoice), 1u);
    const vmview::AudioVoice &voice = out.voices().at(kVoice);
    EXPECT_EQ(voice.format.rate, 48000u);
    EXPECT_EQ(voice.format.channels, 2);
    EXPECT_EQ(voice.format.bits, 16);
    EXPECT_TRUE(voice.enabled);

    expect_ok("audio-write " + std::to_string(kVoice) + " 480");
    expect_ok("audio-write " + std::to_string(kVoice) + " 96");
    EXPECT_EQ(recorder_.samples[kVoice], ramp16(0, (480 + 96) * 2));
    EXPECT_EQ(out.voices().at(kVoice).bytes, (480u + 96u) * 4u);
    EXPECT_EQ(out.messages_rejected(), 0u);

    expect_ok("audio-volume out " + std::to_string(kVoice) + " 1 200,100");
    EXPECT_TRUE(out.voices().at(kVoice).muted);
    EXPECT_EQ(out.voices().at(kVoice).volume, (std::vector<uint8_t>{200, 100}));
    expect_ok("audio-fini out " + std::to_string(kVoice));
    EXPECT_EQ(out.voices().count(kVoice), 0u);
    EXPECT_EQ(recorder_.events, (std::vector<std::string>{"added " + std::to_string(kVoice),
                                                          "changed " + std::to_string(kVoice),
                                                          "changed " + std::to_string(kVoice),
                                                          "removed " + std::to_string(kVoice)}));
}

TEST_P(Audio, RecordingAnswersWithWhatTheSessionHasThenSilence)
{
    AudioListener *in_listener = listener(Direction::In);
    ASSERT_TRUE(in_listener);
    AudioListener &in = *in_listener;
    expect_ok("audio-init in 9 16 1 0 48000 1");
    recorder_.to_record = {0x11, 0x22, 0x33, 0x44};
    EXPECT_EQ(command("audio-read 9 8"), "ok 8 1122334400000000");
    EXPECT_EQ(in.voices().at(9).underruns, 1u);
    // Unsigned samples are silent at their middle value.
    expect_ok("audio-init in 10 8 0 0 8000 1");
    EXPECT_EQ(command("audio-read 10 3"), "ok 3 808080");
}

TEST_P(Audio, MalformedMessagesAreRefusedAndTheGoodVoicePlaysOn)
{
    AudioListener *out_listener = listener(Direction::Out);
    ASSERT_TRUE(out_listener);
    AudioListener &out = *out_listener;
    expect_ok("audio-init out 1 16 1 0 48000 2");
    expect_refused("audio-init-raw out 2 16 1 0 48000 2 8 192000 0", "bytes per frame");
    expect_refused("audio-init out 3 24 1 0 48000 2", "24 bits");
    expect_refused("audio-init out 4 16 1 0 48000 0", "0 channels");
    expect_refused("audio-init out 5 16 1 0 900000 2", "900000 Hz");
    expect_refused("audio-write 77 10", "no Init for voice 77");
    expect_refused("audio-write-bytes 1 3", "not whole frames");
    expect_refused("audio-write 1 96000", "at most");
    expect_refused("audio-enable out 42 1", "no Init");
    // Voices are bounded: the seventeenth is refused.
    for (int id = 100; id < 115; ++id)
        expect_ok("audio-init out " + std::to_string(id) + " 16 1 0 48000 2");
    expect_refused("audio-init out 200 16 1 0 48000 2", "more than 16 voices");
    EXPECT_EQ(out.voices().size(), vmview::kMaxAudioVoices);
    EXPECT_GE(out.messages_rejected(), 9u);

    // The ramp went on through the refused write of 96000 frames.
    expect_ok("audio-write 1 48");
    EXPECT_EQ(recorder_.samples[1], ramp16(96000 * 2, 96));
}

TEST_P(Audio, QemuGoneRemovesEveryVoice)
{
    ASSERT_TRUE(listener(Direction::Out));
    expect_ok("audio-init out 1 16 1 0 48000 2");
    expect_ok("audio-init out 2 16 1 0 44100 2");
    fake_->send("quit");
    ASSERT_TRUE(dispatch_until([&] { return recorder_.events.size() >= 4; }));
    EXPECT_EQ(recorder_.events[2].rfind("removed", 0), 0u);
    EXPECT_EQ(recorder_.events[3].rfind("removed", 0), 0u);
    EXPECT_FALSE(client_->audio(Direction::Out)->connected());
}

class NoAudio : public Audio {
protected:
    void SetUp() override { start(""); }
};

TEST_P(NoAudio, AVmWithoutADbusAudiodevHasNoListener)
{
    expect_ok("wait-listener");
    // QEMU answered both registrations (with errors) before the console's.
    EXPECT_EQ(client_->audio(Direction::Out), nullptr);
    EXPECT_EQ(client_->audio(Direction::In), nullptr);
}

// QEMU 7.2 dies when a sound listener registers over a peer-to-peer
// connection (fake-qemu does the same): the session does not register one
// with QEMU older than 8.1, so the VM lives on, without sound.
class OldQemuAudio : public Audio {};

TEST_P(OldQemuAudio, IsLeftAloneAndTheVmLivesOn)
{
    expect_ok("wait-listener");
    EXPECT_EQ(client_->audio(Direction::Out), nullptr);
    EXPECT_EQ(client_->audio(Direction::In), nullptr);
    expect_ok("wait-listener");
    EXPECT_TRUE(client_->connected());
}

std::string version_name(const ::testing::TestParamInfo<std::string> &info)
{
    std::string name = info.param;
    std::replace(name.begin(), name.end(), '.', '_');
    return "qemu_" + name;
}

INSTANTIATE_TEST_SUITE_P(QemuVersions, Audio, ::testing::Values("9.2", "10.1"), version_name);
INSTANTIATE_TEST_SUITE_P(QemuVersions, OldQemuAudio, ::testing::Values("7.2"), version_name);
INSTANTIATE_TEST_SUITE_P(QemuVersions, NoAudio, ::testing::Values("7.2", "9.2", "10.1"),
                         version_name);

} // namespace
} // namespace phyllome::test
