// `phyllomectl vm create` and `vm adopt` against the real session binary on
// libvirt's embedded QEMU driver (no daemon; root here): the created domain
// has a new disk, starts (autostart) and shows on its seat; an adopted
// domain gets a D-Bus display and a tablet, its old definition is saved,
// and then it shows too. Both output styles.
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "compositor/status_card.hpp"
#include "tests/support/process.hpp"
#include "tests/support/session.hpp"

namespace phyllome::test {
namespace {

using nlohmann::json;

// Each capture waits for a frame of the output; QEMU needs a few seconds to
// start under TCG.
constexpr int kMaxCaptures = 600;

class VmAdmin : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (getuid() != 0)
            GTEST_SKIP() << "libvirt's embedded QEMU driver needs root here";
        if (required_env("QEMU").empty())
            GTEST_SKIP() << "qemu-system-x86_64 is not installed";
        std::string dir = "/tmp/pva-XXXXXX"; // short: QEMU's socket paths live below it
        ASSERT_TRUE(mkdtemp(dir.data()));
        dir_ = dir;
        // libvirt_uri = "embedded": the session prepares this root itself.
        root_ = dir_ + "/state/phyllome/libvirt";
        uri_ = "qemu:///embed?root=" + root_;
    }

    void TearDown() override
    {
        session_.reset();
        if (!dir_.empty()) {
            // The embedded driver's QEMUs outlive the session.
            for (const char *vm : {"fresh", "old"})
                run_command({"virsh", "-q", "-c", uri_, "destroy", vm});
            std::filesystem::remove_all(dir_);
        }
    }

    void start_session()
    {
        const std::string config = dir_ + "/session.toml";
        std::ofstream(config) << "[session]\nlibvirt_uri = \"embedded\"\n\n"
                                 "[[vm]]\nname = \"fresh\"\nautostart = true\nscaling = \"none\"\n"
                                 "follow_output = false\n\n"
                                 "[[vm]]\nname = \"old\"\nautostart = true\nscaling = \"none\"\n"
                                 "follow_output = false\n\n"
                                 "[[seat]]\nname = \"seat0\"\nvm = \"fresh\"\n"
                                 "outputs = [\"HEADLESS-1\"]\n";
        session_ = std::make_unique<SessionProcess>(
            std::vector<std::string>{"--config", config, "--headless", "800x600"},
            EnvChanges{{"XDG_STATE_HOME", dir_ + "/state"}});
        ASSERT_TRUE(session_->wait_ready()) << session_->log();
        // libvirt's embedded driver is one per process: wait until the
        // session's connection is open (the VM it shows has a libvirt state).
        bool connected = false;
        for (int i = 0; i < 200 && !connected; ++i) {
            const json status = json::parse(ctl({"--json", "status"}).output, nullptr, false);
            for (const json &vm : status.value("vms", json::array()))
                if (vm.value("name", "") == "fresh")
                    connected = vm.value("state", "").rfind("Connecting", 0) != 0;
        }
        ASSERT_TRUE(connected) << session_->log();
    }

    CommandResult ctl(const std::vector<std::string> &args)
    {
        std::vector<std::string> argv = {required_env("PHYLLOMECTL")};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(
            argv, {{"XDG_RUNTIME_DIR", session_->runtime_dir()}, {"PHYLLOME_SOCKET", std::nullopt}},
            std::chrono::seconds(120));
    }

    // The VM's frame replaced the status card: SeaBIOS's black screen
    // (no bootable disk) where the card's background was.
    bool shows_a_vm()
    {
        for (int i = 0; i < kMaxCaptures; ++i) {
            auto image = session_->capture("HEADLESS-1");
            if (!image)
                return false;
            if (image->at(1, 1) != kBackgroundColor)
                return true;
        }
        return false;
    }

    std::string dir_, root_, uri_;
    std::unique_ptr<SessionProcess> session_;
};

TEST_F(VmAdmin, CreatedVmStartsAndShowsOnItsSeat)
{
    start_session();
    const CommandResult created = ctl({"vm", "create", "fresh", "--os", "other", "--memory", "256M",
                                       "--disk-size", "1G", "--cpus", "1"});
    ASSERT_EQ(created.exit_code, 0) << created.output << session_->log();
    // "embedded" made the root and its qemu.conf under XDG_STATE_HOME.
    EXPECT_TRUE(std::filesystem::is_regular_file(root_ + "/etc/qemu.conf"));
    const std::string disk = dir_ + "/state/phyllome/disks/fresh.qcow2";
    EXPECT_NE(created.output.find("vm fresh defined: disk " + disk + ", 256 MiB of memory, 1 CPU,"),
              std::string::npos)
        << created.output;
    EXPECT_TRUE(std::filesystem::is_regular_file(disk));
    // The seat shows "fresh" with autostart: libvirt's define event makes
    // the session start it and show it.
    EXPECT_TRUE(shows_a_vm()) << session_->log();

    // Again: refused, and the disk is not touched.
    const auto disk_time = std::filesystem::last_write_time(disk);
    const CommandResult again = ctl({"vm", "create", "fresh", "--os", "linux"});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.output.find("a VM named fresh exists"), std::string::npos) << again.output;
    EXPECT_EQ(std::filesystem::last_write_time(disk), disk_time);

    // Bad values are bad usage, one line each stating the rule; nothing is
    // created.
    for (const auto &[args, message] :
         std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"vm", "create", "x", "--os", "beos"}, "--os must be linux, windows or other"},
             {{"vm", "create", "x", "--os", "linux", "--memory", "lots"},
              "--memory takes a whole number of MiB from 256M to 4T"},
             {{"vm", "create", "x", "--os", "linux", "--memory", "64M"},
              "--memory takes a whole number of MiB from 256M to 4T"},
             {{"vm", "create", "../x", "--os", "linux"}, "a VM name uses only"},
             {{"vm", "create", "x", "--os", "linux", "--iso", "/nonexistent.iso"},
              "no ISO image"}}) {
        const CommandResult refused = ctl(args);
        EXPECT_EQ(refused.exit_code, 2) << refused.output;
        EXPECT_NE(refused.output.find(message), std::string::npos) << refused.output;
    }
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/state/phyllome/disks/x.qcow2"));
}

