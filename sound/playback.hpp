// One output stream: a VM's sound, played to one sink. The caller writes
// blocks of interleaved samples as they come (QEMU's Write), into a bounded
// ring; PipeWire's cycle takes from it, on PipeWire's data thread. The
// caller never waits: a full ring drops its oldest audio, an empty one plays
// silence; both are counted.
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
        uint64_t bytes_dropped = 0; // the oldest audio, dropped for newer
        uint64_t overruns = 0;      // writes that dropped audio
        uint64_t underruns = 0;     // cycles padded with silence, after the first write
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
    void set_target(std::string node_name);

    const Format &format() const { return format_; }
    Stats stats() const;
    StreamInfo info() const { return stream_.info(); }

private:
    void process(struct pw_stream *stream); // PipeWire's data thread

    Format format_;
    size_t frame_;
    mutable std::mutex mutex_; // ring_ and stats_, between the two threads
    Ring ring_;
    Stats stats_;
    bool started_ = false; // written to at least once
    // Last: destroyed first, so that no cycle runs on the members above.
    Stream stream_;
};

} // namespace phyllome::sound
