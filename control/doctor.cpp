#include "control/doctor.hpp"

#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <unistd.h>

#include "base/log.hpp"
#include "config/load.hpp"
#include "config/sound_target.hpp"
#include "control/client.hpp"
#include "control/reply.hpp"
#include "control/request.hpp"
#include "libvirt/libvirt_connection.hpp"
#include "sound/server.hpp"

namespace phyllome::control {
namespace {

// A VM of an embedded root the running session holds, through its socket.
libvirt::Check check_vm_through_session(const std::string &socket, const std::string &name)
{
    const auto line = send_request(socket, to_line(to_json(VmXmlRequest{name})));
    if (const auto *failure = std::get_if<RequestFailure>(&line))
        return {"VM " + name, false, "asking the session: " + failure->message, ""};
    const auto reply = nlohmann::json::parse(std::get<std::string>(line), nullptr, false);
    if (reply.is_object() && reply.value("ok", false) && reply.contains("xml") &&
        reply["xml"].is_string())
        return libvirt::check_vm_xml(name, reply["xml"].get<std::string>());
    return {"VM " + name, false,
            reply.is_object() ? reply.value("error", "no answer") : "no answer",
            "create it (phyllomectl vm create " + name +
                " --os linux) or fix its name in the session file"};
}

constexpr const char *kStartPipeWire =
    "No sound: PipeWire is not running for this user; start it (systemctl --user start "
    "pipewire wireplumber) or install it (apt install pipewire wireplumber)";

// PipeWire as the session finds it (the same socket, $PIPEWIRE_REMOTE or
// pipewire-0 in the runtime directory), with the whole graph read once.
struct SoundProbe {
    std::unique_ptr<wl_event_loop, void (*)(wl_event_loop *)> loop{wl_event_loop_create(),
                                                                   wl_event_loop_destroy};
    std::unique_ptr<sound::Server> server; // null when unreachable
    libvirt::Check check{"PipeWire", false, "", ""};

    SoundProbe()
    {
        // The library's "connected" line is for the session's log.
        const bool quiet = !base::log_enabled(base::LogLevel::Debug);
        if (quiet)
            base::set_log_level(base::LogLevel::Error);
        try {
            server = std::make_unique<sound::Server>(loop.get());
        } catch (const sound::ServerError &e) {
            check.detail = e.what();
            check.fix = kStartPipeWire;
        }
        if (quiet)
            base::set_log_level(base::LogLevel::Info);
        if (!server)
            return;
        // Its registry comes before the answer to a round trip; a server
        // that does not answer within seconds is as good as none.
        server->sync();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!server->synced() && server->connected()) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                break;
            wl_event_loop_dispatch(loop.get(), static_cast<int>(left.count()));
        }
        if (!server->connected()) {
            check.detail =
                "PipeWire at " + server->socket_path() + " went away: " + server->gone_reason();
            check.fix = kStartPipeWire;
            server.reset();
            return;
        }
        if (!server->synced()) {
            check.detail = "PipeWire at " + server->socket_path() + " does not answer";
            check.fix = "restart it: systemctl --user restart pipewire wireplumber";
            server.reset();
            return;
        }
        int sinks = 0, sources = 0;
        for (const auto &[id, node] : server->graph().nodes()) {
            sinks += node.media_class == "Audio/Sink";
            sources += node.media_class == "Audio/Source";
        }
        const sound::ServerInfo &info = server->info();
        check.ok = true;
        check.detail = "PipeWire " + (info.version.empty() ? "?" : info.version) + " (" +
                       (info.name.empty() ? "?" : info.name) + ") at " + server->socket_path() +
                       ": " + std::to_string(sinks) + (sinks == 1 ? " sink, " : " sinks, ") +
                       std::to_string(sources) + (sources == 1 ? " source" : " sources");
    }
    SoundProbe(const SoundProbe &) = delete;
    SoundProbe &operator=(const SoundProbe &) = delete;

