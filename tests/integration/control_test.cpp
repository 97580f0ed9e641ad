// The control socket of the real session binary, driven by the real
// phyllomectl and by raw peers: every command, both output styles, and
// peers that send garbage, too much, half a request, or come in crowds.
// VMs through libvirt's built-in test driver, whose domain "test" runs
// (without a D-Bus display) and which knows no "other".
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "control/request.hpp"
#include "tests/support/control_client.hpp"
#include "tests/support/session.hpp"

namespace phyllome::test {
namespace {

using nlohmann::json;

std::string session_file(const std::string &left_vm)
{
    return "[session]\nlibvirt_uri = \"test:///default\"\n\n"
           "[[vm]]\nname = \"test\"\n\n[[vm]]\nname = \"other\"\n\n"
           "[[seat]]\nname = \"left\"\nvm = \"" +
           left_vm +
           "\"\noutputs = [\"HEADLESS-1\"]\ndevices = [\"name:Left*\"]\n\n"
           "[[seat]]\nname = \"right\"\nvm = \"other\"\nvms = [\"other\", \"test\"]\n"
           "outputs = [\"HEADLESS-2\"]\n";
}

void write_file(const std::string &path, const std::string &content)
{
    std::ofstream(path, std::ios::trunc) << content;
}

class Control : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string dir =
            (std::filesystem::temp_directory_path() / "phyllome-control-XXXXXX").string();
        ASSERT_TRUE(mkdtemp(dir.data()));
        dir_ = dir;
        path_ = dir_ + "/session.toml";
        write_file(path_, session_file("test"));
        session_ = std::make_unique<SessionProcess>(
            std::vector<std::string>{"--config", path_, "--headless", "640x480,640x480"});
        ASSERT_TRUE(session_->wait_ready()) << session_->log();
        socket_ = session_->runtime_dir() + "/phyllome-" + session_->socket() + ".sock";
    }
    void TearDown() override
    {
        session_.reset();
        std::filesystem::remove_all(dir_);
    }

    // phyllomectl as a user runs it: it finds the socket in XDG_RUNTIME_DIR.
    CommandResult ctl(const std::vector<std::string> &args)
    {
        std::vector<std::string> argv = {required_env("PHYLLOMECTL")};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, {{"XDG_RUNTIME_DIR", session_->runtime_dir()},
                                  {"PHYLLOME_SOCKET", std::nullopt}});
    }
    json ctl_json(const std::vector<std::string> &args)
    {
        std::vector<std::string> with_json = {"--json"};
        with_json.insert(with_json.end(), args.begin(), args.end());
        const CommandResult result = ctl(with_json);
        EXPECT_EQ(result.exit_code, 0) << result.output;
        return json::parse(result.output, nullptr, false);
    }
    // The item of `list` with that name; an empty object if none.
    static json find(const json &list, const std::string &name)
    {
        if (list.is_array())
            for (const json &item : list)
                if (item.is_object() && item.value("name", "") == name)
                    return item;
        return json::object();
    }
    std::string vm_state(const std::string &vm)
    {
        return find(ctl_json({"status"})["vms"], vm).value("state", "(none)");
    }
    // The VM's state once it says `wanted` (libvirt answers off the
    // session's loop): asked again at most `attempts` times.
    std::string wait_vm_state(const std::string &vm, const std::string &wanted)
    {
        std::string state;
        for (int attempt = 0; attempt < 200; ++attempt) {
            state = vm_state(vm);
            if (state.find(wanted) != std::string::npos)
                break;
        }
        return state;
    }

    std::string dir_, path_, socket_;
    std::unique_ptr<SessionProcess> session_;
};

