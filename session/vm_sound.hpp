// A VM's sound: each voice QEMU opens (vmview's AudioListener) becomes a
// PipeWire stream of ours, played to the sink of the seat that shows the VM
// and recorded from that seat's microphone; a seat switch moves the streams.
// Without PipeWire (no server), voices are taken and their samples dropped,
// so QEMU never waits on us.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/sound_target.hpp"
#include "vmview/audio_listener.hpp"

namespace phyllome::sound {
class Server;
class Playback;
class Capture;
} // namespace phyllome::sound

namespace phyllome {

class VmSound final : public vmview::AudioObserver {
public:
    // `server` may be null (no PipeWire); it must outlive this.
    VmSound(sound::Server *server, std::string vm);
    ~VmSound() override;
    VmSound(const VmSound &) = delete;
    VmSound &operator=(const VmSound &) = delete;

    // Plays to `out` and records from `in`; `audible` false mutes the
    // VM (no seat shows it and its audio_when_hidden is mute).
    void route(const config::SoundTarget &out, const config::SoundTarget &in, bool audible);
    // No seat shows the VM: muted, or (play) on where it played.
    void hide(bool play) { route(out_, in_, play); }
    // The display connection went: every voice with it.
    void clear();

    struct VoiceStatus {
        bool out = true;
        std::string format;
        bool enabled = false, muted = false;
        std::string node;  // what it plays to or records from, as PipeWire says
        std::string state; // the stream's
        uint64_t bytes = 0, underruns = 0, overruns = 0;
    };
    std::vector<VoiceStatus> status() const;

    // vmview::AudioObserver
    void voice_added(vmview::AudioListener &listener, uint64_t voice) override;
    void voice_removed(vmview::AudioListener &listener, uint64_t voice) override;
    void voice_changed(vmview::AudioListener &listener, uint64_t voice) override;
    void played(vmview::AudioListener &listener, uint64_t voice,
                std::span<const uint8_t> samples) override;
    std::size_t record(vmview::AudioListener &listener, uint64_t voice,
                       std::span<uint8_t> into) override;

private:
    struct Voice;
    using Key = std::pair<bool, uint64_t>; // (out, QEMU's voice id)
    static Key key(const vmview::AudioListener &listener, uint64_t voice);
    // What the streams link to: a node name glob ("" for the default).
    static std::string glob_for(const config::SoundTarget &target);
    void apply_volume(Voice &voice);
    // Muted by its guest, disabled, or the VM hidden and muted.
    bool silent(const vmview::AudioListener &listener, uint64_t voice) const;

    sound::Server *server_;
    std::string vm_;
    config::SoundTarget out_, in_;
    bool audible_ = false;
    std::map<Key, std::unique_ptr<Voice>> voices_;
};

} // namespace phyllome
