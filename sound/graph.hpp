// What a PipeWire server holds that the streams care about: its audio
// nodes, their ports and the links between them, mirrored from the server's
// registry. The streams of this folder link themselves to the node they are
// told to (sound/links.hpp), and report what they are linked to, from this.
// Global properties never change in PipeWire, so entries are only ever added
// and removed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace phyllome::sound {

// PipeWire's "no object" (SPA_ID_INVALID).
inline constexpr uint32_t no_id = 0xffffffff;

struct Node {
    uint32_t id = no_id;
    std::string name;        // node.name
    std::string media_class; // "Audio/Sink", "Stream/Output/Audio", ...
};

struct Port {
    uint32_t id = no_id;
    uint32_t node = no_id;
    bool output = false;  // port.direction "out"
    bool monitor = false; // a sink's copy of what it plays
    std::string channel;  // audio.channel: "FL", "MONO", "AUX0", ...
    std::string name;     // port.name
};

struct Link {
    uint32_t id = no_id;
    uint32_t output_node = no_id;
    uint32_t output_port = no_id;
    uint32_t input_node = no_id;
    uint32_t input_port = no_id;
};

class Graph {
public:
    Graph() = default;
    Graph(const Graph &) = delete;
    Graph &operator=(const Graph &) = delete;

    const Node *node(uint32_t id) const;
    const Node *node_named(const std::string &name) const;
    // The device node a stream plays to or records from: the first (lowest id)
    // whose node.name matches `glob` (fnmatch) and whose media class fits:
    // a sink for playback; a source, or a sink (its monitor), for capture.
    // Never a stream; null while nothing matches.
    const Node *device_matching(const std::string &glob, bool playback) const;
    // The audio ports of a node in one direction, in the order PipeWire
    // numbered them (their channel order).
    std::vector<Port> ports_of(uint32_t node, bool output) const;
    std::vector<Link> links_of(uint32_t node) const; // either end
    // Every node, by id (to pick a target by its properties).
    const std::map<uint32_t, Node> &nodes() const { return nodes_; }
    size_t node_count() const { return nodes_.size(); }

    // Runs `changed` after every change (until the returned id is passed to
    // unsubscribe). Called from inside PipeWire's dispatch: a subscriber may
    // not change the graph or unsubscribe from it there; defer the work.
    // (Subscribing watches the graph, it changes nothing of it: const.)
    int subscribe(std::function<void()> changed) const;
    void unsubscribe(int token) const;

    // The registry's side (sound/server.cpp).
    void add_node(Node node);
    void add_port(Port port);
    void add_link(Link link);
    void remove(uint32_t id);
    void clear();

private:
    void notify();

    std::map<uint32_t, Node> nodes_;
    std::map<uint32_t, Port> ports_;
    std::map<uint32_t, Link> links_;
    mutable std::map<int, std::function<void()>> subscribers_;
    mutable int next_token_ = 1;
};

} // namespace phyllome::sound
