// Links one of our stream nodes to the device node whose name matches the
// caller's glob (Graph::device_matching), port by port, ourselves (the way pw-link does), rather
// than through a session manager's policy: which seat's speakers a VM plays to is the session's
// decision, it must not depend on what WirePlumber remembers of a stream's
// name, and it must work where no session manager runs at all. Our stream
// nodes say node.autoconnect = false, so a session manager leaves them alone.
//
// The links follow the graph: made when both nodes have their ports (a
// sink plugged in later, a stream that negotiated its format), made again
// when a node comes back, dropped when the target changes. While nothing
// matches, the stream is linked to nothing: silent, never the default. Links made here
// do not linger: PipeWire removes them with our connection.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/event_source.hpp"
#include "sound/graph.hpp"

namespace phyllome::sound {

class Server;

class Links {
public:
    // `ours_output`: our node's ports are outputs (a Playback) or inputs (a
    // Capture).
    Links(Server &server, bool ours_output);
    ~Links();
    Links(const Links &) = delete;
    Links &operator=(const Links &) = delete;

    // Our stream's node (no_id while PipeWire has not made it).
    void set_own_node(uint32_t node);
    // A glob of the node.name to link to; empty: none (a session manager
    // links the stream to its default instead).
    void set_target(std::string glob);
    const std::string &target() const { return target_; }

    // The node linked to ours (by us or by a session manager), if any.
    const Node *peer() const;

    // Which of their ports feeds which of ours, or the reverse: for each
    // input port the output port of the same channel, else the output ports
    // in turn (a mono stream feeds both channels of a stereo sink; a 5.1
    // stream plays its front pair on a stereo sink). Pairs of port ids,
    // output first.
    static std::vector<std::pair<uint32_t, uint32_t>> pair_ports(const std::vector<Port> &outputs,
                                                                 const std::vector<Port> &inputs);

private:
    struct Made;

    std::vector<std::pair<uint32_t, uint32_t>> wanted() const;
    void update();
    void make(uint32_t output_port, uint32_t input_port);

    Server &server_;
    bool ours_output_;
    uint32_t own_node_ = no_id;
    std::string target_;
    std::list<std::unique_ptr<Made>> made_;
    std::vector<std::pair<uint32_t, uint32_t>> refused_;
    bool graph_changed_ = false;
    int subscription_ = 0;
    // The graph changes in bursts (a node, then each of its ports) and from
    // inside PipeWire's dispatch: the links are brought up to date once,
    // after the burst, on the event loop.
    base::IdleSource update_;
};

} // namespace phyllome::sound
