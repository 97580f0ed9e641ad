#include "tests/sound/private_pipewire.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/param.h>
#include <spa/pod/builder.h>
#include <spa/utils/dict.h>

#include "base/unique_fd.hpp"
#include "tests/support/process.hpp"

namespace phyllome::test {
namespace {

using namespace std::chrono_literals;

// What PipeWire 0.3.65 and 1.x need to serve a client, and two sinks:
// - protocol-native: the socket;
// - access: it grants a new client its permissions, and PipeWire does not
//   answer a client before it has them (without it a client waits forever);
// - client-node: a client's stream node (pw_stream) lives in the client and
//   is exported to the daemon through it;
// - adapter: the null sinks are adapters around support.null-audio-sink
//   (the audio conversion they need comes from the audioconvert SPA plugin);
// - link-factory: what clients make links with.
// The null sink is a driver (a timer paces it), so a graph with it runs
// without a device. adapter.auto-port-config gives each sink its ports at
// once (playback_FL/FR and their monitor_FL/FR), which a session manager
// would otherwise configure. PipeWire 1.x does not apply that property
// without a session manager: configure_sink_ports() below does it then.
const char *const sink_names[] = {"test-sink-a", "test-sink-b"};

std::string config_text()
{
    std::string sinks;
    for (const char *name : sink_names) {
        sinks += std::string(R"(
    { factory = adapter
      args = {
          factory.name = support.null-audio-sink
          node.name = )") +
                 name + R"(
          node.description = ")" +
                 name + R"("
          media.class = Audio/Sink
          audio.position = [ FL FR ]
          adapter.auto-port-config = { mode = dsp monitor = true position = preserve }
      }
    })";
    }
    return R"(# Written by tests/sound/private_pipewire.cpp.
context.properties = {
    core.daemon = true
    core.name = pipewire-0
    default.clock.rate = 48000
    support.dbus = false
}
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.* = support/libspa-support
}
context.modules = [
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-access }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-link-factory }
]
context.objects = [)" +
           sinks + R"(
]
)";
}

