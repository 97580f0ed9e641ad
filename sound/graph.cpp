#include "sound/graph.hpp"

#include <fnmatch.h>

namespace phyllome::sound {

const Node *Graph::node(uint32_t id) const
{
    auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : &it->second;
}

const Node *Graph::node_named(const std::string &name) const
{
    for (const auto &[id, node] : nodes_) {
        if (node.name == name)
            return &node;
    }
    return nullptr;
}

const Node *Graph::device_matching(const std::string &glob, bool playback) const
{
    for (const auto &[id, node] : nodes_) {
        const bool fits =
            node.media_class == "Audio/Sink" || (!playback && node.media_class == "Audio/Source");
        if (fits && fnmatch(glob.c_str(), node.name.c_str(), 0) == 0)
            return &node;
    }
    return nullptr;
}

std::vector<Port> Graph::ports_of(uint32_t node, bool output) const
{
    std::vector<Port> ports;
    for (const auto &[id, port] : ports_) {
        if (port.node == node && port.output == output)
            ports.push_back(port);
    }
    return ports;
}

std::vector<Link> Graph::links_of(uint32_t node) const
{
    std::vector<Link> links;
    for (const auto &[id, link] : links_) {
        if (link.output_node == node || link.input_node == node)
            links.push_back(link);
    }
    return links;
}

int Graph::subscribe(std::function<void()> changed) const
{
    const int token = next_token_++;
    subscribers_.emplace(token, std::move(changed));
    return token;
}

void Graph::unsubscribe(int token) const
{
    subscribers_.erase(token);
}

void Graph::add_node(Node node)
{
    const uint32_t id = node.id;
    nodes_.insert_or_assign(id, std::move(node));
    notify();
}

void Graph::add_port(Port port)
{
    const uint32_t id = port.id;
    ports_.insert_or_assign(id, std::move(port));
    notify();
}

void Graph::add_link(Link link)
{
    links_.insert_or_assign(link.id, link);
    notify();
}

void Graph::remove(uint32_t id)
{
    if (nodes_.erase(id) + ports_.erase(id) + links_.erase(id) > 0)
        notify();
}

void Graph::clear()
{
    nodes_.clear();
    ports_.clear();
    links_.clear();
    notify();
}

void Graph::notify()
{
    for (const auto &[token, changed] : subscribers_)
        changed();
}

} // namespace phyllome::sound
