// What the real session says about itself through the real phyllomectl:
// the state of a console as it is now, the session file's warnings and
// which configuration is in force (also through --check-config), idle
// control connections, and phyllomectl's own errors and exit statuses.
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/control_client.hpp"
#include "tests/support/fake_qemu.hpp"
#include "tests/support/session.hpp"

namespace phyllome::test {
namespace {

using nlohmann::json;

void write_file(const std::string &path, const std::string &content)
{
    std::ofstream(path, std::ios::trunc) << content;
}

class ControlStatus : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string dir =
            (std::filesystem::temp_directory_path() / "phyllome-status-XXXXXX").string();
        ASSERT_TRUE(mkdtemp(dir.data()));
        dir_ = dir;
        path_ = dir_ + "/session.toml";
    }
    void TearDown() override
    {
        session_.reset();
        std::filesystem::remove_all(dir_);
    }
    void start(const std::string &content, std::vector<std::string> extra = {},
               std::vector<int> inherit = {})
    {
        write_file(path_, content);
        std::vector<std::string> args{"--config", path_, "--headless", "320x240,320x240"};
        args.insert(args.end(), extra.begin(), extra.end());
        session_ = std::make_unique<SessionProcess>(args, EnvChanges{}, inherit);
        ASSERT_TRUE(session_->wait_ready()) << session_->log();
    }
    CommandResult ctl(const std::vector<std::string> &args)
    {
        std::vector<std::string> argv = {required_env("PHYLLOMECTL")};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, {{"XDG_RUNTIME_DIR", session_->runtime_dir()},
                                  {"PHYLLOME_SOCKET", std::nullopt}});
    }
    json status()
    {
        const CommandResult result = ctl({"--json", "status"});
        EXPECT_EQ(result.exit_code, 0) << result.output;
        return json::parse(result.output, nullptr, false);
    }
    std::string socket() const
    {
        return session_->runtime_dir() + "/phyllome-" + session_->socket() + ".sock";
    }

    std::string dir_, path_;
    std::unique_ptr<SessionProcess> session_;
};

// One fake-qemu command and its answer (the session runs on its own).
std::string command(FakeQemu &fake, const std::string &line)
{
    fake.send(line);
    for (int i = 0; i < 200; ++i) {
        if (auto answer = fake.poll_line())
            return *answer;
        pollfd fd{fake.stdout_fd(), POLLIN, 0};
        if (poll(&fd, 1, 100) < 0)
            break;
    }
    return "(no answer to " + line + ")";
}

TEST_F(ControlStatus, StateIsWhatTheConsoleShowsNow)
{
    FakeQemu fake("9.2");
    const int fd = fake.take_client_fd();
    start("[[vm]]\nname = \"test\"\n[[seat]]\nname = \"seat0\"\nvm = \"test\"\n"
          "outputs = [\"HEADLESS-1\"]\n",
          {"--vm-fd", "test=" + std::to_string(fd)}, {fd});
    close(fd);
    ASSERT_EQ(command(fake, "wait-listener").rfind("ok", 0), 0u);

    // Frames: the display is on, for the seat and the VM, in both styles.
    ASSERT_EQ(command(fake, "scanout 64 48 x8r8g8b8 102030").rfind("ok", 0), 0u);
    const json on = status();
    EXPECT_EQ(on["seats"][0].value("state", ""), "Display on") << on.dump();
    EXPECT_EQ(on["vms"][0].value("state", ""), "Display on") << on.dump();
    const CommandResult text = ctl({"status"});
    EXPECT_NE(text.output.find("seat seat0: test (Display on)"), std::string::npos) << text.output;

    // Off and on again, as the guest goes.
    ASSERT_EQ(command(fake, "disable").rfind("ok", 0), 0u);
    EXPECT_EQ(status()["seats"][0].value("state", ""), "Display off");
    ASSERT_EQ(command(fake, "scanout 64 48 x8r8g8b8 102030").rfind("ok", 0), 0u);
    EXPECT_EQ(status()["vms"][0].value("state", ""), "Display on");
}