    // A seat's audio_out (`out`) or audio_in, on the graph read.
    libvirt::Check target(const config::Seat &seat, const config::SoundTarget &target,
                          bool out) const
    {
        const char *key = out ? "audio_out" : "audio_in";
        libvirt::Check check{"seat " + seat.name + " " + key, false,
                             config::to_string(target) + ": ", ""};
        // The nodes a target of this kind could name (Graph::device_matching).
        std::vector<std::string> fitting;
        for (const auto &[id, node] : server->graph().nodes())
            if (node.media_class == "Audio/Sink" || (!out && node.media_class == "Audio/Source"))
                fitting.push_back(node.name);
        const std::string kinds = out ? "sinks" : "sources and sinks";
        std::string listed;
        for (const std::string &name : fitting)
            listed += (listed.empty() ? "" : ", ") + name;
        if (listed.empty())
            listed = "none";
        if (target.kind == config::SoundTarget::Kind::Default) {
            check.ok = !fitting.empty();
            check.detail +=
                check.ok ? "the session manager's default" : "PipeWire has no " + kinds + " at all";
            if (!check.ok)
                check.fix = "start the session manager (systemctl --user start wireplumber) and "
                            "check that the sound card is seen (wpctl status)";
            return check;
        }
        if (const sound::Node *node = server->graph().device_matching(target.pattern, out)) {
            check.ok = true;
            check.detail += node->name + " (" + node->media_class + ")";
            return check;
        }
        check.detail += "no PipeWire " + std::string(out ? "sink" : "source or sink") +
                        " matches it (" + kinds + ": " + listed + "): silent until one appears";
        check.fix = std::string("set ") + key + " of seat " + seat.name +
                    " in the session file to \"node:NAME\" with NAME one of the " + kinds + " (" +
                    listed +
                    "; pw-cli ls Node lists them), or to \"default\"; or plug the "
                    "device in";
        return check;
    }
};

// The running session's status; null when none answers at `socket`.
nlohmann::json session_status(const std::string &socket)
{
    if (socket.empty())
        return nullptr;
    const auto line = send_request(socket, to_line(to_json(StatusRequest{})));
    if (std::holds_alternative<RequestFailure>(line))
        return nullptr; // no session there after all
    return nlohmann::json::parse(std::get<std::string>(line), nullptr, false);
}

// The session file the running session reads, when it reads one.
std::string session_file(const nlohmann::json &status)
{
    if (!status.is_object() || !status.contains("config") || !status["config"].is_object())
        return {};
    const nlohmann::json &path = status["config"].value("path", nlohmann::json());
    return path.is_string() ? path.get<std::string>() : std::string();
}

// The running session's own PipeWire connection (it tries again by itself,
// at most 30 s apart, while it has none).
std::optional<libvirt::Check> check_session_sound(const nlohmann::json &reply, bool reachable)
{
    if (!reply.is_object() || !reply.contains("sound") || !reply["sound"].is_object())
        return std::nullopt;
    const nlohmann::json &sound = reply["sound"];
    if (sound.value("connected", false))
        return libvirt::Check{"session sound", true,
                              "the running session plays through PipeWire at " +
                                  sound.value("socket", std::string("?")),
                              ""};
    const nlohmann::json &error = sound["error"];
    return libvirt::Check{
        "session sound", false,
        "the running session has no PipeWire: " +
            (error.is_string() ? error.get<std::string>() : std::string("not connected")),
        reachable ? "PipeWire runs now: the session connects to it by itself within 30 s; "
                    "if it does not, read the session's log"
                  : kStartPipeWire};
}

} // namespace

