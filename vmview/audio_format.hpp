// The sample format of one QEMU audio voice, as its Init message describes
// it, and the checks every Init and every block of samples pass before the
// session keeps or plays anything: QEMU is as untrusted here as for frames.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace phyllome::vmview {

struct AudioFormat {
    uint8_t bits = 16; // per sample: 8, 16 or 32
    bool is_signed = true;
    bool is_float = false; // 32-bit IEEE float
    bool big_endian = false;
    uint32_t rate = 48000; // frames per second
    uint8_t channels = 2;  // samples per frame, interleaved
    uint32_t bytes_per_frame() const { return bits / 8u * channels; }
    uint32_t bytes_per_second() const { return bytes_per_frame() * rate; }
    bool operator==(const AudioFormat &) const = default;
};

// The largest a voice may be: rates, channels and the size of one message.
constexpr uint32_t kMinAudioRate = 8000, kMaxAudioRate = 192000;
constexpr uint8_t kMaxAudioChannels = 8;
// A Write or Read moves at most this much audio at once (QEMU moves a few
// milliseconds per message); more is refused rather than buffered.
constexpr uint32_t kMaxAudioBlockMs = 1000;

// The format of an Init message's arguments, or why it is refused. The
// sizes QEMU states must agree with the ones the format implies.
std::optional<AudioFormat> check_audio_init(uint8_t bits, bool is_signed, bool is_float,
                                            uint32_t rate, uint8_t channels,
                                            uint32_t bytes_per_frame, uint32_t bytes_per_second,
                                            bool big_endian, std::string *why);

// Why a block of `bytes` of audio in `format` is refused (not whole frames,
// or more than kMaxAudioBlockMs of it); nullopt when it is fine.
std::optional<std::string> check_audio_block(const AudioFormat &format, uint64_t bytes);

// The sample format alone: "s16le", "u8", "f32le".
std::string sample_name(const AudioFormat &format);

// "s16le 48000 Hz 2 ch", for logs and `phyllomectl status`.
std::string to_string(const AudioFormat &format);

} // namespace phyllome::vmview