std::optional<std::string> getenv_string(const std::string &name)
{
    const char *value = std::getenv(name.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
}

bool can_connect(const std::string &path)
{
    base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    return connect(fd.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
}

// Makes null sinks (`create`: else they are in the daemon's configuration)
// and does what a session manager does for each: ask for one port per
// channel and a monitor port of each (PortConfig, mode dsp), then wait until
// every sink has playback_FL/FR and monitor_FL/FR. Harmless where the
// daemon has configured them already (PipeWire 0.3). Connects through this
// process's environment, which names the private daemon; throws after 10 s.
class SinkSetup {
public:
    SinkSetup(const std::vector<std::string> &names, bool create)
    {
        for (const std::string &name : names)
            sinks_.push_back(Sink{name, SPA_ID_INVALID, nullptr, {}});
        pw_init(nullptr, nullptr);
        loop_ = pw_main_loop_new(nullptr);
        context_ = pw_context_new(pw_main_loop_get_loop(loop_), nullptr, 0);
        core_ = context_ ? pw_context_connect(context_, nullptr, 0) : nullptr;
        if (!core_)
            throw std::runtime_error(std::string("cannot connect to the test's PipeWire: ") +
                                     std::strerror(errno));
        registry_ = pw_core_get_registry(core_, PW_VERSION_REGISTRY, 0);
        static const pw_registry_events events = [] {
            pw_registry_events e{};
            e.version = PW_VERSION_REGISTRY_EVENTS;
            e.global = &SinkSetup::on_global;
            return e;
        }();
        pw_registry_add_listener(registry_, &registry_listener_, &events, this);
        for (const std::string &name : create ? names : std::vector<std::string>{}) {
            // Lingering: it stays when this connection ends, as the
            // configuration's sinks do.
            pw_properties *props =
                pw_properties_new("factory.name", "support.null-audio-sink", PW_KEY_NODE_NAME,
                                  name.c_str(), PW_KEY_MEDIA_CLASS, "Audio/Sink", "audio.position",
                                  "[ FL FR ]", PW_KEY_OBJECT_LINGER, "true", nullptr);
            created_.push_back(static_cast<pw_proxy *>(pw_core_create_object(
                core_, "adapter", PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, &props->dict, 0)));
            pw_properties_free(props);
        }
    }

    ~SinkSetup()
    {
        for (Sink &sink : sinks_) {
            if (sink.proxy)
                pw_proxy_destroy(reinterpret_cast<pw_proxy *>(sink.proxy));
        }
        for (pw_proxy *proxy : created_) {
            if (proxy)
                pw_proxy_destroy(proxy);
        }
        if (registry_) {
            spa_hook_remove(&registry_listener_);
            pw_proxy_destroy(reinterpret_cast<pw_proxy *>(registry_));
        }
        if (core_)
            pw_core_disconnect(core_);
        if (context_)
            pw_context_destroy(context_);
        pw_main_loop_destroy(loop_);
    }

    void run()
    {
        spa_source *timer = pw_loop_add_timer(pw_main_loop_get_loop(loop_), &on_timeout, this);
        timespec ten_seconds{10, 0};
        pw_loop_update_timer(pw_main_loop_get_loop(loop_), timer, &ten_seconds, nullptr, false);
        pw_main_loop_run(loop_);
        pw_loop_destroy_source(pw_main_loop_get_loop(loop_), timer);
        if (!done())
            throw std::runtime_error("the test's null sinks did not come with their ports in 10 s");
    }

private:
    struct Sink {
        std::string name;
        uint32_t id = SPA_ID_INVALID;
        pw_node *proxy = nullptr;
        std::vector<std::string> ports;
    };

    static constexpr const char *wanted_ports[] = {"playback_FL", "playback_FR", "monitor_FL",
                                                   "monitor_FR"};

    bool done() const
    {
        for (const Sink &sink : sinks_) {
            for (const char *port : wanted_ports) {
                if (std::find(sink.ports.begin(), sink.ports.end(), port) == sink.ports.end())
                    return false;
            }
        }
        return true;
    }

    static void on_global(void *data, uint32_t id, uint32_t, const char *type, uint32_t,
                          const spa_dict *props)
    {
        auto *self = static_cast<SinkSetup *>(data);
        const char *node_name = props ? spa_dict_lookup(props, PW_KEY_NODE_NAME) : nullptr;
        if (std::strcmp(type, PW_TYPE_INTERFACE_Node) == 0 && node_name) {
            for (Sink &sink : self->sinks_) {
                if (sink.name == node_name && !sink.proxy) {
                    sink.id = id;
                    sink.proxy = static_cast<pw_node *>(pw_registry_bind(
                        self->registry_, id, PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, 0));
                    set_dsp_ports(sink.proxy);
                }
            }
            return;
        }
        const char *node = props ? spa_dict_lookup(props, PW_KEY_NODE_ID) : nullptr;
        const char *port_name = props ? spa_dict_lookup(props, PW_KEY_PORT_NAME) : nullptr;
        if (std::strcmp(type, PW_TYPE_INTERFACE_Port) == 0 && node && port_name) {
            for (Sink &sink : self->sinks_) {
                if (std::to_string(sink.id) == node)
                    sink.ports.emplace_back(port_name);
            }
            if (self->done())
                pw_main_loop_quit(self->loop_);
        }
    }

    static void set_dsp_ports(pw_node *node)
    {
        spa_audio_info_raw raw{};
        raw.format = SPA_AUDIO_FORMAT_F32P;
        raw.rate = 48000;
        raw.channels = 2;
        raw.position[0] = SPA_AUDIO_CHANNEL_FL;
        raw.position[1] = SPA_AUDIO_CHANNEL_FR;
        uint8_t buffer[1024];
        spa_pod_builder builder{};
        spa_pod_builder_init(&builder, buffer, sizeof buffer);
        spa_pod *format = spa_format_audio_raw_build(&builder, SPA_PARAM_Format, &raw);
        spa_pod_frame frame{};
        spa_pod_builder_push_object(&builder, &frame, SPA_TYPE_OBJECT_ParamPortConfig,
                                    SPA_PARAM_PortConfig);
        spa_pod_builder_prop(&builder, SPA_PARAM_PORT_CONFIG_direction, 0);
        spa_pod_builder_id(&builder, SPA_DIRECTION_INPUT);
        spa_pod_builder_prop(&builder, SPA_PARAM_PORT_CONFIG_mode, 0);
        spa_pod_builder_id(&builder, SPA_PARAM_PORT_CONFIG_MODE_dsp);
        spa_pod_builder_prop(&builder, SPA_PARAM_PORT_CONFIG_monitor, 0);
        spa_pod_builder_bool(&builder, true);
        spa_pod_builder_prop(&builder, SPA_PARAM_PORT_CONFIG_format, 0);
        spa_pod_builder_primitive(&builder, format);
        auto *config = static_cast<spa_pod *>(spa_pod_builder_pop(&builder, &frame));
        pw_node_set_param(node, SPA_PARAM_PortConfig, 0, config);
    }

    static void on_timeout(void *data, uint64_t)
    {
        pw_main_loop_quit(static_cast<SinkSetup *>(data)->loop_);
    }

    pw_main_loop *loop_ = nullptr;
    pw_context *context_ = nullptr;
    pw_core *core_ = nullptr;
    pw_registry *registry_ = nullptr;
    spa_hook registry_listener_{};
    std::vector<Sink> sinks_;
    std::vector<pw_proxy *> created_;
};

} // namespace

PrivatePipeWire::PrivatePipeWire()
{
    const std::string tmp = getenv_string("TMPDIR").value_or("/tmp");
    std::string pattern = tmp + "/phyllome-sound-XXXXXX";
    if (!mkdtemp(pattern.data()))
        throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    dir_ = pattern;
    const std::string config = dir_ + "/test-pipewire.conf";
    std::ofstream(config) << config_text();
    std::filesystem::create_directory(dir_ + "/config");

    // This process's environment, for the Server under test.
    const char *names[] = {"XDG_RUNTIME_DIR", "PIPEWIRE_RUNTIME_DIR", "PIPEWIRE_REMOTE"};
    for (size_t i = 0; i < 3; ++i)
        saved_[i] = {names[i], getenv_string(names[i])};
    setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
    setenv("PIPEWIRE_RUNTIME_DIR", dir_.c_str(), 1);
    unsetenv("PIPEWIRE_REMOTE");

    try {
        start();
    } catch (...) {
        clean_up();
        throw;
    }
}

void PrivatePipeWire::start()
{
    const std::string config = dir_ + "/test-pipewire.conf";
    // An empty XDG_CONFIG_HOME: no pipewire.conf.d of the user's. (The
    // daemon's path comes in PHYLLOME_PIPEWIRE_DAEMON: libpipewire reads
    // PIPEWIRE_DAEMON as "be a server", in the daemon and in this process
    // alike.)
    pid_ = spawn({required_env("PHYLLOME_PIPEWIRE_DAEMON"), "-c", config},
                 {{"XDG_RUNTIME_DIR", dir_},
                  {"PIPEWIRE_RUNTIME_DIR", dir_},
                  {"XDG_CONFIG_HOME", dir_ + "/config"},
                  {"PIPEWIRE_REMOTE", std::nullopt},
                  {"PHYLLOME_PIPEWIRE_DAEMON", std::nullopt}},
                 dir_ + "/pipewire.log");
    wait_until_listening();
    SinkSetup({sink_names[0], sink_names[1]}, false).run();
}

void PrivatePipeWire::restart()
{
    kill();
    // What the killed daemon left: its socket would look like the new one's
    // before that one listens.
    std::error_code ignored;
    std::filesystem::remove(socket_path(), ignored);
    std::filesystem::remove(socket_path() + ".lock", ignored);
    start();
}

PrivatePipeWire::~PrivatePipeWire()
{
    clean_up();
}

void PrivatePipeWire::clean_up()
{
    kill();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    for (const Saved &saved : saved_) {
        if (saved.value)
            setenv(saved.name.c_str(), saved.value->c_str(), 1);
        else
            unsetenv(saved.name.c_str());
    }
}

void PrivatePipeWire::wait_until_listening()
{
    // The socket appears when the daemon binds it (inotify says when); it
    // accepts connections from its listen() just after. So: wait for the
    // name, then a bounded number of connect attempts, a short wait on the
    // daemon's exit between them. Never a fixed sleep.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    base::UniqueFd inotify(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!inotify || inotify_add_watch(inotify.get(), dir_.c_str(), IN_CREATE | IN_MOVED_TO) < 0)
        throw std::runtime_error(std::string("inotify: ") + std::strerror(errno));
    base::UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid_, 0)));
    if (!pidfd)
        throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(errno));

    const std::string path = socket_path();
    int attempts = 0;
    while (true) {
        const bool exists = std::filesystem::exists(path);
        if (exists) {
            if (can_connect(path))
                return;
            if (++attempts > 200)
                throw std::runtime_error("PipeWire's socket " + path +
                                         " refuses connections; its log:\n" + log());
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            throw std::runtime_error("PipeWire did not make " + path + " in 10 s; its log:\n" +
                                     log());
        // Before the socket: until inotify or the daemon's end says
        // something. After: 5 ms at most between connect attempts.
        pollfd fds[2] = {{inotify.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
        const int timeout = exists ? 5 : static_cast<int>(left.count());
        if (poll(fds, 2, timeout) < 0 && errno != EINTR)
            throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
        if (fds[1].revents & POLLIN) {
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
            throw std::runtime_error("PipeWire exited while starting; its log:\n" + log());
        }
        char events[4096];
        while (read(inotify.get(), events, sizeof events) > 0) {
        }
    }
}

void PrivatePipeWire::add_sink(const std::string &name)
{
    SinkSetup({name}, true).run();
}

void PrivatePipeWire::kill()
{
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::string PrivatePipeWire::log() const
{
    std::ifstream file(dir_ + "/pipewire.log");
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

} // namespace phyllome::test
