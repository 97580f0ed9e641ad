// libFuzzer entry point: a hostile QEMU calling every method of a real
// vmview::AudioListener, out (Write) or in (Read), over a real sd-bus
// peer-to-peer connection driven from a wl_event_loop, as in the session.
// Each input is a sequence of Init, Fini, SetEnabled, SetVolume, Write and
// Read calls with fuzzer-chosen voices, formats, volumes and sizes; this
// process is QEMU on the other end (the authentication server).
//
// After every call: it was answered; a refused call changed nothing; the
// listener keeps at most kMaxAudioVoices voices, each with a format the
// checks allow; the observer only ever sees whole frames, at most a second
// of them; a Read is answered with exactly the bytes asked for.
#include <cstdint>
#include <map>
#include <memory>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <wayland-server-core.h>

#include "tests/fuzz/fuzz_input.hpp"
#include "vmview/audio_listener.hpp"

namespace {

using namespace phyllome::vmview;
using phyllome::fuzz::check;
using phyllome::fuzz::Input;

constexpr int kMaxCalls = 32;
// Largest Write sent: above the one-second limit of small formats, small
// enough to keep inputs fast.
constexpr uint32_t kMaxWrite = 1u << 18;

class Observer final : public AudioObserver {
public:
    void voice_added(AudioListener &listener, uint64_t voice) override
    {
        check(listener.voices().count(voice) == 1);
    }
    void voice_removed(AudioListener &listener, uint64_t voice) override
    {
        check(listener.voices().count(voice) == 0);
    }
    void voice_changed(AudioListener &listener, uint64_t voice) override
    {
        check(listener.voices().count(voice) == 1);
    }
    void played(AudioListener &listener, uint64_t voice, std::span<const uint8_t> samples) override
    {
        const AudioFormat &format = listener.voices().at(voice).format;
        check(!check_audio_block(format, samples.size()));
        // Read every byte, as a sound server would.
        uint8_t sum = 0;
        for (uint8_t b : samples)
            sum = static_cast<uint8_t>(sum + b);
        played_sum += sum;
    }
    std::size_t record(AudioListener &, uint64_t, std::span<uint8_t> into) override
    {
        // Any amount, more than asked included: the listener must cope.
        const std::size_t n = std::min<std::size_t>(into.size(), to_record);
        std::fill_n(into.begin(), n, 0x42);
        return to_record;
    }
    std::size_t to_record = 0;
    unsigned played_sum = 0;
};

struct Reply {
    bool done = false;
    bool failed = false;
    size_t read_size = 0;
    bool read_ok = false;
};

int on_reply(sd_bus_message *m, void *data, sd_bus_error *)
{
    auto *reply = static_cast<Reply *>(data);
    reply->done = true;
    reply->failed = sd_bus_message_is_method_error(m, nullptr);
    if (!reply->failed && std::string_view(sd_bus_message_get_signature(m, 1)) == "ay") {
        const void *bytes = nullptr;
        reply->read_ok = sd_bus_message_read_array(m, 'y', &bytes, &reply->read_size) >= 0;
    }
    return 0;
}

// What a refused call must leave as it was.
struct Snapshot {
    struct Voice {
        AudioFormat format;
        bool enabled, muted;
        std::vector<uint8_t> volume;
        uint64_t bytes;
        bool operator==(const Voice &) const = default;
    };
    std::map<uint64_t, Voice> voices;
    explicit Snapshot(const AudioListener &listener)
    {
        for (const auto &[id, v] : listener.voices())
            voices[id] = Voice{v.format, v.enabled, v.muted, v.volume, v.bytes};
    }
    bool operator==(const Snapshot &) const = default;
};

class Harness {
public:
    explicit Harness(Input &in) : in_(in) {}
    ~Harness()
    {
        listener_.reset();
        if (peer_)
            sd_bus_close_unref(peer_);
        if (loop_)
            wl_event_loop_destroy(loop_);
    }

    bool start()
    {
        out_ = in_.byte() & 1;
        loop_ = wl_event_loop_create();
        int sv[2];
        if (!loop_ || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0)
            return false;
        listener_ = std::make_unique<AudioListener>(
            loop_, out_ ? AudioListener::Direction::Out : AudioListener::Direction::In, "fuzz",
            phyllome::base::UniqueFd(sv[0]), nullptr);
        listener_->set_observer(&observer_);
        const sd_id128_t id = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
        if (sd_bus_new(&peer_) < 0 || sd_bus_set_fd(peer_, sv[1], sv[1]) < 0) {
            close(sv[1]);
            return false;
        }
        if (sd_bus_set_server(peer_, 1, id) < 0 || sd_bus_start(peer_) < 0)
            return false;
        for (int round = 0; round < 1000 && sd_bus_is_ready(peer_) <= 0; ++round)
            pump();
        check(sd_bus_is_ready(peer_) > 0 && listener_->connected());
        return true;
    }