constexpr const char *kWarned = R"([session]
libvirt_uri = "test:///default"
[[vm]]
name = "test"
[[seat]]
name = "left"
vm = "test"
outputs = ["HEADLESS-1", "HEADLESS-9"]
devices = ["*"]
[[seat]]
name = "right"
vm = "test"
outputs = ["headless-2"]
devices = []
)";

TEST_F(ControlStatus, WarningsInTheLogStatusAndCheckConfig)
{
    start(kWarned);
    const std::string shared = path_ +
                               ":12:1: warning: seat 'right' shows VM 'test', which seat 'left' "
                               "(line 7) shows too: the input of both seats would reach that "
                               "one VM";
    const std::string missing = path_ +
                                ":8:26: warning: seat 'left' lists output 'HEADLESS-9', which "
                                "does not exist now (outputs: HEADLESS-1, HEADLESS-2)";
    const std::string cased = path_ +
                              ":13:12: warning: seat 'right' lists output 'headless-2', which "
                              "does not exist: output names are case-sensitive; did you mean "
                              "'HEADLESS-2'?";
    const json config = status()["config"];
    EXPECT_EQ(config.value("path", ""), path_);
    EXPECT_EQ(config.value("in_force", ""), "file");
    EXPECT_EQ(config.value("valid", false), true);
    EXPECT_EQ(config["warnings"], json::array({missing, shared, cased})) << config.dump();
    const CommandResult text = ctl({"status"});
    EXPECT_EQ(text.output.rfind("session file: " + path_ + "\n  " + missing + "\n  " + shared +
                                    "\n  " + cased + "\n",
                                0),
              0u)
        << text.output;
    for (const auto &line : {shared, missing, cased})
        EXPECT_NE(session_->log().find(line), std::string::npos) << line << "\n" << session_->log();

    // --check-config asks the running session for its outputs; the file is
    // valid, so it exits 0.
    const std::string binary = required_env("PHYLLOME_SESSION");
    const CommandResult checked = run_command(
        {binary, "--check-config", path_},
        {{"XDG_RUNTIME_DIR", session_->runtime_dir()}, {"PHYLLOME_SOCKET", std::nullopt}});
    EXPECT_EQ(checked.exit_code, 0) << checked.output;
    for (const auto &line : {shared, missing, cased})
        EXPECT_NE(checked.output.find(line + "\n"), std::string::npos) << checked.output;
    EXPECT_NE(checked.output.find(path_ + ": ok: 1 VM, 2 seats, 3 outputs (3 warnings)\n"),
              std::string::npos)
        << checked.output;
    // Without a session it cannot know the outputs: only the file's own.
    const CommandResult alone =
        run_command({binary, "--check-config", path_},
                    {{"XDG_RUNTIME_DIR", dir_}, {"PHYLLOME_SOCKET", std::nullopt}});
    EXPECT_EQ(alone.exit_code, 0) << alone.output;
    EXPECT_EQ(alone.output, shared + "\n" + path_ + ": ok: 1 VM, 2 seats, 3 outputs (1 warning)\n");
}

