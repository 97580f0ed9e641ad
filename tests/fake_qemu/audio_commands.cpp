// Commands of the D-Bus audio (--audio): wait-audio-listener, audio-init,
// audio-init-raw, audio-enable, audio-volume, audio-fini, audio-write,
// audio-write-bytes, audio-read.
#include "args.hpp"
#include "audio_calls.hpp"
#include "command.hpp"

#include <cstdio>

namespace fake_qemu {
namespace {

constexpr uint32_t kMaxPayload = uint32_t(1) << 28; // beyond D-Bus's 64 MiB array limit
constexpr uint8_t kFiller = 0x5a;
// With no listener the voice state is kept for the next one, as in QEMU.
constexpr const char *kNoListenerKept = "ok no-listener";

CallDone reply_to(Done done)
{
    return [done = std::move(done)](const CallResult &result) {
        done(result_line(result));
    };
}

AudioDirection arg_direction(std::string_view text)
{
    if (text == "out")
        return AudioDirection::Out;
    if (text == "in")
        return AudioDirection::In;
    throw UsageError{};
}

uint8_t arg_u8(std::string_view text)
{
    const uint32_t value = arg_u32(text);
    if (value > 0xff)
        throw UsageError{};
    return uint8_t(value);
}

// QEMU exports the Audio object only with a dbus audiodev.
Audio *need_audio(Fake &fake, Done &done)
{
    Audio *audio = fake.audio();
    if (!audio)
        done("error unsupported: no Audio object; start fake-qemu with --audio");
    return audio;
}

// For commands whose only effect is a call on that listener.
Listener *need_listener(Audio &audio, AudioDirection direction, Done &done)
{
    Listener *listener = audio.listener(direction);
    if (!listener)
        done(std::string("error no-listener: no audio ") + audio_direction_name(direction) +
             " listener is registered");
    return listener;
}

// The ramp (README): for 16-bit signed little-endian voices, sample k of
// the stream (all channels counted) is (k * 7) mod 65536 as int16; for any
// other format, byte n of the stream is n mod 256. Continues across writes.
std::vector<uint8_t> next_ramp(Voice &voice, size_t length)
{
    const AudioFormat &f = voice.format;
    const bool s16le = f.bits == 16 && f.is_signed && !f.is_float && !f.be;
    std::vector<uint8_t> out(length);
    for (size_t i = 0; i < length; ++i) {
        const uint64_t n = voice.ramp_bytes + i;
        if (s16le) {
            const uint16_t sample = uint16_t((n / 2) * 7);
            out[i] = uint8_t(n % 2 == 0 ? sample & 0xff : sample >> 8);
        } else {
            out[i] = uint8_t(n);
        }
    }
    voice.ramp_bytes += length;
    return out;
}

std::string hex(const std::vector<uint8_t> &data)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (const uint8_t byte : data) {
        out += digits[byte >> 4];
        out += digits[byte & 0xf];
    }
    return out;
}

void wait_audio_listener(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 2)
        throw UsageError{};
    const AudioDirection direction = arg_direction(words[1]);
    Audio *audio = need_audio(fake, done);
    if (!audio)
        return;
    audio->when_listener_ready(direction, [audio, direction, done = std::move(done)] {
        // Its initial calls may have ended by the connection closing.
        const Listener *listener = audio->listener(direction);
        if (!listener)
            return done("error listener-gone: the listener went away before it replied");
        const std::string &error = listener->getall_error();
        done(error.empty() ? "ok" : "ok getall-error=" + error);
    });
}

// A new voice: Init to the listener, remembered for later listeners.
void init_voice(Fake &fake, AudioDirection direction, uint64_t id, const AudioFormat &format,
                Done done)
{
    Audio *audio = need_audio(fake, done);
    if (!audio)
        return;
    audio->add_voice(direction, id, format);
    Listener *listener = audio->listener(direction);
    if (!listener)
        return done(kNoListenerKept);
    send_audio_init(*listener, direction, id, format, reply_to(std::move(done)));
}

void audio_init(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 8)
        throw UsageError{};
    AudioFormat format;
    const AudioDirection direction = arg_direction(words[1]);
    const uint64_t id = arg_u64(words[2]);
    format.bits = arg_u8(words[3]);
    format.is_signed = arg_flag(words[4]);
    format.is_float = arg_flag(words[5]);
    format.freq = arg_u32(words[6]);
    format.nchannels = arg_u8(words[7]);
    // Any values, so that a client's checks of bits, channels and rate can be
    // tried; only the two sizes are derived (audio-init-raw sets them too).
    format.bytes_per_frame = format.bits / 8u * format.nchannels;
    const uint64_t per_second = uint64_t(format.bytes_per_frame) * format.freq;
    if (per_second > UINT32_MAX)
        throw UsageError{};
    format.bytes_per_second = uint32_t(per_second);
    format.be = false;
    init_voice(fake, direction, id, format, std::move(done));
}

void audio_init_raw(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 11)
        throw UsageError{};
    AudioFormat format;
    const AudioDirection direction = arg_direction(words[1]);
    const uint64_t id = arg_u64(words[2]);
    format.bits = arg_u8(words[3]);
    format.is_signed = arg_flag(words[4]);
    format.is_float = arg_flag(words[5]);
    format.freq = arg_bits32(words[6]);
    format.nchannels = arg_u8(words[7]);
    format.bytes_per_frame = arg_bits32(words[8]);
    format.bytes_per_second = arg_bits32(words[9]);
    format.be = arg_flag(words[10]);
    init_voice(fake, direction, id, format, std::move(done));
}

