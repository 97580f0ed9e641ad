#include "sound/stream.hpp"

#include <stdexcept>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/props.h>
#include <spa/utils/result.h>

#include "base/log.hpp"
#include "sound/server.hpp"

namespace phyllome::sound {

// PipeWire's callbacks, with the Stream they belong to.
struct Stream::Listener {
    Stream *stream = nullptr;
    spa_hook hook{};

    static void on_state_changed(void *data, pw_stream_state, pw_stream_state state,
                                 const char *error)
    {
        static_cast<Listener *>(data)->stream->on_state(state, error);
    }

    static void on_io_changed(void *data, uint32_t id, void *area, uint32_t)
    {
        if (id == SPA_IO_Position)
            static_cast<Listener *>(data)->stream->position_ = static_cast<spa_io_position *>(area);
    }

    static void on_process(void *data)
    {
        Stream *stream = static_cast<Listener *>(data)->stream;
        stream->process_(stream->stream_);
    }

    static const pw_stream_events *events()
    {
        static const pw_stream_events events = [] {
            pw_stream_events e{};
            e.version = PW_VERSION_STREAM_EVENTS;
            e.state_changed = &on_state_changed;
            e.io_changed = &on_io_changed;
            e.process = &on_process;
            return e;
        }();
        return &events;
    }
};

Stream::Stream(Server &server, const Format &format, StreamSettings settings, bool playback,
               Process process)
    : server_(server), format_(format), settings_(std::move(settings)), playback_(playback),
      process_(std::move(process)), links_(server, playback)
{
    if (const std::string problem = format_problem(format); !problem.empty())
        throw std::invalid_argument(problem);
    server_.attach_stream();
    try {
        connect();
    } catch (...) {
        server_.detach_stream();
        throw;
    }
}

Stream::~Stream()
{
    disconnect();
    server_.detach_stream();
}

void Stream::connect()
{
    const bool ours_to_link = !settings_.target.empty();
    pw_properties *props = pw_properties_new(
        PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, playback_ ? "Playback" : "Capture",
        PW_KEY_MEDIA_NAME, settings_.name.c_str(), PW_KEY_NODE_DESCRIPTION, settings_.name.c_str(),
        // The node's name too: PipeWire would name every stream of the
        // session after the program, and tools (pw-top, pw-dump) show it.
        PW_KEY_NODE_NAME, settings_.name.c_str(), PW_KEY_NODE_LATENCY, settings_.latency.c_str(),
        // A named target is linked by us (sound/links.hpp): a session
        // manager must leave the stream alone. The default is its to pick.
        PW_KEY_NODE_AUTOCONNECT, ours_to_link ? "false" : "true",
        // Ports in the graph's own format (one float port per channel,
        // named after its position) as soon as the stream has a format:
        // a session manager would configure them when it links the stream,
        // and where we link it ourselves, nothing else does.
        "adapter.auto-port-config",
        "{ mode = dsp monitor = false control = false position = preserve }", nullptr);
    stream_ = pw_stream_new(server_.core(), settings_.name.c_str(), props);
    if (!stream_)
        throw std::runtime_error("cannot make a PipeWire stream for '" + settings_.name + "'");
    listener_ = std::make_unique<Listener>();
    listener_->stream = this;
    pw_stream_add_listener(stream_, &listener_->hook, Listener::events(), listener_.get());

    spa_audio_info_raw raw{};
    raw.format = static_cast<spa_audio_format>(spa_sample_format(format_));
    raw.rate = static_cast<uint32_t>(format_.rate);
    raw.channels = static_cast<uint32_t>(format_.channels);
    const auto positions = spa_channel_positions(format_.channels);
    for (size_t i = 0; i < positions.size(); ++i)
        raw.position[i] = positions[i];
    uint8_t buffer[1024];
    spa_pod_builder builder{};
    spa_pod_builder_init(&builder, buffer, sizeof buffer);
    const spa_pod *params[] = {spa_format_audio_raw_build(&builder, SPA_PARAM_EnumFormat, &raw)};

    auto flags =
        static_cast<pw_stream_flags>(PW_STREAM_FLAG_MAP_BUFFERS | PW_STREAM_FLAG_RT_PROCESS |
                                     (ours_to_link ? 0 : PW_STREAM_FLAG_AUTOCONNECT));
    const int result = pw_stream_connect(
        stream_, playback_ ? PW_DIRECTION_OUTPUT : PW_DIRECTION_INPUT, PW_ID_ANY, flags, params, 1);
    if (result < 0) {
        // A lost server refuses it: the stream stays, silent.
        base::log_error("sound: cannot connect the stream '%s': %s", settings_.name.c_str(),
                        spa_strerror(result));
        state_ = "error";
        error_ = spa_strerror(result);
    }
    links_.set_target(settings_.target);
}

void Stream::disconnect()
{
    links_.set_own_node(no_id);
    if (!stream_)
        return;
    spa_hook_remove(&listener_->hook);
    // Returns once PipeWire's data thread is out of the process
    // function and will not call it again.
    pw_stream_destroy(stream_);
    stream_ = nullptr;
    listener_.reset();
    position_ = nullptr;
    state_ = "unconnected";
    error_.clear();
}

void Stream::on_state(int state, const char *error)
{
    state_ = pw_stream_state_as_string(static_cast<pw_stream_state>(state));
    error_ = error ? error : "";
    if (state == PW_STREAM_STATE_ERROR)
        base::log_error("sound: stream '%s': %s", settings_.name.c_str(), error_.c_str());
    // The node exists from "paused" on: its id is what the links need.
    if (state == PW_STREAM_STATE_PAUSED || state == PW_STREAM_STATE_STREAMING) {
        links_.set_own_node(pw_stream_get_node_id(stream_));
        if (state == PW_STREAM_STATE_PAUSED && volume_set_)
            apply_volume();
    }
}

void Stream::set_target(std::string glob)
{
    if (glob == settings_.target)
        return;
    const bool was_ours = !settings_.target.empty();
    settings_.target = std::move(glob);
    if (was_ours && !settings_.target.empty()) {
        // Only the links change: the stream plays on.
        links_.set_target(settings_.target);
        return;
    }
    // To or from the session manager's default: node.autoconnect is read
    // when a node appears, so the stream is made again.
    disconnect();
    links_.set_target({});
    connect();
    if (volume_set_)
        apply_volume();
}

void Stream::set_volume(bool mute, std::vector<float> per_channel)
{
    mute_ = mute;
    volumes_ = std::move(per_channel);
    volume_set_ = true;
    apply_volume();
}

void Stream::apply_volume()
{
    if (!stream_)
        return;
    std::vector<float> volumes(static_cast<size_t>(format_.channels),
                               volumes_.empty() ? 1.0f : volumes_.back());
    for (size_t i = 0; i < volumes.size() && i < volumes_.size(); ++i)
        volumes[i] = volumes_[i];
    float mute = mute_ ? 1.0f : 0.0f;
    pw_stream_set_control(stream_, SPA_PROP_mute, 1, &mute, SPA_PROP_channelVolumes,
                          static_cast<uint32_t>(volumes.size()), volumes.data(), 0);
}

void Stream::note_cycle()
{
    if (const spa_io_position *position = position_) {
        quantum_ = static_cast<uint32_t>(position->clock.duration);
        rate_ = position->clock.rate.denom;
    }
}

uint32_t Stream::cycle_frames() const
{
    const uint64_t quantum = quantum_, rate = rate_;
    if (quantum == 0 || rate == 0)
        return 0;
    return static_cast<uint32_t>((quantum * static_cast<uint64_t>(format_.rate) + rate - 1) / rate);
}

StreamInfo Stream::info() const
{
    StreamInfo info;
    info.state = state_;
    info.error = error_;
    if (stream_) {
        const uint32_t id = pw_stream_get_node_id(stream_);
        info.node_id = id == SPA_ID_INVALID ? no_id : id;
    }
    if (const Node *peer = links_.peer()) {
        info.peer_id = peer->id;
        info.peer_name = peer->name;
    }
    info.latency = settings_.latency;
    info.quantum = quantum_;
    info.rate = rate_;
    return info;
}

} // namespace phyllome::sound
