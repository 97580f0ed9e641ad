#include "sound/links.hpp"

#include <algorithm>

#include <pipewire/pipewire.h>
#include <spa/utils/result.h>

#include "base/log.hpp"
#include "sound/server.hpp"

namespace phyllome::sound {

// One link we asked PipeWire for: its proxy, until we drop it or PipeWire
// removes it (an end went away) or refuses it.
struct Links::Made {
    uint32_t output_port = no_id;
    uint32_t input_port = no_id;
    pw_proxy *proxy = nullptr;
    spa_hook listener{};
    bool dead = false;    // removed or refused: to be dropped
    bool refused = false; // not asked for again until the graph changes
    Links *owner = nullptr;

    ~Made()
    {
        if (proxy) {
            spa_hook_remove(&listener);
            pw_proxy_destroy(proxy);
        }
    }

    static void on_removed(void *data)
    {
        auto *made = static_cast<Made *>(data);
        made->dead = true;
        made->owner->update_.schedule();
    }

    static void on_error(void *data, int, int res, const char *message)
    {
        auto *made = static_cast<Made *>(data);
        base::log_error("sound: PipeWire refused a link from port %u to port %u: %s (%s)",
                        made->output_port, made->input_port, message ? message : "",
                        spa_strerror(res));
        made->dead = made->refused = true;
        made->owner->update_.schedule();
    }
};

Links::Links(Server &server, bool ours_output)
    : server_(server), ours_output_(ours_output), update_(server.event_loop(), [this] { update(); })
{
    subscription_ = server_.graph().subscribe([this] {
        graph_changed_ = true;
        update_.schedule();
    });
}

Links::~Links()
{
    server_.graph().unsubscribe(subscription_);
}

void Links::set_own_node(uint32_t node)
{
    if (node == own_node_)
        return;
    own_node_ = node;
    update();
}

void Links::set_target(std::string glob)
{
    if (glob == target_)
        return;
    target_ = std::move(glob);
    update();
}

const Node *Links::peer() const
{
    if (own_node_ == no_id)
        return nullptr;
    for (const Link &link : server_.graph().links_of(own_node_)) {
        const uint32_t other = link.output_node == own_node_ ? link.input_node : link.output_node;
        if (const Node *node = server_.graph().node(other))
            return node;
    }
    return nullptr;
}

std::vector<std::pair<uint32_t, uint32_t>> Links::pair_ports(const std::vector<Port> &outputs,
                                                             const std::vector<Port> &inputs)
{
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    if (outputs.empty())
        return pairs;
    for (size_t i = 0; i < inputs.size(); ++i) {
        auto same = std::find_if(outputs.begin(), outputs.end(), [&](const Port &port) {
            return !port.channel.empty() && port.channel == inputs[i].channel;
        });
        const Port &from = same != outputs.end() ? *same : outputs[i % outputs.size()];
        pairs.emplace_back(from.id, inputs[i].id);
    }
    return pairs;
}

std::vector<std::pair<uint32_t, uint32_t>> Links::wanted() const
{
    if (!server_.connected() || own_node_ == no_id || target_.empty())
        return {};
    const Graph &graph = server_.graph();
    const Node *target = graph.device_matching(target_, ours_output_);
    if (!target)
        return {};
    // A sink's output ports are its monitor: a Capture told to record a
    // sink records what it plays.
    const auto ours = graph.ports_of(own_node_, ours_output_);
    const auto theirs = graph.ports_of(target->id, !ours_output_);
    return ours_output_ ? pair_ports(ours, theirs) : pair_ports(theirs, ours);
}

void Links::update()
{
    const auto pairs = wanted();
    // A refused link is asked for again only after the graph changed, not
    // in a loop of refusals.
    if (graph_changed_)
        refused_.clear();
    graph_changed_ = false;
    for (const auto &made : made_) {
        if (made->refused)
            refused_.emplace_back(made->output_port, made->input_port);
    }
    // Drop what is dead or no longer wanted (all of them once the server is
    // gone: their proxies belong to a lost connection).
    made_.remove_if([&](const std::unique_ptr<Made> &made) {
        return made->dead ||
               std::find(pairs.begin(), pairs.end(),
                         std::pair{made->output_port, made->input_port}) == pairs.end();
    });
    for (const auto &[output, input] : pairs) {
        const bool have = std::any_of(made_.begin(), made_.end(), [&](const auto &made) {
            return made->output_port == output && made->input_port == input;
        });
        const bool refused =
            std::find(refused_.begin(), refused_.end(), std::pair{output, input}) != refused_.end();
        if (!have && !refused)
            make(output, input);
    }
}

void Links::make(uint32_t output_port, uint32_t input_port)
{
    // Called from update() only, which found the target.
    const uint32_t target = server_.graph().device_matching(target_, ours_output_)->id;
    const uint32_t output_node = ours_output_ ? own_node_ : target;
    const uint32_t input_node = ours_output_ ? target : own_node_;

    pw_properties *props = pw_properties_new(nullptr, nullptr);
    pw_properties_setf(props, PW_KEY_LINK_OUTPUT_NODE, "%u", output_node);
    pw_properties_setf(props, PW_KEY_LINK_OUTPUT_PORT, "%u", output_port);
    pw_properties_setf(props, PW_KEY_LINK_INPUT_NODE, "%u", input_node);
    pw_properties_setf(props, PW_KEY_LINK_INPUT_PORT, "%u", input_port);
    // Gone with our connection (and with this object): never left behind
    // playing a VM's sound to a seat it no longer belongs to.
    pw_properties_set(props, PW_KEY_OBJECT_LINGER, "false");
    auto *proxy = static_cast<pw_proxy *>(pw_core_create_object(
        server_.core(), "link-factory", PW_TYPE_INTERFACE_Link, PW_VERSION_LINK, &props->dict, 0));
    pw_properties_free(props);
    if (!proxy) {
        base::log_error("sound: cannot ask PipeWire for a link from port %u to port %u",
                        output_port, input_port);
        return;
    }

    static const pw_proxy_events events = [] {
        pw_proxy_events e{};
        e.version = PW_VERSION_PROXY_EVENTS;
        e.removed = &Made::on_removed;
        e.error = &Made::on_error;
        return e;
    }();
    auto made = std::make_unique<Made>();
    made->output_port = output_port;
    made->input_port = input_port;
    made->proxy = proxy;
    made->owner = this;
    pw_proxy_add_listener(proxy, &made->listener, &events, made.get());
    made_.push_back(std::move(made));
}

} // namespace phyllome::sound
