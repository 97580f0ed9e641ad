// One input stream: what a source records (a microphone), or what a sink
// plays (its monitor), for a VM's sound card input. PipeWire's cycle puts
// each block into a bounded ring, on PipeWire's data thread; the caller
// takes what is there (QEMU's Read), never waiting for more. A full ring
// drops its oldest audio (nobody read it in time), counted.
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

class Capture {
public:
    struct Stats {
        uint64_t bytes_recorded = 0; // given by PipeWire's cycles
        uint64_t bytes_read = 0;     // taken by read()
        uint64_t bytes_dropped = 0;  // the oldest audio, dropped for newer
        uint64_t overruns = 0;       // cycles that dropped audio
        uint64_t underruns = 0;      // reads that found less than they asked for
        size_t buffered = 0;         // bytes waiting in the ring
        size_t capacity = 0;         // the ring's bound, in bytes
    };

    // `settings.target`: a source's node.name, or a sink's (its monitor is
    // recorded). Throws as Playback does; the Server must outlive it.
    Capture(Server &server, const Format &format, StreamSettings settings);
    ~Capture();
    Capture(const Capture &) = delete;
    Capture &operator=(const Capture &) = delete;

    // Moves what was recorded, whole frames, up to out.size() bytes, into
    // `out`; returns how many bytes. Never blocks: 0 when nothing is there.
    size_t read(std::span<uint8_t> out);

    void set_volume(bool mute, std::vector<float> per_channel);
    // Records another node from now on (empty: the default source).
    void set_target(std::string glob);

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
    // Last: destroyed first, so that no cycle runs on the members above.
    Stream stream_;
};

} // namespace phyllome::sound