    void run()
    {
        for (int i = 0; i < kMaxCalls && !in_.empty(); ++i) {
            step();
            check(listener_->connected());
            check(listener_->voices().size() <= kMaxAudioVoices);
            for (const auto &[id, voice] : listener_->voices()) {
                const AudioFormat &f = voice.format;
                check(check_audio_init(f.bits, f.is_signed, f.is_float, f.rate, f.channels,
                                       f.bytes_per_frame(), f.bytes_per_second(), f.big_endian,
                                       nullptr)
                          .has_value());
            }
        }
    }

private:
    void pump()
    {
        while (sd_bus_process(peer_, nullptr) > 0) {
        }
        wl_event_loop_dispatch(loop_, 0);
    }

    Reply call(sd_bus_message *m)
    {
        Reply reply;
        sd_bus_slot *slot = nullptr;
        const Snapshot before(*listener_);
        const int r = sd_bus_call_async(peer_, &slot, m, on_reply, &reply, UINT64_MAX - 1);
        sd_bus_message_unref(m);
        if (r < 0)
            return reply;
        for (int round = 0; round < 100000 && !reply.done; ++round)
            pump();
        sd_bus_slot_unref(slot);
        check(reply.done);
        if (reply.failed)
            check(Snapshot(*listener_) == before);
        return reply;
    }

    sd_bus_message *new_call(const char *member)
    {
        sd_bus_message *m = nullptr;
        check(sd_bus_message_new_method_call(peer_, &m, nullptr,
                                             out_ ? "/org/qemu/Display1/AudioOutListener"
                                                  : "/org/qemu/Display1/AudioInListener",
                                             out_ ? "org.qemu.Display1.AudioOutListener"
                                                  : "org.qemu.Display1.AudioInListener",
                                             member) >= 0);
        return m;
    }

    // A few ids most of the time, so calls meet the voices they name.
    uint64_t voice()
    {
        const uint8_t b = in_.byte();
        return b < 200 ? b % 20 : in_.u64();
    }

    void step()
    {
        switch (in_.byte() % 6) {
        case 0: { // Init: consistent sizes most of the time
            static constexpr uint8_t kBits[] = {8, 16, 32, 0, 24, 255};
            const uint64_t id = voice();
            const uint8_t flags = in_.byte();
            const uint8_t bits = kBits[flags % std::size(kBits)];
            const uint32_t rate = (flags & 0x40) ? in_.value() : 8000u * (1u + in_.byte() % 24);
            const uint8_t channels = in_.byte() % 10;
            uint32_t bpf = bits / 8u * channels, bps = bpf * rate;
            if (flags & 0x80) {
                bpf = in_.value();
                bps = in_.value();
            }
            sd_bus_message *m = new_call("Init");
            check(sd_bus_message_append(m, "tybbuyuub", id, bits, (flags >> 3) & 1,
                                        (flags >> 4) & 1, rate, channels, bpf, bps,
                                        (flags >> 5) & 1) >= 0);
            call(m);
            break;
        }
        case 1: {
            sd_bus_message *m = new_call("Fini");
            check(sd_bus_message_append(m, "t", voice()) >= 0);
            call(m);
            break;
        }
        case 2: {
            sd_bus_message *m = new_call("SetEnabled");
            check(sd_bus_message_append(m, "tb", voice(), in_.byte() & 1) >= 0);
            call(m);
            break;
        }
        case 3: {
            const uint64_t id = voice();
            const int mute = in_.byte() & 1;
            const std::vector<uint8_t> volume = in_.bytes(in_.byte() % 24);
            sd_bus_message *m = new_call("SetVolume");
            check(sd_bus_message_append(m, "tb", id, mute) >= 0);
            check(sd_bus_message_append_array(m, 'y', volume.data(), volume.size()) >= 0);
            call(m);
            break;
        }
        default: { // Write or Read, whichever the direction has
            const uint64_t id = voice();
            const uint32_t size = in_.value() % (kMaxWrite + 1);
            if (out_) {
                std::vector<uint8_t> data(size, in_.byte());
                sd_bus_message *m = new_call("Write");
                check(sd_bus_message_append(m, "t", id) >= 0);
                check(sd_bus_message_append_array(m, 'y', data.data(), data.size()) >= 0);
                call(m);
            } else {
                observer_.to_record = in_.value() % (kMaxWrite + 1);
                sd_bus_message *m = new_call("Read");
                check(sd_bus_message_append(m, "tt", id, uint64_t{size}) >= 0);
                const Reply reply = call(m);
                if (!reply.failed)
                    check(reply.read_ok && reply.read_size == size);
            }
            break;
        }
        }
    }

    Input &in_;
    bool out_ = true;
    wl_event_loop *loop_ = nullptr;
    sd_bus *peer_ = nullptr;
    Observer observer_;
    std::unique_ptr<AudioListener> listener_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Input in(data, size);
    Harness harness(in);
    if (harness.start())
        harness.run();
    return 0;
}
