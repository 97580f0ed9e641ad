#include "sound/server.hpp"

#include <cassert>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

#include <pipewire/pipewire.h>
#include <spa/utils/result.h>

#include "base/event_source.hpp"
#include "base/log.hpp"

namespace phyllome::sound {
namespace {

// PipeWire's global state (its plugin loader, log, type tables) is set up
// once per process and lives until the process ends.
void init_pipewire_once()
{
    static std::once_flag once;
    std::call_once(once, [] { pw_init(nullptr, nullptr); });
}

std::string env_or_empty(const char *name)
{
    const char *value = std::getenv(name);
    return value ? value : "";
}

// Where PipeWire's native protocol looks for `remote` (the same rules as
// libpipewire's, for the error message: PipeWire itself does the lookup).
std::string socket_path_for(const std::string &remote)
{
    std::string name = remote.empty() ? env_or_empty("PIPEWIRE_REMOTE") : remote;
    if (name.empty())
        name = "pipewire-0";
    if (name.front() == '/')
        return name;
    std::string dir = env_or_empty("PIPEWIRE_RUNTIME_DIR");
    if (dir.empty())
        dir = env_or_empty("XDG_RUNTIME_DIR");
    if (dir.empty())
        return name + " (neither PIPEWIRE_RUNTIME_DIR nor XDG_RUNTIME_DIR is set)";
    return dir + "/" + name;
}

const char *lookup(const spa_dict *props, const char *key)
{
    return props ? spa_dict_lookup(props, key) : nullptr;
}

std::string text(const spa_dict *props, const char *key)
{
    const char *value = lookup(props, key);
    return value ? value : "";
}

uint32_t number(const spa_dict *props, const char *key)
{
    const char *value = lookup(props, key);
    if (!value || !*value)
        return no_id;
    char *end = nullptr;
    const unsigned long n = std::strtoul(value, &end, 10);
    return *end == '\0' && n < no_id ? static_cast<uint32_t>(n) : no_id;
}

} // namespace

struct Server::Impl {
    wl_event_loop *event_loop = nullptr;
    std::string socket_path;
    pw_loop *loop = nullptr;
    pw_context *context = nullptr;
    pw_core *core = nullptr;
    pw_registry *registry = nullptr;
    spa_hook core_listener{};
    spa_hook registry_listener{};
    base::FdSource loop_source;
    base::IdleSource report_gone;
    std::function<void()> gone;
    std::string gone_reason;
    Graph graph;
    ServerInfo info;
    int sync_seq = -1; // the sync asked for, if any
    bool synced = false;
    int streams = 0;

    static void on_core_info(void *data, const pw_core_info *info);
    static void on_core_done(void *data, uint32_t id, int seq);
    static void on_core_error(void *data, uint32_t id, int seq, int res, const char *message);
    static void on_global(void *data, uint32_t id, uint32_t permissions, const char *type,
                          uint32_t version, const spa_dict *props);
    static void on_global_remove(void *data, uint32_t id);

