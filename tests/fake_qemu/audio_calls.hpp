// The calls QEMU makes on the audio listeners, with the reference's exact
// signatures (§3.7). Voice ids are QEMU's HWVoice addresses, any 64-bit value.
#pragma once

#include "audio.hpp"
#include "listener.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fake_qemu {

inline constexpr const char *kAudioPath = "/org/qemu/Display1/Audio";
inline constexpr const char *kAudioInterface = "org.qemu.Display1.Audio";
inline constexpr const char *kAudioOutPath = "/org/qemu/Display1/AudioOutListener";
inline constexpr const char *kAudioOutInterface = "org.qemu.Display1.AudioOutListener";
inline constexpr const char *kAudioInPath = "/org/qemu/Display1/AudioInListener";
inline constexpr const char *kAudioInInterface = "org.qemu.Display1.AudioInListener";

const char *audio_listener_path(AudioDirection direction);
const char *audio_listener_interface(AudioDirection direction);
const char *audio_direction_name(AudioDirection direction); // "out" or "in"

// Init(t id, y bits, b is_signed, b is_float, u freq, y nchannels,
//      u bytes_per_frame, u bytes_per_second, b be)
void send_audio_init(Listener &listener, AudioDirection direction, uint64_t id,
                     const AudioFormat &format, CallDone done);
void send_audio_fini(Listener &listener, AudioDirection direction, uint64_t id, CallDone done);
void send_audio_set_enabled(Listener &listener, AudioDirection direction, uint64_t id, bool enabled,
                            CallDone done);
// SetVolume(t id, b mute, ay volume): one byte per channel.
void send_audio_set_volume(Listener &listener, AudioDirection direction, uint64_t id, bool mute,
                           const std::vector<uint8_t> &volume, CallDone done);
// Write(t id, ay data) on the out listener.
void send_audio_write(Listener &listener, uint64_t id, const uint8_t *data, size_t length,
                      CallDone done);
// Read(t id, t size) -> (ay data) on the in listener, blocking like QEMU.
// On success *data holds the answer; an answer of another signature is an
// error named "bad-reply".
CallResult audio_read(Listener &listener, uint64_t id, uint64_t size, std::vector<uint8_t> *data);

} // namespace fake_qemu
