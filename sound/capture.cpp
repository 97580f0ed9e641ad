#include "sound/capture.hpp"

#include <algorithm>

#include <pipewire/pipewire.h>

namespace phyllome::sound {

Capture::Capture(Server &server, const Format &format, StreamSettings settings)
    : format_(format), frame_(frame_bytes(format)),
      ring_(bytes_for(format, settings.buffer_ms), frame_bytes(format)),
      stream_(server, format, std::move(settings), false, [this](pw_stream *s) { process(s); })
{
}

Capture::~Capture() = default;

void Capture::process(pw_stream *stream)
{
    stream_.note_cycle();
    pw_buffer *buffer = pw_stream_dequeue_buffer(stream);
    if (!buffer)
        return;
    const spa_data &data = buffer->buffer->datas[0];
    if (data.data && data.chunk) {
        const uint32_t offset = std::min(data.chunk->offset, data.maxsize);
        const uint32_t size = std::min(data.chunk->size, data.maxsize - offset);
        const std::span<const uint8_t> in(static_cast<const uint8_t *>(data.data) + offset, size);
        std::lock_guard lock(mutex_);
        stats_.bytes_recorded += in.size();
        const size_t dropped = ring_.push(in);
        if (dropped > 0) {
            ++stats_.overruns;
            stats_.bytes_dropped += dropped;
        }
    }
    pw_stream_queue_buffer(stream, buffer);
}

size_t Capture::read(std::span<uint8_t> out)
{
    std::lock_guard lock(mutex_);
    const size_t taken = ring_.pop(out);
    stats_.bytes_read += taken;
    if (taken < out.size() / frame_ * frame_)
        ++stats_.underruns;
    return taken;
}

void Capture::set_volume(bool mute, std::vector<float> per_channel)
{
    stream_.set_volume(mute, std::move(per_channel));
}

void Capture::set_target(std::string glob)
{
    stream_.set_target(std::move(glob));
}

Capture::Stats Capture::stats() const
{
    std::lock_guard lock(mutex_);
    Stats stats = stats_;
    stats.buffered = ring_.size();
    stats.capacity = ring_.capacity();
    return stats;
}

} // namespace phyllome::sound