TEST_F(Control, SocketIsPrivateAndNamedAfterTheDisplay)
{
    struct stat info {};
    ASSERT_EQ(stat(socket_.c_str(), &info), 0) << socket_;
    EXPECT_TRUE(S_ISSOCK(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    EXPECT_NE(session_->log().find("PHYLLOME_SOCKET=" + socket_), std::string::npos);

    // Gone once the session ends.
    const auto status = session_->stop(SIGTERM);
    ASSERT_TRUE(status);
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
    EXPECT_FALSE(std::filesystem::exists(socket_));
}

TEST_F(Control, StatusInBothStyles)
{
    const json status = ctl_json({"status"});
    EXPECT_EQ(status["ok"], true);
    const json left = find(status["seats"], "left");
    EXPECT_EQ(left["vm"], "test");
    ASSERT_EQ(left["outputs"].size(), 1u) << status.dump();
    EXPECT_EQ(left["outputs"][0]["name"], "HEADLESS-1");
    EXPECT_EQ(left["outputs"][0]["width"], 640);
    EXPECT_TRUE(left["outputs"][0]["console"].is_null()); // no display: the card
    EXPECT_EQ(find(status["vms"], "other")["shown_on"], json::array({"right"}));
    EXPECT_NE(wait_vm_state("other", "Not defined").find("Not defined"), std::string::npos);

    const CommandResult human = ctl({"status"});
    EXPECT_EQ(human.exit_code, 0) << human.output;
    EXPECT_NE(human.output.find("seat left: test ("), std::string::npos) << human.output;
    EXPECT_NE(human.output.find("output HEADLESS-2 640x480: status card"), std::string::npos)
        << human.output;
    EXPECT_NE(human.output.find("vm other: Not defined in libvirt"), std::string::npos)
        << human.output;
}

TEST_F(Control, DevicesInBothStyles)
{
    // Headless: no input devices at all.
    const json devices = ctl_json({"devices"});
    EXPECT_EQ(devices["ok"], true);
    EXPECT_EQ(devices["devices"], json::array());
    const CommandResult human = ctl({"devices"});
    EXPECT_EQ(human.exit_code, 0);
    EXPECT_EQ(human.output, "no input devices\n");
}

TEST_F(Control, Switch)
{
    const CommandResult done = ctl({"switch", "right", "test"});
    EXPECT_EQ(done.exit_code, 0) << done.output;
    EXPECT_EQ(done.output, "seat right shows test\n");
    EXPECT_EQ(find(ctl_json({"status"})["seats"], "right")["vm"], "test");

    // Not in the seat's list, an unknown seat: refused with one line.
    const CommandResult refused = ctl({"switch", "right", "nosuch"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(refused.output,
              "phyllomectl: seat right may not show VM \"nosuch\" (it may show: other, test)\n");
    const CommandResult unknown = ctl({"switch", "middle", "test"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.output.find("no seat \"middle\""), std::string::npos) << unknown.output;
    EXPECT_EQ(find(ctl_json({"status"})["seats"], "left")["vm"], "test");
}

TEST_F(Control, ReloadAppliesTheEditedFile)
{
    write_file(path_, session_file("other"));
    const CommandResult reloaded = ctl({"reload"});
    EXPECT_EQ(reloaded.exit_code, 0) << reloaded.output;
    EXPECT_EQ(reloaded.output.rfind("Reloaded " + path_, 0), 0u) << reloaded.output;
    EXPECT_EQ(find(ctl_json({"status"})["seats"], "left")["vm"], "other");

    write_file(path_, "[[seat]\n");
    const CommandResult refused = ctl({"--json", "reload"});
    EXPECT_EQ(refused.exit_code, 1);
    const json reply = json::parse(refused.output, nullptr, false);
    EXPECT_EQ(reply["ok"], false);
    EXPECT_NE(reply.value("error", "").find("Session file invalid"), std::string::npos);
    EXPECT_EQ(find(ctl_json({"status"})["seats"], "left")["vm"], "other");
}

TEST_F(Control, VmShutdownStartDestroy)
{
    // libvirt's test domain runs, without a D-Bus display.
    EXPECT_NE(wait_vm_state("test", "No D-Bus display").find("No D-Bus display"),
              std::string::npos);

    const CommandResult shutdown = ctl({"vm", "shutdown", "test"});
    EXPECT_EQ(shutdown.exit_code, 0) << shutdown.output;
    EXPECT_EQ(shutdown.output, "vm test: shutdown done\n");
    EXPECT_EQ(wait_vm_state("test", "Shut off"), "Shut off");

    const json started = ctl_json({"vm", "start", "test"});
    EXPECT_EQ(started["action"], "start");
    EXPECT_NE(wait_vm_state("test", "No D-Bus display").find("No D-Bus display"),
              std::string::npos);

    EXPECT_EQ(ctl({"vm", "destroy", "test"}).exit_code, 0);
    EXPECT_EQ(wait_vm_state("test", "Shut off"), "Shut off");

    // libvirt's refusal, a VM the file does not name: one line, exit 1.
    const CommandResult again = ctl({"vm", "destroy", "test"});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_EQ(again.output.rfind("phyllomectl: vm test: ", 0), 0u) << again.output;
    const CommandResult undefined = ctl({"vm", "start", "other"});
    EXPECT_EQ(undefined.exit_code, 1);
    EXPECT_NE(undefined.output.find("vm other"), std::string::npos) << undefined.output;
    // Looked for on the session's connections, not only among shown VMs.
    const CommandResult unknown = ctl({"vm", "start", "nosuch"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_EQ(unknown.output, "phyllomectl: vm nosuch: no VM named nosuch on test:///default\n");
}

TEST_F(Control, VmListShowsLibvirtsDomainsAndTheFilesVms)
{
    // libvirt's test driver runs "test"; the file's "other" is not defined.
    const CommandResult listed = ctl({"vm", "list"});
    EXPECT_EQ(listed.exit_code, 0) << listed.output;
    EXPECT_EQ(listed.output, "vm test: running, shown on left\n"
                             "vm other: not defined, shown on right\n")
        << listed.output;
    const json reply = ctl_json({"vm", "list"});
    const json test = find(reply["vms"], "test");
    EXPECT_EQ(test["uri"], "test:///default");
    EXPECT_EQ(test["in_session_file"], true);
    EXPECT_EQ(reply["unreachable"], json::array());
}

TEST_F(Control, PhyllomectlUsage)
{
    const CommandResult help = ctl({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.output.find("Usage: phyllomectl"), std::string::npos);
    const CommandResult bad = ctl({"vm", "explode", "test"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_EQ(std::count(bad.output.begin(), bad.output.end(), '\n'), 1) << bad.output;
    // --socket wins over the lookup.
    const CommandResult wrong = ctl({"--socket", dir_ + "/absent.sock", "status"});
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_NE(wrong.output.find("cannot connect"), std::string::npos) << wrong.output;
}

// Error replies on a raw connection, which stays usable after them.
TEST_F(Control, GarbageGetsAnErrorAndTheConnectionGoesOn)
{
    ControlClient client(socket_);
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.send("garbage\n\n[1]\n{\"command\":\"reboot\"}\n\xff\xfe\n"
                            "{\"command\":\"status\"}\n"));
    for (const char *expected : {"not valid JSON", "empty request", "must be a JSON object",
                                 "unknown command", "not valid JSON"}) {
        const json reply = json::parse(client.read_line().value_or("null"), nullptr, false);
        EXPECT_EQ(reply.value("ok", true), false) << reply.dump();
        EXPECT_NE(reply.value("error", "").find(expected), std::string::npos) << reply.dump();
    }
    const json status = json::parse(client.read_line().value_or("null"), nullptr, false);
    EXPECT_EQ(status.value("ok", false), true);
}

TEST_F(Control, OversizedLineIsRefusedAndClosed)
{
    ControlClient client(socket_);
    ASSERT_TRUE(client.connected());
    client.send(std::string(control::kMaxRequestBytes + 100, 'x'));
    const json reply = json::parse(client.read_line().value_or("null"), nullptr, false);
    EXPECT_EQ(reply.value("ok", true), false);
    EXPECT_NE(reply.value("error", "").find("longer than 65536 bytes"), std::string::npos)
        << reply.dump();
    EXPECT_TRUE(client.wait_closed());
    EXPECT_EQ(ctl({"status"}).exit_code, 0);
}

TEST_F(Control, HalfAMessageThenClose)
{
    ControlClient polite(socket_);
    ASSERT_TRUE(polite.send("{\"command\":\"sta"));
    polite.shutdown_write();
    const json reply = json::parse(polite.read_line().value_or("null"), nullptr, false);
    EXPECT_NE(reply.value("error", "").find("incomplete request"), std::string::npos);
    EXPECT_TRUE(polite.wait_closed());

    ControlClient abrupt(socket_);
    ASSERT_TRUE(abrupt.send("{\"command\":\"sta"));
    abrupt.close();
    EXPECT_EQ(ctl({"status"}).exit_code, 0);
}

TEST_F(Control, TwoHundredClientsAtOnceAreAllAnswered)
{
    std::vector<std::unique_ptr<ControlClient>> clients;
    for (int i = 0; i < 200; ++i) {
        clients.push_back(std::make_unique<ControlClient>(socket_));
        ASSERT_TRUE(clients.back()->connected()) << i;
    }
    // Every one sends before any reads: the session holds them all at once.
    for (auto &client : clients)
        ASSERT_TRUE(client->send("{\"command\":\"status\"}\n"));
    int answered = 0;
    for (auto &client : clients) {
        const json reply = json::parse(client->read_line().value_or("null"), nullptr, false);
        answered += reply.is_object() && reply.value("ok", false) ? 1 : 0;
    }
    EXPECT_EQ(answered, 200);
    clients.clear();
    EXPECT_EQ(ctl({"status"}).exit_code, 0);
    EXPECT_EQ(kill(session_->pid(), 0), 0);
}

TEST_F(Control, PeerOfAnotherUserIsRefused)
{
    if (getuid() != 0)
        GTEST_SKIP() << "needs root to become another user";
    // The socket's mode already keeps others out; opened up here to reach
    // the session's own check (SO_PEERCRED).
    ASSERT_EQ(chmod(session_->runtime_dir().c_str(), 0755), 0);
    ASSERT_EQ(chmod(socket_.c_str(), 0666), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        ControlClient client(socket_);
        if (!client.connected())
            _exit(3);
        // The session may refuse before the request is even sent (it checks
        // at accept): then sending fails, and the refusal is still there to
        // read.
        client.send("{\"command\":\"status\"}\n");
        const auto line = client.read_line();
        const bool refused = line && line->find("permission denied") != std::string::npos &&
                             line->find("\"ok\":false") != std::string::npos;
        _exit(refused && client.wait_closed() ? 0 : 4);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "2: setuid, 3: connect, 4: not refused";
    EXPECT_EQ(ctl({"status"}).exit_code, 0);
}

} // namespace
} // namespace phyllome::test
