// What `phyllomectl status` and `phyllomectl doctor` say of sound, checked
// against the real thing: the real session and phyllomectl, fake QEMUs
// playing voices (10.1 and 9.2 with a D-Bus audiodev, 9.2 without one, 7.2
// left alone), and a private PipeWire (tests/sound/private_pipewire.hpp)
// whose graph the test reads on a connection of its own, so that the node
// the status names is the one PipeWire links the stream to. Then the same
// without any PipeWire.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pipewire/pipewire.h>
#include <wayland-server-core.h>

#include "sound/server.hpp"
#include "tests/sound/private_pipewire.hpp"
#include "tests/support/fake_qemu.hpp"
#include "tests/support/session.hpp"

namespace phyllome::test {
namespace {

using nlohmann::json;

constexpr const char *kConfig = R"([[vm]]
name = "a"
[[vm]]
name = "b"
[[vm]]
name = "old"
[[vm]]
name = "mute"
[[seat]]
name = "left"
vm = "a"
vms = ["a", "b"]
outputs = ["HEADLESS-1"]
devices = []
audio_out = "node:test-sink-a"
audio_in = "node:test-sink-b"
[[seat]]
name = "right"
vm = "old"
vms = ["old", "mute"]
outputs = ["HEADLESS-2"]
devices = []
audio_out = "node:no-such-sink"
)";

// The VMs' fake QEMUs: a and b (10.1) have a D-Bus audiodev, old is 7.2
// (whose D-Bus audio the session leaves alone) and mute (9.2) has none.
struct Vms {
    FakeQemu a{"10.1", "--audio"};
    FakeQemu b{"10.1", "--audio"};
    FakeQemu old{"7.2", "--audio"};
    FakeQemu mute{"9.2"};
};

class SoundStatus : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string dir =
            (std::filesystem::temp_directory_path() / "phyllome-sound-status-XXXXXX").string();
        ASSERT_TRUE(mkdtemp(dir.data()));
        dir_ = dir;
        config_ = dir_ + "/session.toml";
        std::ofstream(config_) << kConfig;
    }
    void TearDown() override
    {
        session_.reset();
        vms_.reset();
        std::filesystem::remove_all(dir_);
    }

    // The session with the four VMs; `env` for PipeWire's variables.
    void start(EnvChanges env)
    {
        vms_ = std::make_unique<Vms>();
        std::vector<std::string> args{"--config", config_, "--headless", "320x240,320x240"};
        std::vector<int> fds;
        for (auto [name, fake] : {std::pair{"a", &vms_->a}, std::pair{"b", &vms_->b},
                                  std::pair{"old", &vms_->old}, std::pair{"mute", &vms_->mute}}) {
            fds.push_back(fake->take_client_fd());
            args.insert(args.end(),
                        {"--vm-fd", std::string(name) + "=" + std::to_string(fds.back())});
        }
        session_ = std::make_unique<SessionProcess>(args, env, fds);
        for (int fd : fds)
            close(fd);
        ASSERT_TRUE(session_->wait_ready()) << session_->log();
        for (FakeQemu *fake : {&vms_->a, &vms_->b, &vms_->old, &vms_->mute})
            ASSERT_EQ(fake->command("wait-listener").rfind("ok", 0), 0u);
        for (FakeQemu *fake : {&vms_->a, &vms_->b})
            for (const char *direction : {"out", "in"})
                ASSERT_EQ(fake->command(std::string("wait-audio-listener ") + direction), "ok");
    }

    CommandResult ctl(const std::vector<std::string> &args, EnvChanges env = {})
    {
        std::vector<std::string> argv = {required_env("PHYLLOMECTL")};
        argv.insert(argv.end(), args.begin(), args.end());
        env.emplace("XDG_RUNTIME_DIR", session_->runtime_dir());
        env.emplace("PHYLLOME_SOCKET", std::nullopt);
        return run_command(argv, env);
    }
    json status()
    {
        const CommandResult result = ctl({"--json", "status"});
        EXPECT_EQ(result.exit_code, 0) << result.output;
        return json::parse(result.output, nullptr, false);
    }
    // The status once `ready` holds for it (the session follows PipeWire's
    // graph as it changes); `wait` runs between tries (it dispatches the
    // test's own PipeWire connection, or waits for nothing).
    json status_until(const std::function<bool(const json &)> &ready,
                      const std::function<void()> &wait)
    {
        json now;
        for (int i = 0; i < 500; ++i) {
            now = status();
            if (ready(now))
                return now;
            wait();
        }
        ADD_FAILURE() << "the status never became what was expected: " << now.dump(2);
        return now;
    }
    std::map<std::string, json> doctor(EnvChanges env)
    {
        const CommandResult result = ctl({"--json", "doctor", "--config", config_}, env);
        const std::size_t start = result.output.find("{\n");
        const json report = json::parse(
            result.output.substr(start == std::string::npos ? 0 : start), nullptr, false);
        std::map<std::string, json> checks;
        if (report.is_object())
            for (const json &check : report.value("checks", json::array()))
                checks[check["what"].get<std::string>()] = check;
        EXPECT_FALSE(checks.empty()) << result.output;
        return checks;
    }

    std::string dir_, config_;
    std::unique_ptr<Vms> vms_;
    std::unique_ptr<SessionProcess> session_;
};

