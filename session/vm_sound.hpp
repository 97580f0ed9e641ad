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
    // `server` may be null (no PipeWire); it must outlive this, or be
    // replaced first.
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
    // PipeWire went away (null) or came back: the voices' streams are made
    // again on `server`, to the same targets.
    void set_server(sound::Server *server);

    // One voice's stream, for `phyllomectl status`.
    struct VoiceStatus {
        bool out = true;    // playback (the guest plays), else capture
        uint64_t voice = 0; // QEMU's voice id
        std::string format; // "s16le 48000 Hz 2 ch"
        std::string sample; // "s16le"
        uint32_t rate = 0;
        int channels = 0;
        bool enabled = false;        // by the guest
        bool guest_muted = false;    // by the guest
        bool muted = false;          // by the guest, or hidden and muted
        std::vector<uint8_t> volume; // the guest's, 0..255 per channel
        std::string silent;          // why nothing of it is heard; empty: heard
        std::string target;          // the seat's audio_out or audio_in, as written
        std::string node;            // what it plays to or records from, as PipeWire says
        std::string no_node;         // why `node` is empty
        std::string state;           // the stream's ("no stream" without one)
        uint64_t bytes = 0;          // played, or recorded and read by the guest
        uint64_t bytes_dropped = 0, underruns = 0, overruns = 0;
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
    // The voice's stream on server_ (none without one).
    void make_stream(Voice &voice, bool out);
    // Why a voice's stream is linked to nothing.
    std::string why_no_node(const Voice &voice, const std::string &state) const;
    void apply_volume(Voice &voice);
    // Muted by its guest, disabled, or the VM hidden and muted.
    bool silent(const vmview::AudioListener &listener, uint64_t voice) const;

    sound::Server *server_;
    std::string vm_;
    config::SoundTarget out_, in_;
    bool audible_ = false;
    std::map<Key, std::unique_ptr<Voice>> voices_;
};

// Where a seat's audio_out (`out`) or audio_in leads now, on `server` (null:
// no PipeWire).
struct SoundTargetStatus {
    std::string target;    // as written: "default", "node:alsa_output.*"
    std::string node;      // the node it names now; empty for the default or none
    bool resolves = false; // PipeWire is there and so is the node (or it is the default)
    std::string detail;    // what it leads to, or why nothing
};
SoundTargetStatus sound_target_status(const sound::Server *server,
                                      const config::SoundTarget &target, bool out);

} // namespace phyllome
