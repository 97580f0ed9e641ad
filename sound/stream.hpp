// What a Playback and a Capture share: one PipeWire stream of ours in the
// caller's format, where it is linked (sound/links.hpp), its volume, and
// what it reports. The audio itself goes through the owner's process
// function, which PipeWire calls on its data thread every graph cycle
// (PW_STREAM_FLAG_RT_PROCESS): the cycle never waits for the session's
// event loop, which may be busy drawing a frame; the owner's ring, under a
// lock held only to copy bytes, is what the two threads share.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sound/format.hpp"
#include "sound/links.hpp"

struct pw_stream;
struct spa_io_position;

namespace phyllome::sound {

class Server;

struct StreamSettings {
    // Shown in PipeWire (node.name, node.description, media.name), e.g.
    // "VM work: sound".
    std::string name;
    // A glob of the node.name of the sink to play to, or of the source (or
    // sink: its monitor) to record from, linked while one is there (else
    // the stream is silent); empty: the session manager's default, and no
    // link at all where none runs.
    std::string target;
    // node.latency: the graph quantum asked for, in frames of a rate (the
    // graph runs the smallest its nodes ask for). 256/48000 is 5.3 ms per
    // cycle: low latency, but PipeWire's data thread must be scheduled that
    // often, and a cycle it misses plays as silence (it happens now and then
    // on a loaded machine without realtime priority: tests/sound count it).
    std::string latency = "256/48000";
    // The bound of the stream's ring: audio beyond it is dropped.
    int buffer_ms = 200;
};

// Where a stream is and how the graph runs it; a snapshot.
struct StreamInfo {
    std::string state;        // "unconnected", "connecting", "paused", "streaming", "error"
    std::string error;        // PipeWire's reason when state is "error"
    uint32_t node_id = no_id; // our stream's node, once PipeWire made it
    uint32_t peer_id = no_id; // the node it plays to or records from
    std::string peer_name;    // its node.name
    std::string latency;      // node.latency asked for
    uint32_t quantum = 0;     // graph frames per cycle, last cycle (0: none ran yet)
    uint32_t rate = 0;        // graph frames per second, last cycle
};

class Stream {
public:
    // Runs on PipeWire's data thread with the stream to dequeue from.
    using Process = std::function<void(pw_stream *)>;

    // `playback`: an output stream (else an input one). Throws
    // std::invalid_argument for a format PipeWire cannot take, and
    // std::runtime_error when PipeWire cannot make the stream. A stream
    // made after the server went away is valid and silent.
    Stream(Server &server, const Format &format, StreamSettings settings, bool playback,
           Process process);
    ~Stream();
    Stream(const Stream &) = delete;
    Stream &operator=(const Stream &) = delete;

    // Another node, linked at once (to the default: through a new stream
    // that the session manager links).
    void set_target(std::string glob);
    // Mute, and a volume per channel (linear, 1.0: unchanged); missing
    // channels take the last value given, or 1.0.
    void set_volume(bool mute, std::vector<float> per_channel);

    StreamInfo info() const;

    // From the process function, once per cycle: notes the cycle's quantum.
    void note_cycle();
    // The graph's quantum in frames of our rate (0 when unknown), for the
    // process function.
    uint32_t cycle_frames() const;

private:
    struct Listener;

    void connect();
    void disconnect();
    void apply_volume();
    void on_state(int state, const char *error);

    Server &server_;
    Format format_;
    StreamSettings settings_;
    bool playback_;
    Process process_;
    Links links_;
    pw_stream *stream_ = nullptr;
    std::unique_ptr<Listener> listener_;
    std::string state_ = "unconnected";
    std::string error_;
    bool mute_ = false;
    std::vector<float> volumes_;
    bool volume_set_ = false;
    // Written by PipeWire on the main thread (io_changed), read on its
    // data thread.
    std::atomic<spa_io_position *> position_{nullptr};
    std::atomic<uint32_t> quantum_{0};
    std::atomic<uint32_t> rate_{0};
};

} // namespace phyllome::sound
