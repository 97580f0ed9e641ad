#include "session/vm_sound.hpp"

#include <stdexcept>

#include "base/log.hpp"
#include "sound/capture.hpp"
#include "sound/playback.hpp"
#include "sound/server.hpp"

namespace phyllome {

struct VmSound::Voice {
    vmview::AudioListener *listener = nullptr;
    uint64_t id = 0;
    std::unique_ptr<sound::Playback> playback;
    std::unique_ptr<sound::Capture> capture;
};

namespace {

sound::Format format_of(const vmview::AudioFormat &format)
{
    sound::Format out;
    out.bits = format.bits;
    out.is_signed = format.is_signed;
    out.is_float = format.is_float;
    out.big_endian = format.big_endian;
    out.rate = static_cast<int>(format.rate);
    out.channels = format.channels;
    return out;
}

} // namespace

VmSound::VmSound(sound::Server *server, std::string vm) : server_(server), vm_(std::move(vm))
{
}

VmSound::~VmSound() = default;

void VmSound::clear()
{
    voices_.clear();
}

VmSound::Key VmSound::key(const vmview::AudioListener &listener, uint64_t voice)
{
    return {listener.direction() == vmview::AudioListener::Direction::Out, voice};
}

std::string VmSound::glob_for(const config::SoundTarget &target)
{
    // The streams follow PipeWire's graph themselves (sound/links.hpp): a
    // seat's device that is not there yet, or comes back, is linked when it
    // appears, and nothing plays elsewhere meanwhile.
    return target.kind == config::SoundTarget::Kind::Node ? target.pattern : std::string();
}

void VmSound::route(const config::SoundTarget &out, const config::SoundTarget &in, bool audible)
{
    const bool moved = out != out_ || in != in_;
    out_ = out;
    in_ = in;
    const bool was_audible = audible_;
    audible_ = audible;
    for (auto &[k, voice] : voices_) {
        if (moved) {
            if (voice->playback)
                voice->playback->set_target(glob_for(out_));
            if (voice->capture)
                voice->capture->set_target(glob_for(in_));
        }
        if (audible_ != was_audible)
            apply_volume(*voice);
    }
}

void VmSound::apply_volume(Voice &voice)
{
    const vmview::AudioVoice &state = voice.listener->voices().at(voice.id);
    std::vector<float> volume;
    for (uint8_t v : state.volume)
        volume.push_back(static_cast<float>(v) / 255.0f);
    // Muting is done here, by dropping the samples (played() and
    // record()): a stream muted through PipeWire's control before it first
    // streamed stayed audible in tests/integration/sound_test.cpp.
    if (voice.playback)
        voice.playback->set_volume(false, volume);
    if (voice.capture)
        voice.capture->set_volume(false, volume);
}

bool VmSound::silent(const vmview::AudioListener &listener, uint64_t id) const
{
    const vmview::AudioVoice &state = listener.voices().at(id);
    return !audible_ || state.muted || !state.enabled;
}

void VmSound::voice_added(vmview::AudioListener &listener, uint64_t id)
{
    const Key k = key(listener, id);
    voices_.erase(k); // Init again: a new stream in the new format
    auto voice = std::make_unique<Voice>();
    voice->listener = &listener;
    voice->id = id;
    if (server_) {
        const bool out = k.first;
        sound::StreamSettings settings;
        settings.name = "VM " + vm_ + (out ? ": sound" : ": microphone");
        settings.target = glob_for(out ? out_ : in_);
        const sound::Format format = format_of(listener.voices().at(id).format);
        try {
            if (out)
                voice->playback = std::make_unique<sound::Playback>(*server_, format, settings);
            else
                voice->capture = std::make_unique<sound::Capture>(*server_, format, settings);
        } catch (const std::exception &e) {
            base::log_info("VM %s: %s voice %llu cannot be %s: %s", vm_.c_str(),
                           out ? "sound" : "microphone", static_cast<unsigned long long>(id),
                           out ? "played" : "recorded", e.what());
        }
    }
    Voice &added = *voice;
    voices_[k] = std::move(voice);
    apply_volume(added);
}

void VmSound::voice_removed(vmview::AudioListener &listener, uint64_t id)
{
    voices_.erase(key(listener, id));
}

void VmSound::voice_changed(vmview::AudioListener &listener, uint64_t id)
{
    if (auto it = voices_.find(key(listener, id)); it != voices_.end())
        apply_volume(*it->second);
}

void VmSound::played(vmview::AudioListener &listener, uint64_t id, std::span<const uint8_t> samples)
{
    auto it = voices_.find(key(listener, id));
    if (it != voices_.end() && it->second->playback && !silent(listener, id))
        it->second->playback->write(samples);
}

std::size_t VmSound::record(vmview::AudioListener &listener, uint64_t id, std::span<uint8_t> into)
{
    auto it = voices_.find(key(listener, id));
    if (it == voices_.end() || !it->second->capture || silent(listener, id))
        return 0; // silence
    return it->second->capture->read(into);
}

std::vector<VmSound::VoiceStatus> VmSound::status() const
{
    std::vector<VoiceStatus> result;
    for (const auto &[k, voice] : voices_) {
        VoiceStatus s;
        s.out = k.first;
        const vmview::AudioVoice &state = voice->listener->voices().at(voice->id);
        s.format = vmview::to_string(state.format);
        s.enabled = state.enabled;
        s.muted = state.muted || !audible_;
        if (voice->playback) {
            const auto info = voice->playback->info();
            const auto stats = voice->playback->stats();
            s.node = info.peer_name;
            s.state = info.state;
            s.bytes = stats.bytes_played;
            s.underruns = stats.underruns;
            s.overruns = stats.overruns;
        } else if (voice->capture) {
            const auto info = voice->capture->info();
            const auto stats = voice->capture->stats();
            s.node = info.peer_name;
            s.state = info.state;
            s.bytes = stats.bytes_read;
            s.underruns = stats.underruns;
            s.overruns = stats.overruns;
        } else {
            s.state = "no sound server";
        }
        result.push_back(std::move(s));
    }
    return result;
}

} // namespace phyllome
