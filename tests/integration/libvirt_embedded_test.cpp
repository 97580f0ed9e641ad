// libvirt_uri = "embedded" with the real session binary (libvirt's embedded
// QEMU driver, no daemon; root here): a root whose pid file another process
// holds is retried until it is free, VMs with URIs of their own work beside
// the embedded driver in either order and across reloads, and a destroyed
// and restarted VM leaves one log line per cause.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "compositor/status_card.hpp"
#include "tests/support/process.hpp"
#include "tests/support/session.hpp"

namespace phyllome::test {
namespace {

using nlohmann::json;

// Each capture waits for a frame; QEMU needs a few seconds under TCG.
constexpr int kMaxCaptures = 600;
// Status polls, each a round trip to the session.
constexpr int kMaxPolls = 2000;

std::size_t count(const std::string &text, const std::string &what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

class LibvirtEmbedded : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (getuid() != 0)
            GTEST_SKIP() << "libvirt's embedded QEMU driver needs root here";
        if (required_env("QEMU").empty())
            GTEST_SKIP() << "qemu-system-x86_64 is not installed";
        std::string dir = "/tmp/pve-XXXXXX"; // short: QEMU's socket paths live below it
        ASSERT_TRUE(mkdtemp(dir.data()));
        dir_ = dir;
        root_ = dir_ + "/state/phyllome/libvirt";
        uri_ = "qemu:///embed?root=" + root_;
        // The domain, defined before the session runs (virsh holds the root
        // only while it runs), with the qemu.conf the session would write.
        std::filesystem::create_directories(root_ + "/etc");
        std::ofstream(root_ + "/etc/qemu.conf")
            << "user = \"root\"\ngroup = \"root\"\nsecurity_driver = \"none\"\n"
               "cgroup_controllers = [ ]\nnamespaces = [ ]\nstdio_handler = \"file\"\n";
        std::ofstream(dir_ + "/emb.xml")
            << "<domain type='qemu'><name>emb</name><memory unit='MiB'>64</memory>"
               "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices><emulator>"
            << required_env("QEMU")
            << "</emulator><graphics type='dbus' p2p='yes'/><video><model type='vga'/></video>"
               "</devices></domain>";
        const CommandResult defined =
            run_command({"virsh", "-q", "-c", uri_, "define", dir_ + "/emb.xml"});
        ASSERT_EQ(defined.exit_code, 0) << defined.output;
    }

    void TearDown() override
    {
        session_.reset();
        if (lock_fd_ >= 0)
            close(lock_fd_);
        if (!dir_.empty()) {
            // The embedded driver's QEMUs outlive the session.
            run_command({"virsh", "-q", "-c", uri_, "destroy", "emb"});
            std::filesystem::remove_all(dir_);
        }
    }

    // The session file: `vms` are (name, uri or "") shown one per seat, in
    // order, on HEADLESS-1, -2, ...; "emb" starts itself.
    void write_config(const std::string &libvirt_uri,
                      const std::vector<std::pair<std::string, std::string>> &vms,
                      bool follow_output = false)
    {
        std::ofstream file(dir_ + "/session.toml");
        file << "[session]\nlibvirt_uri = \"" << libvirt_uri << "\"\n\n";
        for (const auto &[name, uri] : vms) {
            file << "[[vm]]\nname = \"" << name << "\"\nscaling = \"none\"\n"
                 << "follow_output = " << (follow_output ? "true" : "false") << "\n";
            if (name == "emb")
                file << "autostart = true\n";
            if (!uri.empty())
                file << "uri = \"" << uri << "\"\n";
            file << "\n";
        }
        for (std::size_t i = 0; i < vms.size(); ++i)
            file << "[[seat]]\nname = \"seat" << i << "\"\nvm = \"" << vms[i].first
                 << "\"\noutputs = [\"HEADLESS-" << i + 1 << "\"]\n"
                 << (i == 0 ? "" : "devices = []\n") << "\n";
    }

    void start_session(int outputs)
    {
        std::string sizes;
        for (int i = 0; i < outputs; ++i)
            sizes += (i ? ",640x480" : "640x480");
        session_ = std::make_unique<SessionProcess>(
            std::vector<std::string>{"--config", dir_ + "/session.toml", "--headless", sizes},
            EnvChanges{{"XDG_STATE_HOME", dir_ + "/state"}});
        ASSERT_TRUE(session_->wait_ready()) << session_->log();
    }

    CommandResult ctl(std::vector<std::string> args)
    {
        // In front of the caller's own vector: a copy of it made GCC 16 warn
        // wrongly (-Wfree-nonheap-object) where a caller's braced list ended.
        args.insert(args.begin(), required_env("PHYLLOMECTL"));
        return run_command(
            args, {{"XDG_RUNTIME_DIR", session_->runtime_dir()}, {"PHYLLOME_SOCKET", std::nullopt}},
            std::chrono::seconds(120));
    }