void audio_enable(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 4)
        throw UsageError{};
    const AudioDirection direction = arg_direction(words[1]);
    const uint64_t id = arg_u64(words[2]);
    const bool enabled = arg_flag(words[3]);
    Audio *audio = need_audio(fake, done);
    if (!audio)
        return;
    if (Voice *voice = audio->voice(direction, id))
        voice->enabled = enabled; // sent again to later listeners
    Listener *listener = audio->listener(direction);
    if (!listener)
        return done(kNoListenerKept);
    send_audio_set_enabled(*listener, direction, id, enabled, reply_to(std::move(done)));
}

// "V1,V2,..." bytes, or "-" for none.
std::vector<uint8_t> arg_volumes(std::string_view text)
{
    std::vector<uint8_t> out;
    if (text == "-")
        return out;
    size_t start = 0;
    for (;;) {
        const size_t comma = text.find(',', start);
        out.push_back(arg_u8(text.substr(start, comma - start)));
        if (comma == std::string_view::npos)
            return out;
        start = comma + 1;
    }
}

void audio_volume(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 5)
        throw UsageError{};
    const AudioDirection direction = arg_direction(words[1]);
    const uint64_t id = arg_u64(words[2]);
    const bool mute = arg_flag(words[3]);
    const std::vector<uint8_t> volume = arg_volumes(words[4]);
    Audio *audio = need_audio(fake, done);
    if (!audio)
        return;
    // QEMU does not send the volume to later listeners: nothing to keep.
    if (Listener *listener = need_listener(*audio, direction, done))
        send_audio_set_volume(*listener, direction, id, mute, volume, reply_to(std::move(done)));
}

void audio_fini(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 3)
        throw UsageError{};
    const AudioDirection direction = arg_direction(words[1]);
    const uint64_t id = arg_u64(words[2]);
    Audio *audio = need_audio(fake, done);
    if (!audio)
        return;
    audio->remove_voice(direction, id);
    Listener *listener = audio->listener(direction);
    if (!listener)
        return done(kNoListenerKept);
    send_audio_fini(*listener, direction, id, reply_to(std::move(done)));
}

void audio_write(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 3)
        throw UsageError{};
    const uint64_t id = arg_u64(words[1]);
    const uint64_t frames = arg_u32(words[2]);
    Audio *audio = need_audio(fake, done);
    if (!audio)
        return;
    // A voice QEMU never announced (a malformed Write) is written as the
    // default format, 16-bit signed stereo, its ramp starting afresh.
    Voice unknown{id, AudioFormat{}, false, 0};
    Voice *voice = audio->voice(AudioDirection::Out, id);
    if (!voice)
        voice = &unknown;
    const uint64_t length = frames * voice->format.bytes_per_frame;
    if (length > kMaxPayload)
        throw UsageError{};
    Listener *listener = need_listener(*audio, AudioDirection::Out, done);
    if (!listener)
        return;
    const std::vector<uint8_t> data = next_ramp(*voice, size_t(length));
    send_audio_write(*listener, id, data.data(), data.size(), reply_to(std::move(done)));
}

void audio_write_bytes(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 3)
        throw UsageError{};
    const uint64_t id = arg_u64(words[1]);
    const uint32_t length = arg_u32(words[2]);
    if (length > kMaxPayload)
        throw UsageError{};
    Audio *audio = need_audio(fake, done);
    if (!audio)
        return;
    Listener *listener = need_listener(*audio, AudioDirection::Out, done);
    if (!listener)
        return;
    const std::vector<uint8_t> data(length, kFiller);
    send_audio_write(*listener, id, data.data(), data.size(), reply_to(std::move(done)));
}

void audio_read_command(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 3)
        throw UsageError{};
    const uint64_t id = arg_u64(words[1]);
    const uint64_t size = arg_u64(words[2]);
    Audio *audio = need_audio(fake, done);
    if (!audio)
        return;
    Listener *listener = need_listener(*audio, AudioDirection::In, done);
    if (!listener)
        return;
    std::vector<uint8_t> data;
    const CallResult result = audio_read(*listener, id, size, &data);
    if (!result.ok)
        return done(result_line(result));
    std::string line = "ok " + std::to_string(data.size());
    if (!data.empty())
        line += " " + hex(data);
    done(line);
}

constexpr CommandSpec kCommands[] = {
    {"wait-audio-listener", "wait-audio-listener out|in", wait_audio_listener},
    {"audio-init", "audio-init out|in ID BITS SIGNED FLOAT FREQ CHANNELS", audio_init},
    {"audio-init-raw", "audio-init-raw out|in ID BITS SIGNED FLOAT FREQ CHANNELS BPF BPS BE",
     audio_init_raw},
    {"audio-enable", "audio-enable out|in ID 0|1", audio_enable},
    {"audio-volume", "audio-volume out|in ID 0|1 V1,V2,...|-", audio_volume},
    {"audio-fini", "audio-fini out|in ID", audio_fini},
    {"audio-write", "audio-write ID FRAMES", audio_write},
    {"audio-write-bytes", "audio-write-bytes ID N", audio_write_bytes},
    {"audio-read", "audio-read ID SIZE", audio_read_command},
};

} // namespace

std::span<const CommandSpec> audio_commands()
{
    return kCommands;
}

} // namespace fake_qemu
