// A PCM format as a VM's sound card describes it (the fields QEMU's audio
// settings carry), and what PipeWire needs to know about it: its SPA sample
// format, channel positions, frame size and what silence looks like. Plain
// values with no PipeWire types, so that callers need not include PipeWire.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace phyllome::sound {

struct Format {
    int bits = 16; // 8, 16 or 32
    bool is_signed = true;
    bool is_float = false; // 32 bits only
    bool big_endian = false;
    int rate = 48000; // frames per second, 8000..192000
    int channels = 2; // 1..8, interleaved

    bool operator==(const Format &) const = default;
};

// Why `format` cannot be played or recorded, in one line; empty when it can.
std::string format_problem(const Format &format);

// The SPA_AUDIO_FORMAT_* value (enum spa_audio_format) for `format`, or 0
// (SPA_AUDIO_FORMAT_UNKNOWN) when format_problem() is not empty.
uint32_t spa_sample_format(const Format &format);

// The SPA_AUDIO_CHANNEL_* positions of its channels, in order: ALSA's
// default maps (MONO; FL FR; FL FR FC; FL FR RL RR; ...; 7.1), which is what
// a guest's HDA or USB audio driver assumes for that many channels.
std::vector<uint32_t> spa_channel_positions(int channels);

// Bytes of one frame (one sample of every channel).
size_t frame_bytes(const Format &format);

// Bytes of `milliseconds` of audio, rounded up to whole frames.
size_t bytes_for(const Format &format, int milliseconds);

// Writes silence into `out` (zero for signed and float samples, the middle
// value for unsigned ones, in the format's byte order). `out` holds whole
// frames, or the tail is filled sample by sample as far as it goes.
void fill_silence(const Format &format, std::span<uint8_t> out);

// "S16LE 48000 Hz 2 ch", for logs and errors.
std::string describe(const Format &format);

} // namespace phyllome::sound
