// A bounded FIFO of audio bytes between the side that produces them and the
// side that consumes them (the caller and PipeWire's cycle, one way or the
// other). It never grows: when a push does not fit, the OLDEST audio is
// dropped, because for live sound late audio is worth less than new audio.
// What leaves it from the front always starts on a frame boundary (drops and
// pops go by whole frames), so channels never swap however it overflows.
// Not thread-safe: its owner locks around it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace phyllome::sound {

class Ring {
public:
    // `capacity` bytes, rounded down to whole frames of `frame` bytes (at
    // least one frame).
    Ring(size_t capacity, size_t frame);

    // Appends `data`, dropping the oldest bytes (whole frames) that do not
    // fit, and the front of `data` itself when it is larger than the ring.
    // Returns the number of bytes dropped.
    size_t push(std::span<const uint8_t> data);

    // Moves up to out.size() bytes, whole frames only, into `out`; returns
    // how many.
    size_t pop(std::span<uint8_t> out);

    // Drops the oldest `bytes` (rounded down to whole frames, at most all).
    void drop(size_t bytes) { drop_front(std::min(bytes, size_) / frame_ * frame_); }

    size_t size() const { return size_; }
    size_t capacity() const { return buffer_.size(); }
    size_t frame() const { return frame_; }
    void clear() { head_ = size_ = 0; }

private:
    void drop_front(size_t bytes);

    std::vector<uint8_t> buffer_;
    size_t frame_;
    size_t head_ = 0; // where the oldest byte is
    size_t size_ = 0;
};

} // namespace phyllome::sound