    void went_away(const std::string &why);
};

void Server::Impl::on_core_info(void *data, const pw_core_info *info)
{
    auto *impl = static_cast<Impl *>(data);
    if (info->name)
        impl->info.name = info->name;
    if (info->version)
        impl->info.version = info->version;
}

void Server::Impl::on_core_done(void *data, uint32_t id, int seq)
{
    auto *impl = static_cast<Impl *>(data);
    if (id == PW_ID_CORE && impl->sync_seq >= 0 && seq == impl->sync_seq)
        impl->synced = true;
}

void Server::Impl::on_core_error(void *data, uint32_t id, int, int res, const char *message)
{
    auto *impl = static_cast<Impl *>(data);
    // The core's own error with EPIPE is how libpipewire says that the
    // connection is lost; other errors belong to one object (a link that
    // could not be made), whose owner hears of them on its proxy.
    if (id == PW_ID_CORE && res == -EPIPE) {
        impl->went_away(std::string("the connection was lost (") +
                        (message ? message : "no reason given") + ")");
        return;
    }
    base::log_debug("sound: PipeWire error on object %u: %s (%s)", id, message ? message : "",
                    spa_strerror(res));
}

void Server::Impl::on_global(void *data, uint32_t id, uint32_t, const char *type, uint32_t,
                             const spa_dict *props)
{
    auto *impl = static_cast<Impl *>(data);
    if (std::strcmp(type, PW_TYPE_INTERFACE_Node) == 0) {
        impl->graph.add_node({id, text(props, PW_KEY_NODE_NAME), text(props, PW_KEY_MEDIA_CLASS)});
    } else if (std::strcmp(type, PW_TYPE_INTERFACE_Port) == 0) {
        // Audio ports only: a node may also have control (MIDI) ports.
        const std::string dsp = text(props, PW_KEY_FORMAT_DSP);
        if (!dsp.empty() && dsp.find("audio") == std::string::npos)
            return;
        Port port;
        port.id = id;
        port.node = number(props, PW_KEY_NODE_ID);
        port.output = text(props, PW_KEY_PORT_DIRECTION) == "out";
        port.monitor = text(props, PW_KEY_PORT_MONITOR) == "true";
        port.channel = text(props, PW_KEY_AUDIO_CHANNEL);
        port.name = text(props, PW_KEY_PORT_NAME);
        if (port.node != no_id)
            impl->graph.add_port(std::move(port));
    } else if (std::strcmp(type, PW_TYPE_INTERFACE_Link) == 0) {
        impl->graph.add_link(
            {id, number(props, PW_KEY_LINK_OUTPUT_NODE), number(props, PW_KEY_LINK_OUTPUT_PORT),
             number(props, PW_KEY_LINK_INPUT_NODE), number(props, PW_KEY_LINK_INPUT_PORT)});
    }
}

void Server::Impl::on_global_remove(void *data, uint32_t id)
{
    static_cast<Impl *>(data)->graph.remove(id);
}

void Server::Impl::went_away(const std::string &why)
{
    if (!gone_reason.empty())
        return;
    gone_reason = why;
    base::log_error("sound: PipeWire at %s went away: %s", socket_path.c_str(), why.c_str());
    // Nothing of the old server exists any more; the streams see an empty
    // graph and drop their links.
    graph.clear();
    // Not from here: the caller may destroy everything in its handler, and
    // this runs inside PipeWire's dispatch.
    report_gone.schedule();
}

Server::Server(wl_event_loop *loop, const std::string &remote) : impl_(std::make_unique<Impl>())
{
    init_pipewire_once();
    Impl &impl = *impl_;
    impl.event_loop = loop;
    impl.socket_path = socket_path_for(remote);

    impl.loop = pw_loop_new(nullptr);
    if (!impl.loop)
        throw ServerError(std::string("cannot make a PipeWire loop: ") + std::strerror(errno));
    // The loop is dispatched from this thread only: entering it once for
    // the Server's life tells PipeWire so (it then runs calls made on this
    // thread directly instead of queueing them).
    pw_loop_enter(impl.loop);

    // Realtime for PipeWire's data thread, which runs our streams' cycles:
    // without it a busy desktop makes it miss cycles (5.3 ms each) and the
    // sound crackles. PipeWire's module-rt asks RTKit for it over D-Bus, or
    // takes it where the user's limits allow; PipeWire's client
    // configuration loads the module from 1.0 on, 0.3's only its
    // client-rt.conf.
    pw_properties *context_props = pw_properties_new(nullptr, nullptr);
    if (std::string_view(pw_get_library_version()).starts_with("0."))
        pw_properties_set(context_props, PW_KEY_CONFIG_NAME, "client-rt.conf");
    impl.context = pw_context_new(impl.loop, context_props, 0);
    if (!impl.context) {
        const int error = errno;
        pw_loop_leave(impl.loop);
        pw_loop_destroy(impl.loop);
        throw ServerError(std::string("cannot make a PipeWire context: ") + std::strerror(error));
    }

    pw_properties *props = nullptr;
    if (!remote.empty())
        props = pw_properties_new(PW_KEY_REMOTE_NAME, remote.c_str(), nullptr);
    impl.core = pw_context_connect(impl.context, props, 0);
    if (!impl.core) {
        const int error = errno;
        pw_context_destroy(impl.context);
        pw_loop_leave(impl.loop);
        pw_loop_destroy(impl.loop);
        throw ServerError("no PipeWire server at " + impl.socket_path + ": " +
                          std::strerror(error));
    }

    static const pw_core_events core_events = [] {
        pw_core_events events{};
        events.version = PW_VERSION_CORE_EVENTS;
        events.info = &Impl::on_core_info;
        events.done = &Impl::on_core_done;
        events.error = &Impl::on_core_error;
        return events;
    }();
    pw_core_add_listener(impl.core, &impl.core_listener, &core_events, &impl);

    static const pw_registry_events registry_events = [] {
        pw_registry_events events{};
        events.version = PW_VERSION_REGISTRY_EVENTS;
        events.global = &Impl::on_global;
        events.global_remove = &Impl::on_global_remove;
        return events;
    }();
    impl.registry = pw_core_get_registry(impl.core, PW_VERSION_REGISTRY, 0);
    pw_registry_add_listener(impl.registry, &impl.registry_listener, &registry_events, &impl);

    // PipeWire's loop is an epoll fd: readable whenever one of its sources
    // is. Dispatch what is ready, never wait (timeout 0).
    impl.loop_source = base::FdSource(loop, pw_loop_get_fd(impl.loop), WL_EVENT_READABLE,
                                      [this](uint32_t) { pw_loop_iterate(impl_->loop, 0); });
    impl.report_gone = base::IdleSource(loop, [this] {
        if (impl_->gone)
            impl_->gone(); // may destroy this Server
    });
    base::log_info("sound: connected to PipeWire at %s", impl.socket_path.c_str());
}

Server::~Server()
{
    Impl &impl = *impl_;
    assert(impl.streams == 0 && "a Playback or Capture outlives its Server");
    impl.loop_source = {};
    impl.report_gone = {};
    spa_hook_remove(&impl.registry_listener);
    spa_hook_remove(&impl.core_listener);
    pw_proxy_destroy(reinterpret_cast<pw_proxy *>(impl.registry));
    pw_core_disconnect(impl.core);
    pw_context_destroy(impl.context);
    pw_loop_leave(impl.loop);
    pw_loop_destroy(impl.loop);
}

const std::string &Server::socket_path() const
{
    return impl_->socket_path;
}

bool Server::connected() const
{
    return impl_->gone_reason.empty();
}

const std::string &Server::gone_reason() const
{
    return impl_->gone_reason;
}

void Server::on_gone(std::function<void()> gone)
{
    impl_->gone = std::move(gone);
    // Told after the fact: it still hears of it, on the loop.
    if (!connected())
        impl_->report_gone.schedule();
}

const Graph &Server::graph() const
{
    return impl_->graph;
}

const ServerInfo &Server::info() const
{
    return impl_->info;
}

void Server::sync()
{
    impl_->synced = false;
    impl_->sync_seq = pw_core_sync(impl_->core, PW_ID_CORE, 0);
}

bool Server::synced() const
{
    return impl_->synced;
}

pw_core *Server::core() const
{
    return impl_->core;
}

wl_event_loop *Server::event_loop() const
{
    return impl_->event_loop;
}

void Server::attach_stream()
{
    ++impl_->streams;
}

void Server::detach_stream()
{
    --impl_->streams;
}

} // namespace phyllome::sound