std::vector<libvirt::Check> run_doctor(const std::string &config_path,
                                      const std::string &session_socket)
{
    const libvirt::CheckEnvironment environment;
    std::vector<libvirt::Check> checks;
    checks.push_back(libvirt::check_kvm());
    if (checks.back().ok)
        checks.push_back(libvirt::check_qemu_kvm());
    std::string node;
    checks.push_back(libvirt::check_render_node(libvirt::render_nodes(), node));
    checks.push_back(libvirt::check_virgl(node));
    // What `vm create` needs, as libvirt finds it.
    const char *search_path = std::getenv("PATH");
    checks.push_back(libvirt::check_swtpm(search_path ? search_path : "/usr/bin:/bin"));
    checks.push_back(libvirt::check_ovmf());
    const SoundProbe sound;
    checks.push_back(sound.check);
    const nlohmann::json status = session_status(session_socket);
    if (auto session = check_session_sound(status, sound.server != nullptr))
        checks.push_back(*session);

    // Without --config: the file of the session that runs, else the one a
    // session would read.
    const std::string running_file = config_path.empty() ? session_file(status) : std::string();
    const std::string asked = config_path.empty() ? running_file : config_path;
    const auto path = config::find_config_path(asked.empty() ? nullptr : asked.c_str());
    config::Config config = config::default_config();
    if (path) {
        const config::LoadResult loaded = config::load_config(*path);
        if (!loaded.ok()) {
            const config::Diagnostic &first = loaded.errors.front();
            checks.push_back(
                {"session file", false,
                 path->string() + ":" + std::to_string(first.line) + ": " + first.message,
                 "phyllome-session --check-config " + path->string()});
            return checks;
        }
        config = *loaded.config;
        checks.push_back({"session file", true,
                          path->string() + " is valid" +
                              (running_file.empty() ? "" : " (the running session's)"),
                          ""});
    } else {
        checks.push_back({"session file", true, "none: the built-in default (no VMs)", ""});
    }
    // Where each seat's sound goes, when there is PipeWire to look in.
    if (sound.server)
        for (const config::Seat &seat : config.seats) {
            checks.push_back(sound.target(seat, seat.audio_out, true));
            checks.push_back(sound.target(seat, seat.audio_in, false));
        }

    // One connection per URI, as the session keeps.
    std::map<std::string, virConnectPtr> connections;
    std::map<std::string, bool> through_session; // embedded roots a session holds
    for (const config::Vm &vm : config.vms) {
        const std::string uri = config::effective_uri(config, vm);
        const std::string root = libvirt::embedded_root(uri);
        std::error_code error;
        const bool unmade = !root.empty() && !std::filesystem::exists(root, error);
        if (!connections.count(uri)) {
            virConnectPtr conn = nullptr;
            if (unmade) {
                // Nothing to open yet, and a doctor changes nothing.
                checks.push_back({"libvirt " + uri, true,
                                  "not made yet: the session makes it when it first needs it", ""});
            } else if (const pid_t holder = root.empty() ? 0 : libvirt::embedded_root_holder(root)) {
                const bool usable = !session_socket.empty();
                through_session[uri] = usable;
                checks.push_back(
                    {"libvirt " + uri, usable,
                     "in use by " + libvirt::describe_process(holder) +
                         (usable ? ": its VMs are checked through the session" : ""),
                     usable ? ""
                            : "run the doctor from that session (phyllomectl --socket PATH "
                              "doctor) or while it is not running"});
            } else {
                checks.push_back(libvirt::check_libvirt(uri, conn));
            }
            connections[uri] = conn;
        }
        if (virConnectPtr conn = connections[uri])
            checks.push_back(libvirt::check_vm(conn, vm.name));
        else if (through_session[uri])
            checks.push_back(check_vm_through_session(session_socket, vm.name));
        else if (unmade)
            checks.push_back(libvirt::check_vm(nullptr, vm.name)); // no such domain yet
    }
    for (const auto &[uri, conn] : connections)
        if (conn)
            virConnectClose(conn);
    return checks;
}

nlohmann::json doctor_json(const std::vector<libvirt::Check> &checks)
{
    nlohmann::json list = nlohmann::json::array();
    bool ok = true;
    for (const libvirt::Check &check : checks) {
        list.push_back(
            {{"what", check.what}, {"ok", check.ok}, {"detail", check.detail}, {"fix", check.fix}});
        ok = ok && check.ok;
    }
    return {{"ok", ok}, {"checks", list}};
}

std::string doctor_text(const std::vector<libvirt::Check> &checks)
{
    std::string out;
    for (const libvirt::Check &check : checks) {
        out += (check.ok ? "ok    " : "FAIL  ") + check.what + ": " + check.detail + "\n";
        if (!check.ok && !check.fix.empty())
            out += "      fix: " + check.fix + "\n";
    }
    return out;
}

} // namespace phyllome::control