    void reload()
    {
        const CommandResult reloaded = ctl({"reload"});
        ASSERT_EQ(reloaded.exit_code, 0) << reloaded.output << session_->log();
    }

    std::string state_of(const std::string &vm)
    {
        const json status = json::parse(ctl({"--json", "status"}).output, nullptr, false);
        for (const json &entry : status.value("vms", json::array()))
            if (entry.value("name", "") == vm)
                return entry.value("state", "");
        return {};
    }

    // The VM's clipboard in the session's status.
    json clipboard_of(const std::string &vm)
    {
        const json status = json::parse(ctl({"--json", "status"}).output, nullptr, false);
        for (const json &entry : status.value("vms", json::array()))
            if (entry.value("name", "") == vm)
                return entry.value("clipboard", json());
        return nullptr;
    }

    // Polls the session until the VM's state satisfies `wanted`; the last
    // state seen.
    template <typename Wanted> std::string wait_state(const std::string &vm, Wanted wanted)
    {
        std::string state;
        for (int i = 0; i < kMaxPolls; ++i) {
            state = state_of(vm);
            if (wanted(state))
                break;
        }
        return state;
    }

    // The VM's frame replaced the status card on the output: SeaBIOS's
    // screen (no bootable disk) where the card's background was.
    bool shows_a_vm(const std::string &output)
    {
        for (int i = 0; i < kMaxCaptures; ++i) {
            auto image = session_->capture(output);
            if (!image)
                return false;
            if (image->at(1, 1) != kBackgroundColor)
                return true;
        }
        return false;
    }