TEST_F(ControlStatus, SaysWhichConfigurationIsInForce)
{
    start("[session]\nlibvirt_uri = \"test:///default\"\n");
    EXPECT_EQ(status()["config"].value("in_force", ""), "file");

    write_file(path_, "[[seat]]\nname = 3\n");
    const CommandResult refused = ctl({"reload"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.output.find("keeping the last valid one: " + path_ + ":2:8: error: "),
              std::string::npos)
        << refused.output;
    const json config = status()["config"];
    EXPECT_EQ(config.value("valid", true), false);
    EXPECT_EQ(config.value("in_force", ""), "last valid");
    ASSERT_EQ(config["errors"].size(), 1u) << config.dump();
    EXPECT_EQ(config["errors"][0], path_ + ":2:8: error: 'name' must be a string, not an integer");
    const CommandResult text = ctl({"status"});
    EXPECT_EQ(text.output.rfind("session file: " + path_ +
                                    " is invalid; in force: its last valid version\n  " + path_ +
                                    ":2:8: error: ",
                                0),
              0u)
        << text.output;

    // Invalid from the start: the built-in default, and reload says so.
    session_.reset();
    start("[[seat]]\nname = 3\n");
    EXPECT_EQ(status()["config"].value("in_force", ""), "default");
    EXPECT_NE(ctl({"status"}).output.find("in force: the built-in default"), std::string::npos);
    const CommandResult still = ctl({"reload"});
    EXPECT_EQ(still.exit_code, 1);
    EXPECT_NE(still.output.find("Session file invalid, keeping the built-in default: "),
              std::string::npos)
        << still.output;
}

TEST_F(ControlStatus, IdleConnectionsTimeOutAndNeverLockPhyllomectlOut)
{
    start("[session]\nlibvirt_uri = \"test:///default\"\n");
    // More idle peers than the session serves at once.
    std::vector<std::unique_ptr<ControlClient>> idle;
    for (int i = 0; i < 300; ++i) {
        idle.push_back(std::make_unique<ControlClient>(socket()));
        ASSERT_TRUE(idle.back()->connected()) << i;
    }
    const CommandResult meanwhile = ctl({"status"});
    EXPECT_EQ(meanwhile.exit_code, 0) << meanwhile.output;
    // The session closes every one of them (end of file, no request).
    // (One deadline for them all, so that a session that never closes them
    // fails the test in a minute, not in hours.)
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int closed = 0;
    for (auto &client : idle) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        closed += client->wait_closed(std::max(left, std::chrono::milliseconds(0))) ? 1 : 0;
    }
    EXPECT_EQ(closed, 300);
    EXPECT_EQ(ctl({"status"}).exit_code, 0);
}

TEST_F(ControlStatus, PhyllomectlErrorsAndExitStatuses)
{
    start("[session]\nlibvirt_uri = \"test:///default\"\n");
    const CommandResult version = ctl({"--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_EQ(version.output.rfind("phyllomectl ", 0), 0u) << version.output;

    // Headless: no input device, so identify says so at once.
    const CommandResult identify = ctl({"identify"});
    EXPECT_FALSE(identify.timed_out);
    EXPECT_EQ(identify.exit_code, 1);
    EXPECT_EQ(identify.output, "phyllomectl: no input devices: there is nothing to identify\n");

    // Bad arguments are bad usage, with the whole rule.
    const CommandResult memory = ctl({"vm", "create", "a", "--os", "linux", "--memory", "1.5G"});
    EXPECT_EQ(memory.exit_code, 2);
    EXPECT_EQ(memory.output, "phyllomectl: --memory takes a whole number of MiB from 256M to 4T, "
                             "written with a unit K, M, G or T (powers of 1024; MiB without one), "
                             "like 4G or 4096M\n");
    for (const std::vector<std::string> &bad :
         {std::vector<std::string>{"vm", "create", "a b", "--os", "linux"},
          {"vm", "create", "a", "--os", "beos"},
          {"vm", "create", "a", "--os", "linux", "--disk-size", "100M"},
          {"vm", "create", "a", "--os", "linux", "--iso", dir_ + "/none.iso"},
          {"switch", "", "test"},
          {"vm", "create", "a", "--os", "linux", "--cpus", "600"}}) {
        const CommandResult result = ctl(bad);
        EXPECT_EQ(result.exit_code, 2) << bad[0] << " " << bad[1] << ": " << result.output;
        EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
    }

    // A name the session quotes back reaches the terminal escaped.
    const CommandResult odd = ctl({"switch", "le\x1b[2Jft", "test"});
    EXPECT_EQ(odd.exit_code, 1);
    EXPECT_EQ(odd.output.find('\x1b'), std::string::npos) << odd.output;
    EXPECT_NE(odd.output.find("le\\x1b[2Jft"), std::string::npos) << odd.output;

    // A key given twice in a request.
    ControlClient client(socket());
    ASSERT_TRUE(client.send(R"({"command":"switch","seat":"x","vm":"y","seat":"z"})"
                            "\n"));
    const json reply = json::parse(client.read_line().value_or("null"), nullptr, false);
    EXPECT_EQ(reply.value("error", ""), "the field \"seat\" is given twice") << reply.dump();
}

} // namespace
} // namespace phyllome::test

