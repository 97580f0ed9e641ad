#include "sound/ring.hpp"

#include <algorithm>
#include <cstring>

namespace phyllome::sound {

Ring::Ring(size_t capacity, size_t frame) : frame_(std::max<size_t>(frame, 1))
{
    buffer_.resize(std::max(capacity - capacity % frame_, frame_));
}

void Ring::drop_front(size_t bytes)
{
    head_ = (head_ + bytes) % buffer_.size();
    size_ -= bytes;
}

size_t Ring::push(std::span<const uint8_t> data)
{
    const size_t cap = buffer_.size();
    size_t dropped = 0;
    if (size_ + data.size() > cap) {
        // Whole frames, so that the front stays on a frame boundary.
        const size_t excess = size_ + data.size() - cap;
        dropped = (excess + frame_ - 1) / frame_ * frame_;
        if (dropped <= size_) {
            drop_front(dropped);
        } else {
            // Everything queued goes, and the oldest part of `data` too.
            data = data.subspan(std::min(dropped - size_, data.size()));
            clear();
        }
    }
    size_t tail = (head_ + size_) % cap;
    while (!data.empty()) {
        const size_t n = std::min(data.size(), cap - tail);
        std::memcpy(buffer_.data() + tail, data.data(), n);
        size_ += n;
        tail = (tail + n) % cap;
        data = data.subspan(n);
    }
    return dropped;
}

size_t Ring::pop(std::span<uint8_t> out)
{
    const size_t want = std::min(out.size(), size_) / frame_ * frame_;
    size_t done = 0;
    while (done < want) {
        const size_t n = std::min(want - done, buffer_.size() - head_);
        std::memcpy(out.data() + done, buffer_.data() + head_, n);
        drop_front(n);
        done += n;
    }
    return done;
}

} // namespace phyllome::sound