    // Holds the embedded driver's pid file lock the way libvirt takes it:
    // a POSIX write lock on its first byte.
    void lock_root()
    {
        std::filesystem::create_directories(root_ + "/run/qemu");
        lock_fd_ =
            open((root_ + "/run/qemu/driver.pid").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        ASSERT_GE(lock_fd_, 0);
        struct flock lock = {};
        lock.l_type = F_WRLCK;
        lock.l_whence = SEEK_SET;
        lock.l_len = 1;
        ASSERT_EQ(fcntl(lock_fd_, F_SETLK, &lock), 0);
    }

    std::string dir_, root_, uri_;
    int lock_fd_ = -1;
    std::unique_ptr<SessionProcess> session_;
};

TEST_F(LibvirtEmbedded, BusyRootIsTriedAgainUntilItIsFree)
{
    lock_root();
    write_config("embedded", {{"emb", ""}});
    start_session(1);
    // The card says who holds the root, and the session keeps trying.
    const std::string busy = "the root is busy: in use by process " + std::to_string(getpid());
    const std::string state =
        wait_state("emb", [&](const std::string &s) { return s.find(busy) != std::string::npos; });
    EXPECT_NE(state.find("libvirt unreachable (" + uri_ + "): " + busy), std::string::npos)
        << state << session_->log();
    // VM administration says the same of the root it cannot open.
    const CommandResult listed = ctl({"vm", "list"});
    EXPECT_NE(listed.output.find(busy), std::string::npos) << listed.output;

    close(lock_fd_); // libvirt lets go of the lock the same way: its process ends
    lock_fd_ = -1;
    EXPECT_TRUE(shows_a_vm("HEADLESS-1")) << session_->log();
    const std::string log = session_->log();
    EXPECT_EQ(log.find("Failed to acquire pid file"), std::string::npos) << log;
    // A retry loop logs what changes: the busy root once, however many tries.
    EXPECT_EQ(count(log, busy), 1u) << log;
}

// The URIs that have no daemon here fail with the daemon's own reason (not
// "Missing URI parameter 'root'" or "no connection driver available", which
// is what libvirt says once its embedded driver runs in the process), the
// test driver works, and the embedded VM keeps showing.
void expect_beside_embedded(
    const std::string &log,
    const std::function<std::string(const std::string &, const std::string &)> &wait_reason)
{
    const std::string reason = "Failed to connect socket to '/var/run/libvirt/";
    for (const auto &[vm, uri] : {std::pair<std::string, std::string>{"sys", "qemu:///system"},
                                  {"unx", "qemu+unix:///system"}}) {
        const std::string state = wait_reason(vm, reason);
        EXPECT_NE(state.find("libvirt unreachable (" + uri + "): " + reason), std::string::npos)
            << vm << ": " << state << log;
    }
    EXPECT_EQ(wait_reason("test", "No D-Bus display"),
              "No D-Bus display: add <graphics type='dbus' p2p='yes'/> to its XML");
}

TEST_F(LibvirtEmbedded, VmUrisOfTheirOwnWorkBesideTheEmbeddedDriverInEitherOrder)
{
    const std::vector<std::pair<std::string, std::string>> others = {
        {"sys", "qemu:///system"}, {"unx", "qemu+unix:///system"}, {"test", "test:///default"}};
    auto wait_reason = [this](const std::string &vm, const std::string &text) {
        return wait_state(vm, [&](const std::string &s) {
            return s.find(text) != std::string::npos ||
                   s.find("Missing URI") != std::string::npos ||
                   s.find("no connection driver") != std::string::npos;
        });
    };
    auto with_emb = others;
    with_emb.insert(with_emb.begin(), {"emb", ""});

    // The embedded driver first, then the others added by a reload.
    write_config("embedded", {{"emb", ""}});
    start_session(4);
    ASSERT_TRUE(shows_a_vm("HEADLESS-1")) << session_->log();
    // emb's definition has no qemu-vdagent channel: the status says so, as
    // libvirt's XML has it, and how to add one.
    const json clipboard = clipboard_of("emb");
    EXPECT_EQ(clipboard.value("state", ""), "no channel") << clipboard.dump();
    EXPECT_EQ(clipboard.value("channel", json()), false) << clipboard.dump();
    EXPECT_NE(clipboard.value("detail", "").find("phyllomectl vm adopt emb adds it"),
              std::string::npos)
        << clipboard.dump();
    write_config("embedded", with_emb);
    reload();
    expect_beside_embedded(session_->log(), wait_reason);

    // Removed and added again: connections opened afresh beside it.
    write_config("embedded", {{"emb", ""}});
    reload();
    write_config("embedded", with_emb);
    reload();
    expect_beside_embedded(session_->log(), wait_reason);
    EXPECT_TRUE(shows_a_vm("HEADLESS-1")) << session_->log();

    // The other order: the others first (a session without the embedded
    // driver), then the embedded VM, then the others opened again.
    session_.reset();
    run_command({"virsh", "-q", "-c", uri_, "destroy", "emb"});
    auto others_first = others;
    others_first.insert(others_first.begin(), {"test", "test:///default"});
    others_first.pop_back(); // "test" once, on the first seat
    write_config("qemu:///system", others_first);
    start_session(4);
    expect_beside_embedded(session_->log(), wait_reason);
    write_config("qemu:///system", [&] {
        auto vms = others;
        vms.insert(vms.begin(), {"emb", "embedded"});
        return vms;
    }());
    reload();
    ASSERT_TRUE(shows_a_vm("HEADLESS-1")) << session_->log();
    write_config("qemu:///system", {{"emb", "embedded"}});
    reload();
    write_config("qemu:///system", [&] {
        auto vms = others;
        vms.insert(vms.begin(), {"emb", "embedded"});
        return vms;
    }());
    reload();
    expect_beside_embedded(session_->log(), wait_reason);
    EXPECT_TRUE(shows_a_vm("HEADLESS-1")) << session_->log();
    // Its retries logged nothing new: one line per connection (two here).
    const std::string log = session_->log();
    EXPECT_EQ(count(log, "libvirt qemu:///system: Failed to connect socket"), 2u) << log;
}

TEST_F(LibvirtEmbedded, DestroyAndRestartLogOneLinePerCause)
{
    // follow_output on a standard VGA: SetUIInfo is refused each time the
    // display opens.
    write_config("embedded", {{"emb", ""}}, true);
    start_session(1);
    ASSERT_TRUE(shows_a_vm("HEADLESS-1")) << session_->log();
    for (int i = 0; i < 3; ++i) {
        const CommandResult destroyed = ctl({"vm", "destroy", "emb"});
        ASSERT_EQ(destroyed.exit_code, 0) << destroyed.output << session_->log();
        EXPECT_EQ(wait_state("emb", [](const std::string &s) { return s == "Shut off"; }),
                  "Shut off");
        const CommandResult started = ctl({"vm", "start", "emb"});
        ASSERT_EQ(started.exit_code, 0) << started.output << session_->log();
        ASSERT_TRUE(shows_a_vm("HEADLESS-1")) << session_->log();
    }
    const std::string log = session_->log();
    EXPECT_EQ(count(log, "keeps its size"), 1u) << log;
    // No display request reached a QEMU that libvirt was tearing down.
    EXPECT_EQ(log.find("Object cannot be NULL"), std::string::npos) << log;
    EXPECT_EQ(log.find("monitor must not be NULL"), std::string::npos) << log;
}

} // namespace
} // namespace phyllome::test
