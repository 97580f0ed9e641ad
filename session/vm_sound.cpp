#include "session/vm_sound.hpp"

#include <algorithm>
#include <stdexcept>

#include "base/log.hpp"
#include "sound/capture.hpp"
#include "sound/format.hpp"
#include "sound/playback.hpp"
#include "sound/server.hpp"

namespace phyllome {

struct VmSound::Voice {
    vmview::AudioListener *listener = nullptr;
    uint64_t id = 0;
    std::unique_ptr<sound::Playback> playback;
    std::unique_ptr<sound::Capture> capture;
    std::string error; // why there is no stream, when PipeWire is there
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

SoundTargetStatus sound_target_status(const sound::Server *server,
                                      const config::SoundTarget &target, bool out)
{
    SoundTargetStatus status;
    status.target = config::to_string(target);
    if (!server) {
        status.detail = "no PipeWire";
        return status;
    }
    if (!server->connected()) {
        status.detail = "PipeWire went away: " + server->gone_reason();
        return status;
    }
    if (target.kind == config::SoundTarget::Kind::Default) {
        status.resolves = true;
        status.detail = "the session manager's default";
        return status;
    }
    // The node the streams link to (sound/links.hpp), as they find it.
    if (const sound::Node *node = server->graph().device_matching(target.pattern, out)) {
        status.node = node->name;
        status.resolves = true;
        return status;
    }
    status.detail = std::string("no PipeWire ") + (out ? "sink" : "source or sink") +
                    " matches it: silent until one appears";
    return status;
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

void VmSound::set_server(sound::Server *server)
{
    // Every stream goes before the server it was made on may go.
    for (auto &[k, voice] : voices_) {
        voice->playback.reset();
        voice->capture.reset();
        voice->error.clear();
    }
    server_ = server;
    for (auto &[k, voice] : voices_) {
        make_stream(*voice, k.first);
        apply_volume(*voice);
    }
}

void VmSound::make_stream(Voice &voice, bool out)
{
    if (!server_)
        return;
    sound::StreamSettings settings;
    settings.name = "VM " + vm_ + (out ? ": sound" : ": microphone");
    settings.target = glob_for(out ? out_ : in_);
    const sound::Format format = format_of(voice.listener->voices().at(voice.id).format);
    try {
        if (out)
            voice.playback = std::make_unique<sound::Playback>(*server_, format, settings);
        else
            voice.capture = std::make_unique<sound::Capture>(*server_, format, settings);
    } catch (const std::exception &e) {
        voice.error = std::string("no stream: ") + e.what();
        base::log_info("VM %s: %s voice %llu cannot be %s: %s", vm_.c_str(),
                       out ? "sound" : "microphone", static_cast<unsigned long long>(voice.id),
                       out ? "played" : "recorded", e.what());
    }
}

void VmSound::voice_added(vmview::AudioListener &listener, uint64_t id)
{
    const Key k = key(listener, id);
    voices_.erase(k); // Init again: a new stream in the new format
    auto voice = std::make_unique<Voice>();
    voice->listener = &listener;
    voice->id = id;
    make_stream(*voice, k.first);
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
    if (it == voices_.end() || !it->second->capture)
        return 0; // silence
    const std::size_t taken = it->second->capture->read(into);
    // Muted: what was recorded is taken all the same (so that it does not
    // pile up in the stream's ring) and the guest gets silence.
    return silent(listener, id) ? 0 : taken;
}

std::string VmSound::why_no_node(const Voice &voice, const std::string &state) const
{
    if (!server_)
        return "no PipeWire";
    if (!server_->connected())
        return "PipeWire went away: " + server_->gone_reason();
    if (!voice.error.empty())
        return voice.error;
    if (state == "error")
        return "the stream failed";
    const bool out = voice.playback != nullptr;
    const SoundTargetStatus target = sound_target_status(server_, out ? out_ : in_, out);
    if (!target.resolves)
        return "target not found (" + target.detail + ")";
    if (target.node.empty())
        return "no session manager linked it to the default";
    return "not linked yet (stream " + state + ")";
}

std::vector<VmSound::VoiceStatus> VmSound::status() const
{
    std::vector<VoiceStatus> result;
    // Playback first, then capture, each by voice id.
    for (auto it = voices_.rbegin(); it != voices_.rend(); ++it) {
        const auto &[k, voice] = *it;
        VoiceStatus s;
        s.out = k.first;
        s.voice = voice->id;
        const vmview::AudioVoice &state = voice->listener->voices().at(voice->id);
        s.format = vmview::to_string(state.format);
        s.sample = vmview::sample_name(state.format);
        s.rate = state.format.rate;
        s.channels = state.format.channels;
        s.enabled = state.enabled;
        s.guest_muted = state.muted;
        s.muted = state.muted || !audible_;
        s.volume = state.volume;
        if (!audible_)
            s.silent = "hidden, and its audio_when_hidden is mute";
        else if (!state.enabled)
            s.silent = "the guest disabled it";
        else if (state.muted)
            s.silent = "the guest muted it";
        s.target = config::to_string(s.out ? out_ : in_);
        sound::StreamInfo info;
        if (voice->playback) {
            info = voice->playback->info();
            const auto stats = voice->playback->stats();
            s.bytes = stats.bytes_played;
            s.bytes_dropped = stats.bytes_dropped;
            s.underruns = stats.underruns;
            s.overruns = stats.overruns;
        } else if (voice->capture) {
            info = voice->capture->info();
            const auto stats = voice->capture->stats();
            s.bytes = stats.bytes_read;
            s.bytes_dropped = stats.bytes_dropped;
            s.underruns = stats.underruns;
            s.overruns = stats.overruns;
        } else {
            info.state = "no stream";
        }
        s.state = info.state;
        s.node = info.peer_name;
        if (s.node.empty())
            s.no_node = why_no_node(*voice, info.state);
        result.push_back(std::move(s));
    }
    // rbegin gave each direction's voices backwards.
    const auto captures =
        std::find_if(result.begin(), result.end(), [](const VoiceStatus &s) { return !s.out; });
    std::reverse(result.begin(), captures);
    std::reverse(captures, result.end());
    return result;
}

} // namespace phyllome
