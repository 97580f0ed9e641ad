// The libvirt connection dropped and restored: a libvirt daemon of the
// test's own (libvirtd with only its built-in test driver, on sockets in a
// temporary directory) is killed while a seat shows a VM through it and
// another seat shows a fake QEMU's frames, then started again. The
// compositor runs in this process: its loop, its status, its outputs.
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "base/off_loop.hpp"
#include "compositor/input_devices.hpp"
#include "session/control_status.hpp"
#include "tests/support/fake_qemu.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/notify.hpp"
#include "tests/support/process.hpp"
#include "tests/support/seated_vms.hpp"

namespace phyllome::test {
namespace {

using nlohmann::json;

std::string read_text(const std::string &path)
{
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

// A private libvirtd: its own configuration, sockets, pid file and log in
// `dir`, no TCP, no authentication on its sockets (they are in a directory
// only this user can reach), and no driver modules (an empty
// LIBVIRT_DRIVER_DIR), so it offers only libvirt's built-in test driver and
// touches nothing of the host (no QEMU driver state, no networks). It dies
// with its object, and with this process (PR_SET_PDEATHSIG) should the test
// crash.
class Libvirtd {
public:
    Libvirtd(std::string binary, std::string dir) : binary_(std::move(binary)), dir_(std::move(dir))
    {
        std::filesystem::create_directories(dir_ + "/drivers");
        std::ofstream(dir_ + "/libvirtd.conf")
            << "unix_sock_dir = \"" << dir_ << "\"\n"
            << "unix_sock_rw_perms = \"0700\"\nunix_sock_ro_perms = \"0700\"\n"
               "auth_unix_rw = \"none\"\nauth_unix_ro = \"none\"\n"
               "listen_tcp = 0\nlisten_tls = 0\nlog_outputs = \"3:stderr\"\n";
        notify_ = std::make_unique<NotifySocket>(dir_ + "/notify");
    }
    ~Libvirtd() { kill_now(); }
    Libvirtd(const Libvirtd &) = delete;
    Libvirtd &operator=(const Libvirtd &) = delete;

    std::string socket() const { return dir_ + "/libvirt-sock"; }
    std::string uri() const { return "test+unix:///default?socket=" + socket(); }
    pid_t pid() const { return pid_; }

    // Starts it and waits for its READY=1 (sent once its sockets listen);
    // false, with log() saying why, if it exited or never got ready.
    bool start()
    {
        ++starts_;
        const std::string log = log_path();
        std::vector<std::string> args = {binary_, "--config", dir_ + "/libvirtd.conf", "--pid-file",
                                         dir_ + "/libvirtd.pid"};
        std::vector<std::string> env = {"NOTIFY_SOCKET=" + notify_->path(),
                                        "LIBVIRT_DRIVER_DIR=" + dir_ + "/drivers"};
        for (char **e = environ; *e; ++e)
            if (std::string_view(*e).rfind("NOTIFY_SOCKET=", 0) != 0 &&
                std::string_view(*e).rfind("LIBVIRT_DRIVER_DIR=", 0) != 0)
                env.emplace_back(*e);
        std::vector<char *> argv, envp;
        for (auto &a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        for (auto &e : env)
            envp.push_back(e.data());
        envp.push_back(nullptr);

        const pid_t parent = getpid();
        pid_ = fork();
        if (pid_ < 0)
            return false;
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(127);
            const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (out >= 0) {
                dup2(out, STDOUT_FILENO);
                dup2(out, STDERR_FILENO);
            }
            execve(argv[0], argv.data(), envp.data());
            _exit(127);
        }
        // Its readiness, or its end: whichever comes first.
        const bool ready = notify_
                               ->wait_for([](const std::string &m) {
                                   return m.find("READY=1") != std::string::npos;
                               })
                               .has_value();
        if (!ready || !accepts_connections()) {
            kill_now();
            return false;
        }
        return true;
    }

    // SIGKILL: no goodbye to its clients, as a crash or an OOM kill.
    void kill_now()
    {
        if (pid_ <= 0)
            return;
        ::kill(pid_, SIGKILL);
        wait_for_exit(pid_, std::chrono::seconds(10));
        pid_ = -1;
    }

    std::string log() const { return read_text(log_path()); }

private:
    std::string log_path() const { return dir_ + "/libvirtd-" + std::to_string(starts_) + ".log"; }

    bool accepts_connections() const
    {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const std::string path = socket();
        if (fd < 0 || path.size() >= sizeof address.sun_path)
            return false;
        path.copy(address.sun_path, path.size());
        const bool connected =
            connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0;
        close(fd);
        return connected;
    }

    std::string binary_, dir_;
    std::unique_ptr<NotifySocket> notify_;
    pid_t pid_ = -1;
    int starts_ = 0;
};

constexpr uint32_t kColourB = 0x445566;

class LibvirtDaemon : public ::testing::Test {
protected:
    void SetUp() override
    {
        const std::string binary = required_env("LIBVIRTD");
        if (binary.empty())
            GTEST_SKIP() << "libvirtd is not installed";
        std::string dir = "/tmp/plvd-XXXXXX"; // short: socket paths live below it
        ASSERT_TRUE(mkdtemp(dir.data()));
        dir_ = dir;
        daemon_ = std::make_unique<Libvirtd>(binary, dir_);
        if (!daemon_->start()) {
            const std::string why = "libvirtd cannot run here: " + daemon_->log();
            if (std::getenv("CI"))
                FAIL() << why; // CI installs it: it must run there
            GTEST_SKIP() << why;
        }

        // Seat a shows the test driver's running domain "test" (it has no
        // D-Bus display: its state is all there is to see); seat b a VM of
        // its own, from a fake QEMU, that libvirt knows nothing of.
        config_.session.libvirt_uri = daemon_->uri();
        for (const char *name : {"test", "b"}) {
            config::Vm vm;
            vm.name = name;
            vm.follow_output = false;
            vm.scaling = config::Scaling::Stretch;
            config_.vms.push_back(vm);
        }
        config::Seat a;
        a.name = "a";
        a.vm = "test";
        a.outputs = {"HEADLESS-1"};
        config::Seat b;
        b.name = "b";
        b.vm = "b";
        b.outputs = {"HEADLESS-2"};
        config_.seats = {a, b};

        fake_b_ = std::make_unique<FakeQemu>("9.2");
        Server::Settings settings;
        settings.headless = {{320, 240}, {320, 240}};
        connect_server(settings, side_);
        session_ = std::make_unique<InProcessSession>(std::move(settings), [this](Server &server) {
            side_ = std::make_unique<SeatedVms>(
                server, [this]() -> const config::Config & { return config_; });
        });
        side_->fleet.attach_manual("b", base::UniqueFd(fake_b_->take_client_fd()));
        side_->seats.follow_vms();
        side_->seats.assign();
        off_ = std::make_unique<base::OffLoop>(session_->server().event_loop());
        ASSERT_TRUE(session_->dispatch_until([&] { return session_->ready(); }));
        ASSERT_EQ(fake_b_->command(*session_, "wait-listener").rfind("ok", 0), 0u);
        ASSERT_EQ(fake_b_->command(*session_, "scanout 64 48 x8r8g8b8 445566"), "ok");
        ASSERT_TRUE(shows("HEADLESS-2", kColourB));
    }

    void TearDown() override
    {
        off_.reset();
        side_.reset();
        session_.reset();
        fake_b_.reset();
        daemon_.reset();
        if (!dir_.empty())
            std::filesystem::remove_all(dir_);
    }

    bool shows(const std::string &output, uint32_t colour)
    {
        return session_->shows(output, 160, 120, colour);
    }

    // Seat b's fake QEMU draws a new frame: the session must show it.
    void expect_seat_b_presents(uint32_t colour)
    {
        EXPECT_EQ(fake_b_->command(*session_, fill_update(colour)), "ok");
        EXPECT_TRUE(shows("HEADLESS-2", colour)) << "seat b stopped presenting frames";
    }

    libvirt::VmLink::State state() const { return side_->fleet.link("test")->state(); }
    bool wait_state(libvirt::VmLink::State wanted)
    {
        return session_->dispatch_until([&] { return state() == wanted; },
                                        std::chrono::seconds(30));
    }

    // What `phyllomectl status` says of VM "test".
    std::string status_of_test()
    {
        const json status =
            status_json(config_, side_->seats, side_->fleet, session_->server(), side_->input);
        for (const json &vm : status["vms"])
            if (vm.value("name", "") == "test")
                return vm.value("state", "");
        return "(not listed)";
    }

    // A libvirt call of the test's own to the daemon, off the loop, the
    // session running meanwhile; libvirt's error, empty on success.
    std::string test_domain_call(int (*call)(virDomainPtr))
    {
        std::string error;
        bool done = false;
        off_->run(
            [&, uri = daemon_->uri()] {
                virConnectPtr conn = virConnectOpen(uri.c_str());
                virDomainPtr dom = conn ? virDomainLookupByName(conn, "test") : nullptr;
                if (!dom || call(dom) < 0)
                    error = virGetLastErrorMessage();
                if (dom)
                    virDomainFree(dom);
                if (conn)
                    virConnectClose(conn);
            },
            [&] { done = true; });
        EXPECT_TRUE(session_->dispatch_until([&] { return done; }, std::chrono::seconds(60)));
        return error;
    }

    std::string dir_;
    std::unique_ptr<Libvirtd> daemon_;
    config::Config config_;
    std::unique_ptr<FakeQemu> fake_b_;
    std::unique_ptr<InProcessSession> session_;
    std::unique_ptr<SeatedVms> side_;
    std::unique_ptr<base::OffLoop> off_;
};

TEST_F(LibvirtDaemon, KilledAndRestartedDaemonIsReconnectedWhileTheOtherSeatGoesOn)
{
    using State = libvirt::VmLink::State;
    // Through the daemon: "test" runs, without a D-Bus display.
    ASSERT_TRUE(wait_state(State::NoDisplay)) << side_->fleet.state_of("test");
    EXPECT_NE(status_of_test().find("No D-Bus display"), std::string::npos) << status_of_test();

    daemon_->kill_now();
    // The session notices (end of file on its socket) and says so.
    ASSERT_TRUE(wait_state(State::Unreachable)) << side_->fleet.state_of("test");
    EXPECT_NE(status_of_test().find("libvirt unreachable (" + daemon_->uri() + ")"),
              std::string::npos)
        << status_of_test();
    EXPECT_NE(status_of_test().find("connection lost"), std::string::npos) << status_of_test();
    expect_seat_b_presents(0x102030);

    // It tries again on its own and fails (nobody listens): the status
    // gives libvirt's reason; seat b is not held up by the attempts.
    ASSERT_TRUE(session_->dispatch_until([&] {
        return side_->fleet.link("test")->error().find("connection lost") == std::string::npos;
    })) << side_->fleet.state_of("test");
    EXPECT_EQ(state(), State::Unreachable);
    EXPECT_NE(status_of_test().find(side_->fleet.link("test")->error()), std::string::npos)
        << status_of_test();
    EXPECT_NE(status_of_test().find(daemon_->socket()), std::string::npos) << status_of_test();
    expect_seat_b_presents(0x203040);
    EXPECT_EQ(side_->fleet.libvirt(daemon_->uri()), nullptr);

    // The daemon is back: the session reconnects by itself and knows the
    // VM's state again.
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
    ASSERT_TRUE(wait_state(State::NoDisplay)) << side_->fleet.state_of("test");
    EXPECT_NE(side_->fleet.libvirt(daemon_->uri()), nullptr);
    EXPECT_EQ(side_->fleet.link("test")->error(), "");
    EXPECT_NE(status_of_test().find("No D-Bus display"), std::string::npos) << status_of_test();

    // And follows its lifecycle events again: a pause made by someone else
    // reaches the status with nothing asked.
    ASSERT_EQ(test_domain_call(virDomainSuspend), "");
    ASSERT_TRUE(wait_state(State::Paused)) << side_->fleet.state_of("test");
    EXPECT_EQ(status_of_test(), "Paused");
    ASSERT_EQ(test_domain_call(virDomainResume), "");
    ASSERT_TRUE(wait_state(State::NoDisplay)) << side_->fleet.state_of("test");
    expect_seat_b_presents(0x304050);
}

} // namespace
} // namespace phyllome::test