// A VM's entry in the status, or an empty object.
json vm(const json &status, const std::string &name)
{
    if (status.is_object())
        for (const json &entry : status.value("vms", json::array()))
            if (entry.value("name", "") == name)
                return entry;
    return json::object();
}

// The stream of `direction` of a VM's voice `id`, or an empty object.
json stream(const json &status, const std::string &name, const std::string &direction, uint64_t id)
{
    const json sound = vm(status, name).value("sound", json::object());
    for (const json &entry : sound.value("streams", json::array()))
        if (entry.value("direction", "") == direction && entry.value("voice", uint64_t{0}) == id)
            return entry;
    return json::object();
}

// Where PipeWire itself has the session's stream `stream_name` linked: the
// node.name at the other end of its links, as the test's own connection to
// the daemon sees them.
class GraphWatcher {
public:
    GraphWatcher()
        : loop_(wl_event_loop_create(), wl_event_loop_destroy),
          server_(std::make_unique<sound::Server>(loop_.get()))
    {
    }
    ~GraphWatcher() { server_.reset(); }

    std::string peer_of(const std::string &stream_name) const
    {
        const sound::Graph &graph = server_->graph();
        const sound::Node *ours = graph.node_named(stream_name);
        if (!ours)
            return "";
        for (const sound::Link &link : graph.links_of(ours->id)) {
            const uint32_t other =
                link.output_node == ours->id ? link.input_node : link.output_node;
            if (const sound::Node *node = graph.node(other))
                return node->name;
        }
        return "";
    }
    // Until PipeWire has it linked to `peer` (at most 20 s).
    bool wait_linked(const std::string &stream_name, const std::string &peer)
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (peer_of(stream_name) != peer) {
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            dispatch();
        }
        return true;
    }
    // PipeWire's news, for up to 20 ms.
    void dispatch() { wl_event_loop_dispatch(loop_.get(), 20); }

private:
    std::unique_ptr<wl_event_loop, void (*)(wl_event_loop *)> loop_;
    std::unique_ptr<sound::Server> server_;
};

