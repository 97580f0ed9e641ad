#include "sound/playback.hpp"

#include <algorithm>

#include <pipewire/pipewire.h>

namespace phyllome::sound {

Playback::Playback(Server &server, const Format &format, StreamSettings settings)
    : format_(format), frame_(frame_bytes(format)),
      ring_(bytes_for(format, settings.buffer_ms), frame_bytes(format)),
      stream_(server, format, std::move(settings), true, [this](pw_stream *s) { process(s); })
{
}

Playback::~Playback() = default;

void Playback::write(std::span<const uint8_t> samples)
{
    std::lock_guard lock(mutex_);
    stats_.bytes_written += samples.size();
    // At most a quarter of the ring: a block that large is a burst, not
    // the producer's pace.
    block_ = std::min(samples.size(), ring_.capacity() / 4);
    const size_t dropped = ring_.push(samples);
    if (dropped > 0) {
        ++stats_.overruns;
        stats_.bytes_dropped += dropped;
    }
}

void Playback::process(pw_stream *stream)
{
    stream_.note_cycle();
    pw_buffer *buffer = pw_stream_dequeue_buffer(stream);
    if (!buffer)
        return;
    spa_data &data = buffer->buffer->datas[0];
    if (!data.data || !data.chunk) {
        pw_stream_queue_buffer(stream, buffer);
        return;
    }
    // As many frames as the cycle asks for (the resampler's need, when the
    // rates differ); PipeWire before 0.3.49 says nothing: the quantum.
    size_t frames = data.maxsize / frame_;
    const uint64_t wanted = buffer->requested ? buffer->requested : stream_.cycle_frames();
    if (wanted > 0)
        frames = std::min<size_t>(frames, static_cast<size_t>(wanted));
    const std::span<uint8_t> out(static_cast<uint8_t *>(data.data), frames * frame_);

    size_t taken = 0;
    {
        std::lock_guard lock(mutex_);
        if (!playing_ && ring_.size() >= block_ + out.size() && ring_.size() > 0)
            playing_ = true;
        if (playing_) {
            taken = ring_.pop(out);
            stats_.bytes_played += taken;
            if (taken < out.size()) {
                ++stats_.underruns;
                playing_ = false;
                window_min_ = SIZE_MAX;
                window_bytes_ = 0;
            } else {
                trim_backlog(out.size());
            }
        }
    }
    fill_silence(format_, out.subspan(taken));

    data.chunk->offset = 0;
    data.chunk->stride = static_cast<int32_t>(frame_);
    data.chunk->size = static_cast<uint32_t>(out.size());
    buffer->size = frames;
    pw_stream_queue_buffer(stream, buffer);
}

void Playback::trim_backlog(size_t cycle)
{
    window_min_ = std::min(window_min_, ring_.size());
    window_bytes_ += cycle;
    if (window_bytes_ < bytes_for(format_, 500))
        return;
    if (window_min_ >= 2 * cycle) {
        const size_t excess = (window_min_ - cycle) / cycle * cycle;
        ring_.drop(excess);
        stats_.bytes_dropped += excess;
        ++stats_.trims;
    }
    window_min_ = SIZE_MAX;
    window_bytes_ = 0;
}

void Playback::set_volume(bool mute, std::vector<float> per_channel)
{
    stream_.set_volume(mute, std::move(per_channel));
}

void Playback::set_target(std::string glob)
{
    stream_.set_target(std::move(glob));
}

Playback::Stats Playback::stats() const
{
    std::lock_guard lock(mutex_);
    Stats stats = stats_;
    stats.buffered = ring_.size();
    stats.capacity = ring_.capacity();
    return stats;
}

} // namespace phyllome::sound