namespace phyllome::test {
namespace {

constexpr const char *kClipboardConfig = "[[vm]]\nname = \"test\"\n[[seat]]\nname = \"seat0\"\n"
                                         "vm = \"test\"\noutputs = [\"HEADLESS-1\"]\n";

// The clipboard in status: the VM's peer with QEMU and whether the guest
// has text (never the text), the seat's buffer (empty: no chord yet).
TEST_F(ControlStatus, ClipboardStateAndBufferSizesOnly)
{
    FakeQemu fake("10.1", "--clipboard");
    const int fd = fake.take_client_fd();
    start(kClipboardConfig, {"--vm-fd", "test=" + std::to_string(fd)}, {fd});
    close(fd);
    ASSERT_EQ(command(fake, "wait-clipboard"), "ok");
    ASSERT_EQ(command(fake, "guest-copy a private note"), "ok");
    const json reply = status();
    const json &clipboard = reply["vms"][0]["clipboard"];
    EXPECT_EQ(clipboard.value("state", ""), "registered") << reply.dump();
    EXPECT_EQ(clipboard.value("guest_has_text", false), true) << reply.dump();
    EXPECT_TRUE(reply["seats"][0]["clipboard"]["bytes"].is_null()) << reply.dump();
    EXPECT_EQ(reply["seats"][0]["clipboard"].value("shared", true), false);
    const CommandResult text = ctl({"status"});
    EXPECT_NE(text.output.find("  clipboard: registered (the guest has copied text)"),
              std::string::npos)
        << text.output;
    EXPECT_NE(text.output.find("  clipboard: empty\n"), std::string::npos) << text.output;
    EXPECT_EQ(text.output.find("private note"), std::string::npos) << text.output;
    EXPECT_EQ(reply.dump().find("private note"), std::string::npos);
    // Status asked nothing of QEMU's clipboard.
    EXPECT_EQ(command(fake, "clipboard-calls"), "ok register");
}

// QEMU 7.2 keeps the clipboard peer of an earlier display connection: the
// session's Register fails, and status says why and until when.
TEST_F(ControlStatus, Qemu72ReRegistrationFailureIsShown)
{
    FakeQemu fake("7.2", "--clipboard --clipboard-reconnect");
    const int fd = fake.take_client_fd();
    start(kClipboardConfig, {"--vm-fd", "test=" + std::to_string(fd)}, {fd});
    close(fd);
    ASSERT_EQ(command(fake, "wait-listener").rfind("ok", 0), 0u);
    json reply;
    // Register is answered before the listener's setup ends; one more
    // status round trip covers a slow answer.
    for (int i = 0; i < 50; ++i) {
        reply = status();
        if (reply["vms"][0]["clipboard"].value("state", "") != "registering")
            break;
        ASSERT_EQ(command(fake, "clipboard-state").rfind("ok", 0), 0u);
    }
    const json &clipboard = reply["vms"][0]["clipboard"];
    EXPECT_EQ(clipboard.value("state", ""), "unavailable") << reply.dump();
    EXPECT_EQ(clipboard.value("detail", ""), "QEMU 7.2: unavailable until the VM restarts");
    const CommandResult text = ctl({"status"});
    EXPECT_NE(
        text.output.find("  clipboard: unavailable: QEMU 7.2: unavailable until the VM restarts"),
        std::string::npos)
        << text.output;
}

} // namespace
} // namespace phyllome::test