TEST_F(SoundStatus, StreamsTargetsAndTheDoctorWithPipeWire)
{
    PrivatePipeWire pipewire;
    // PrivatePipeWire's PIPEWIRE_RUNTIME_DIR reaches the session and
    // phyllomectl; XDG_RUNTIME_DIR is the session's own.
    start({});
    GraphWatcher graph;

    // VM a (on the left seat) plays voice 1 and records voice 2.
    for (const char *line :
         {"audio-init out 1 16 1 0 48000 2", "audio-enable out 1 1", "audio-volume out 1 0 200,100",
          "audio-init in 2 16 1 0 44100 1", "audio-enable in 2 1"})
        ASSERT_EQ(vms_->a.command(line), "ok") << line;
    // VM b, shown on no seat, plays voice 3: muted (audio_when_hidden).
    for (const char *line : {"audio-init out 3 32 1 1 48000 2", "audio-enable out 3 1"})
        ASSERT_EQ(vms_->b.command(line), "ok") << line;
    ASSERT_TRUE(graph.wait_linked("VM a: sound", "test-sink-a"));
    ASSERT_TRUE(graph.wait_linked("VM a: microphone", "test-sink-b"));
    const auto wait = [&] {
        graph.dispatch();
    };

    json now = status_until(
        [](const json &s) {
            return stream(s, "a", "playback", 1).value("node", json()) == "test-sink-a" &&
                   stream(s, "a", "capture", 2).value("node", json()) == "test-sink-b" &&
                   !stream(s, "b", "playback", 3).empty() &&
                   vm(s, "mute")["sound"].value("state", "") == "no audiodev" &&
                   vm(s, "old")["sound"].value("state", "") == "left alone";
        },
        wait);
    // The session's connection, as the daemon describes itself.
    EXPECT_EQ(now["sound"]["connected"], true) << now["sound"].dump();
    EXPECT_EQ(now["sound"]["socket"], pipewire.socket_path());
    EXPECT_EQ(now["sound"]["name"], "pipewire-0");
    EXPECT_EQ(now["sound"]["version"], pw_get_library_version());

    // The seats' targets.
    const json &left = now["seats"][0];
    EXPECT_EQ(left["audio_out"], json({{"target", "node:test-sink-a"},
                                       {"node", "test-sink-a"},
                                       {"resolves", true},
                                       {"detail", ""}}));
    EXPECT_EQ(left["audio_in"]["node"], "test-sink-b");
    const json &right = now["seats"][1];
    EXPECT_EQ(right["audio_out"]["resolves"], false) << right.dump();
    EXPECT_TRUE(right["audio_out"]["node"].is_null());
    EXPECT_NE(right["audio_out"]["detail"].get<std::string>().find("no PipeWire sink matches"),
              std::string::npos);
    EXPECT_EQ(right["audio_in"]["target"], "default");
    EXPECT_EQ(right["audio_in"]["resolves"], true);

    // VM a's streams.
    json played = stream(now, "a", "playback", 1);
    EXPECT_EQ(played["format"], "s16le");
    EXPECT_EQ(played["rate"], 48000);
    EXPECT_EQ(played["channels"], 2);
    EXPECT_EQ(played["enabled"], true);
    EXPECT_EQ(played["muted"], false);
    EXPECT_EQ(played["volume"], json::array({200, 100}));
    EXPECT_TRUE(played["silent"].is_null()) << played.dump();
    EXPECT_EQ(played["target"], "node:test-sink-a");
    EXPECT_TRUE(played["no_node"].is_null());
    const json recorded = stream(now, "a", "capture", 2);
    EXPECT_EQ(recorded["format"], "s16le");
    EXPECT_EQ(recorded["rate"], 44100);
    EXPECT_EQ(recorded["channels"], 1);
    EXPECT_EQ(recorded["target"], "node:test-sink-b");
    EXPECT_EQ(vm(now, "a")["sound"]["state"], "listening");

    // VM b: hidden and muted; no session manager links a stream to the
    // default, which a VM shown nowhere plays to.
    const json hidden = stream(now, "b", "playback", 3);
    EXPECT_EQ(hidden["format"], "f32le") << vm(now, "b").dump();
    EXPECT_NE(hidden["silent"].get<std::string>().find("audio_when_hidden"), std::string::npos);
    EXPECT_TRUE(hidden["node"].is_null());
    EXPECT_EQ(hidden["no_node"], "no session manager linked it to the default");
    EXPECT_EQ(graph.peer_of("VM b: sound"), "");

    // 7.2 left alone; 9.2 without an audiodev.
    EXPECT_EQ(vm(now, "old")["sound"]["state"], "left alone");
    EXPECT_TRUE(vm(now, "old")["sound"]["streams"].empty());
    EXPECT_EQ(vm(now, "mute")["sound"]["state"], "no audiodev");
    EXPECT_NE(vm(now, "mute")["sound"]["detail"].get<std::string>().find("-audiodev dbus"),
              std::string::npos);

    // 20 ms played (enough to start: a block and a cycle), then nothing:
    // every byte reaches PipeWire, and the stream runs dry once.
    for (int block = 0; block < 2; ++block)
        ASSERT_EQ(vms_->a.command("audio-write 1 480"), "ok");
    now = status_until(
        [](const json &s) {
            const json p = stream(s, "a", "playback", 1);
            return p.value("bytes", 0) == 2 * 480 * 4 && p.value("underruns", 0) > 0;
        },
        wait);
    EXPECT_EQ(stream(now, "a", "playback", 1)["underruns"], 1);
    EXPECT_EQ(stream(now, "a", "playback", 1)["overruns"], 0);
    // Half a second at once where the stream holds 200 ms: the oldest
    // 300 ms are dropped, once.
    ASSERT_EQ(vms_->a.command("audio-write 1 24000"), "ok");
    now = status_until(
        [](const json &s) { return stream(s, "a", "playback", 1).value("overruns", 0) > 0; }, wait);
    played = stream(now, "a", "playback", 1);
    EXPECT_EQ(played["overruns"], 1);
    EXPECT_EQ(played["bytes_dropped"], (24000 - 9600) * 4);

    // The text.
    const std::string text = ctl({"status"}).output;
    for (const std::string &line :
         {"sound: PipeWire " + std::string(pw_get_library_version()) + " (pipewire-0) at " +
              pipewire.socket_path() + "\n",
          std::string("  audio_out node:test-sink-a: test-sink-a\n"),
          std::string("  audio_in node:test-sink-b: test-sink-b\n"),
          std::string("  audio_out node:no-such-sink: not found: no PipeWire sink matches it"),
          std::string("  audio_in default: the session manager's default\n"),
          std::string("  playback voice 1 s16le 48000 Hz 2 ch, volume 200,100 -> test-sink-a ("),
          std::string("  capture voice 2 s16le 44100 Hz 1 ch, volume - <- test-sink-b ("),
          std::string("  playback voice 3 f32le 48000 Hz 2 ch, volume - -> no node (no session "
                      "manager linked it to the default) ("),
          std::string("; silent: hidden, and its audio_when_hidden is mute\n"),
          std::string("  sound: left alone: QEMU before 8.1"),
          std::string("  sound: no audiodev: QEMU has no D-Bus audio")})
        EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;

    // A seat switch: b moves to the left seat's sink, a is hidden.
    ASSERT_EQ(ctl({"switch", "left", "b"}).exit_code, 0);
    ASSERT_TRUE(graph.wait_linked("VM b: sound", "test-sink-a"));
    now = status_until(
        [](const json &s) {
            return stream(s, "b", "playback", 3).value("node", json()) == "test-sink-a" &&
                   !stream(s, "a", "playback", 1).value("silent", json()).is_null();
        },
        wait);
    EXPECT_TRUE(stream(now, "b", "playback", 3)["silent"].is_null());
    EXPECT_EQ(stream(now, "a", "playback", 1)["node"], "test-sink-a"); // linked, silent

    // The doctor: PipeWire, the running session's connection, the targets.
    auto checks = doctor({});
    EXPECT_TRUE(checks["PipeWire"].value("ok", false)) << checks["PipeWire"].dump();
    EXPECT_EQ(checks["PipeWire"]["detail"], "PipeWire " + std::string(pw_get_library_version()) +
                                                " (pipewire-0) at " + pipewire.socket_path() +
                                                ": 2 sinks, 0 sources");
    EXPECT_TRUE(checks["session sound"].value("ok", false)) << checks["session sound"].dump();
    EXPECT_TRUE(checks["seat left audio_out"].value("ok", false));
    EXPECT_EQ(checks["seat left audio_out"]["detail"],
              "node:test-sink-a: test-sink-a (Audio/Sink)");
    EXPECT_TRUE(checks["seat left audio_in"].value("ok", false));
    EXPECT_FALSE(checks["seat right audio_out"].value("ok", true));
    EXPECT_EQ(checks["seat right audio_out"]["detail"],
              "node:no-such-sink: no PipeWire sink matches it (sinks: test-sink-a, test-sink-b): "
              "silent until one appears");
    EXPECT_NE(checks["seat right audio_out"]["fix"].get<std::string>().find(
                  "set audio_out of seat right in the session file to \"node:NAME\""),
              std::string::npos);
    EXPECT_TRUE(checks["seat right audio_in"].value("ok", false));
    // Without --config, the doctor checks the running session's file (this
    // test's, not the default one), seats and all.
    const std::string plain = ctl({"doctor"}).output;
    EXPECT_NE(plain.find("session file: " + config_ + " is valid (the running session's)"),
              std::string::npos)
        << plain;
    EXPECT_NE(plain.find("seat right audio_out: node:no-such-sink"), std::string::npos) << plain;

    // PipeWire dies: the session says so, and when it tries again; the
    // voices are kept, with no stream.
    pipewire.kill();
    now = status_until(
        [](const json &s) {
            return s.value("sound", json::object()).value("connected", true) == false;
        },
        [] {});
    const std::string error = now["sound"]["error"].get<std::string>();
    EXPECT_EQ(error.rfind("PipeWire went away (", 0), 0u) << error;
    EXPECT_NE(error.find("; trying again in "), std::string::npos) << error;
    played = stream(now, "a", "playback", 1);
    EXPECT_TRUE(played["node"].is_null()) << played.dump();
    EXPECT_EQ(played["no_node"], "no PipeWire") << played.dump();
    EXPECT_EQ(played["state"], "no stream") << played.dump();
    EXPECT_EQ(now["seats"][0]["audio_out"]["resolves"], false);
    EXPECT_EQ(now["seats"][0]["audio_out"]["detail"], "no PipeWire");

    // It comes back (a restart): the session connects again by itself and
    // links each voice where it was, b's sound to the left seat's sink.
    pipewire.restart();
    GraphWatcher again;
    ASSERT_TRUE(again.wait_linked("VM b: sound", "test-sink-a"));
    ASSERT_TRUE(again.wait_linked("VM a: microphone", "test-sink-b"));
    now = status_until(
        [](const json &s) {
            return s.value("sound", json::object()).value("connected", false) == true &&
                   stream(s, "b", "playback", 3).value("node", json()) == "test-sink-a";
        },
        [&] { again.dispatch(); });
    EXPECT_TRUE(now["sound"]["error"].is_null()) << now["sound"].dump();
    EXPECT_EQ(stream(now, "a", "capture", 2)["node"], "test-sink-b");
    EXPECT_EQ(stream(now, "a", "playback", 1)["silent"],
              "hidden, and its audio_when_hidden is mute");
    EXPECT_TRUE(doctor({})["session sound"].value("ok", false));
}