TEST_F(VmAdmin, AdoptedVmGetsTheDisplayAndShows)
{
    // A domain made elsewhere: SPICE-less, no D-Bus display, a PS/2 mouse.
    const std::string old_xml = dir_ + "/old.xml";
    std::ofstream(old_xml) << "<domain type='qemu'><name>old</name><memory unit='MiB'>64</memory>"
                              "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
                              "<emulator>"
                           << required_env("QEMU")
                           << "</emulator><video><model type='vga'/></video>"
                              "</devices></domain>";
    // Defined before the session runs, as another tool would, with the
    // qemu.conf the session writes for an embedded root.
    std::filesystem::create_directories(root_ + "/etc");
    std::ofstream(root_ + "/etc/qemu.conf")
        << "user = \"root\"\ngroup = \"root\"\nsecurity_driver = \"none\"\n"
           "cgroup_controllers = [ ]\nnamespaces = [ ]\nstdio_handler = \"file\"\n";
    const CommandResult defined = run_command({"virsh", "-q", "-c", uri_, "define", old_xml});
    ASSERT_EQ(defined.exit_code, 0) << defined.output;
    start_session();

    const CommandResult adopted = ctl({"--json", "vm", "adopt", "old"});
    ASSERT_EQ(adopted.exit_code, 0) << adopted.output << session_->log();
    const json reply = json::parse(adopted.output, nullptr, false);
    ASSERT_TRUE(reply.is_object()) << adopted.output;
    EXPECT_EQ(reply["added"],
              json({"<graphics type='dbus' p2p='yes'/>", "<input type='tablet' bus='usb'/>"}));
    const std::string saved = reply.value("saved", "");
    ASSERT_TRUE(std::filesystem::is_regular_file(saved)) << saved;
    EXPECT_EQ(std::filesystem::status(saved).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::ifstream saved_file(saved);
    const std::string saved_xml((std::istreambuf_iterator<char>(saved_file)),
                                std::istreambuf_iterator<char>());
    EXPECT_EQ(saved_xml.find("dbus"), std::string::npos) << "the saved copy is the old one";

    // Adopting again changes nothing; the human style says so.
    const CommandResult again = ctl({"vm", "adopt", "old"});
    EXPECT_EQ(again.exit_code, 0) << again.output;
    EXPECT_EQ(again.output, "vm old already has what the session needs\n");

    const CommandResult switched = ctl({"switch", "seat0", "old"});
    ASSERT_EQ(switched.exit_code, 0) << switched.output;
    EXPECT_TRUE(shows_a_vm()) << session_->log();

    const CommandResult missing = ctl({"vm", "adopt", "nobody"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("no VM named nobody"), std::string::npos) << missing.output;
}

// The doctor needs no session: it is what to run when the session will not
// start. What this machine has varies (KVM, GPU); the report's shape and the
// VM checks do not.
TEST(Doctor, ChecksThisPcAndEachVmOfTheSessionFile)
{
    char dir[] = "/tmp/phyllome-doctor-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir));
    const std::string config = std::string(dir) + "/session.toml";
    std::ofstream(config) << "[session]\nlibvirt_uri = \"test:///default\"\n"
                             "[[vm]]\nname = \"test\"\n[[vm]]\nname = \"absent\"\n"
                             "[[seat]]\nname = \"s\"\nvm = \"test\"\n";
    const CommandResult result =
        run_command({required_env("PHYLLOMECTL"), "--json", "doctor", "--config", config});
    std::filesystem::remove_all(dir);
    const json report = json::parse(result.output, nullptr, false);
    ASSERT_TRUE(report.is_object()) << result.output;
    std::map<std::string, json> checks;
    for (const json &check : report["checks"])
        checks[check["what"].get<std::string>()] = check;
    for (const char *what : {"KVM", "render node", "virglrenderer", "session file",
                             "libvirt test:///default", "VM test", "VM absent"})
        EXPECT_TRUE(checks.count(what)) << what << "\n" << result.output;
    EXPECT_TRUE(checks["session file"]["ok"].get<bool>());
    EXPECT_TRUE(checks["libvirt test:///default"]["ok"].get<bool>());
    // libvirt's test domain has no D-Bus display; the fix is to adopt it.
    EXPECT_FALSE(checks["VM test"]["ok"].get<bool>());
    EXPECT_EQ(checks["VM test"]["fix"], "phyllomectl vm adopt test");
    EXPECT_FALSE(checks["VM absent"]["ok"].get<bool>());
    // Something failed, so the exit status says so.
    EXPECT_FALSE(report["ok"].get<bool>());
    EXPECT_EQ(result.exit_code, 1);

    const CommandResult text =
        run_command({required_env("PHYLLOMECTL"), "doctor", "--config", "/nonexistent.toml"});
    EXPECT_EQ(text.exit_code, 1);
    EXPECT_NE(text.output.find("FAIL  session file"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("fix: phyllome-session --check-config"), std::string::npos)
        << text.output;
}

} // namespace
} // namespace phyllome::test
