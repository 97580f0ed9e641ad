// One output stream: a VM's sound, played to one sink. The caller writes
// blocks of interleaved samples as they come (QEMU's Write), into a bounded
// ring; PipeWire's cycle takes from it, on PipeWire's data thread. The
// caller never waits: a full ring drops its oldest audio, an empty one plays
// silence; both are counted.
//
// The ring is also the jitter buffer, and what it holds is latency. Blocks
// come every few milliseconds (QEMU: about 10 ms of audio each), cycles
// take a quantum at a time, so playing starts (and starts again after the
// ring ran dry) once it holds a block and a cycle. A backlog that stays
// (audio queued while the stream was being linked, a stall) would delay
// everything after it for good: when the ring never held less than two
// cycles over half a second, the oldest whole cycles beyond that go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "sound/format.hpp"
#include "sound/ring.hpp"
#include "sound/stream.hpp"

namespace phyllome::sound {

class Server;

class Playback {
public:
    struct Stats {
        uint64_t bytes_written = 0; // given to write()
        uint64_t bytes_played = 0;  // taken by PipeWire's cycles
        uint64_t bytes_dropped = 0; // the oldest audio, dropped for newer or for latency
        uint64_t overruns = 0;      // writes that dropped audio
        uint64_t trims = 0;         // standing backlogs dropped for latency
        uint64_t underruns = 0;     // cycles that ran the ring dry while playing
        size_t buffered = 0;        // bytes waiting in the ring
        size_t capacity = 0;        // the ring's bound, in bytes
    };

    // Throws std::invalid_argument for a format PipeWire cannot play
    // (format_problem()), std::runtime_error when PipeWire cannot make the
    // stream. The Server must outlive it.
    Playback(Server &server, const Format &format, StreamSettings settings);
    ~Playback();
    Playback(const Playback &) = delete;
    Playback &operator=(const Playback &) = delete;

    // Queues interleaved samples (any length; a partial frame is completed
    // by the next write). Never blocks, whatever the server does.
    void write(std::span<const uint8_t> samples);

    void set_volume(bool mute, std::vector<float> per_channel);
    // Plays to another sink from now on (empty: the default).
    void set_target(std::string glob);

    const Format &format() const { return format_; }
    Stats stats() const;
    StreamInfo info() const { return stream_.info(); }

private:
    void process(struct pw_stream *stream); // PipeWire's data thread
    // After a full cycle of `cycle` bytes: drops a standing backlog (the
    // class comment). mutex_ held.
    void trim_backlog(size_t cycle);

    Format format_;
    size_t frame_;
    mutable std::mutex mutex_; // ring_ and stats_, between the two threads
    Ring ring_;
    Stats stats_;
    // The jitter buffer (ring_'s fill, above), on the data thread but for
    // block_, which write() sets.
    size_t block_ = 0;             // bytes in the latest write
    bool playing_ = false;         // primed, and not run dry since
    size_t window_min_ = SIZE_MAX; // the least the ring held after a cycle, this window
    size_t window_bytes_ = 0;      // played in this window
    // Last: destroyed first, so that no cycle runs on the members above.
    Stream stream_;
};

} // namespace phyllome::sound