TEST_F(SoundStatus, WithoutPipeWire)
{
    const EnvChanges none{{"PIPEWIRE_RUNTIME_DIR", std::nullopt},
                          {"PIPEWIRE_REMOTE", std::nullopt}};
    start(none);
    for (const char *line : {"audio-init out 1 16 1 0 48000 2", "audio-enable out 1 1",
                             "audio-init in 2 16 1 0 48000 2"})
        ASSERT_EQ(vms_->a.command(line), "ok") << line;
    const json now =
        status_until([](const json &s) { return !stream(s, "a", "capture", 2).empty(); }, [] {});
    const std::string socket = session_->runtime_dir() + "/pipewire-0";
    EXPECT_EQ(now["sound"]["connected"], false);
    EXPECT_NE(now["sound"]["error"].get<std::string>().find("no PipeWire server at " + socket),
              std::string::npos)
        << now["sound"].dump();
    EXPECT_EQ(now["seats"][0]["audio_out"]["resolves"], false);
    EXPECT_EQ(now["seats"][0]["audio_out"]["detail"], "no PipeWire");
    for (const json &s : {stream(now, "a", "playback", 1), stream(now, "a", "capture", 2)}) {
        EXPECT_TRUE(s["node"].is_null()) << s.dump();
        EXPECT_EQ(s["no_node"], "no PipeWire");
        EXPECT_EQ(s["state"], "no stream");
    }
    EXPECT_EQ(stream(now, "a", "capture", 2)["silent"], "the guest disabled it");

    const std::string text = ctl({"status"}).output;
    for (const std::string &line :
         {"sound: none: no PipeWire server at " + socket,
          std::string("  audio_out node:test-sink-a: not found: no PipeWire\n"),
          std::string("  playback voice 1 s16le 48000 Hz 2 ch, volume - -> no node (no PipeWire) "
                      "(no stream), 0 bytes, 0 underruns, 0 overruns\n")})
        EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;

    // The doctor: no PipeWire for this user, and the session has none.
    auto checks = doctor(none);
    EXPECT_FALSE(checks["PipeWire"].value("ok", true)) << checks["PipeWire"].dump();
    EXPECT_NE(
        checks["PipeWire"]["detail"].get<std::string>().find("no PipeWire server at " + socket),
        std::string::npos);
    EXPECT_EQ(checks["PipeWire"]["fix"].get<std::string>().rfind(
                  "No sound: PipeWire is not running for this user", 0),
              0u);
    EXPECT_FALSE(checks["session sound"].value("ok", true)) << checks["session sound"].dump();
    EXPECT_EQ(checks.count("seat left audio_out"), 0u); // no PipeWire to look in
    const CommandResult text_doctor = ctl({"doctor", "--config", config_}, none);
    EXPECT_EQ(text_doctor.exit_code, 1);
    EXPECT_NE(text_doctor.output.find("FAIL  PipeWire: no PipeWire server at " + socket),
              std::string::npos)
        << text_doctor.output;
    EXPECT_NE(text_doctor.output.find("      fix: No sound: PipeWire is not running for this user"),
              std::string::npos);

    // PipeWire started after the session (elsewhere than the session looks:
    // it finds none): the doctor finds it, and says the session tries again
    // by itself.
    PrivatePipeWire pipewire;
    checks = doctor({});
    EXPECT_TRUE(checks["PipeWire"].value("ok", false)) << checks["PipeWire"].dump();
    EXPECT_FALSE(checks["session sound"].value("ok", true));
    EXPECT_NE(checks["session sound"]["fix"].get<std::string>().find(
                  "connects to it by itself within 30 s"),
              std::string::npos)
        << checks["session sound"].dump();
}

} // namespace
} // namespace phyllome::test
