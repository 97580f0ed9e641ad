// `phyllomectl vm create` and `vm adopt` against the real session binary on
// libvirt's embedded QEMU driver (no daemon; root here): the created domain
// has a new disk, starts (autostart) with its clipboard channel and shows on
// its seat; an adopted domain gets a D-Bus display, a tablet and the
// clipboard channel, its old definition is saved,
// and then it shows too. Both output styles.
#include <algorithm>
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

    // Seat seat0 shows `shown` (and may show both VMs); `env` is added to
    // the session's environment.
    void start_session(const std::string &shown = "fresh", EnvChanges env = {})
    {
        const std::string config = dir_ + "/session.toml";
        std::ofstream(config) << "[session]\nlibvirt_uri = \"embedded\"\n\n"
                                 "[[vm]]\nname = \"fresh\"\nautostart = true\nscaling = \"none\"\n"
                                 "follow_output = false\n\n"
                                 "[[vm]]\nname = \"old\"\nautostart = true\nscaling = \"none\"\n"
                                 "follow_output = false\n\n"
                                 "[[seat]]\nname = \"seat0\"\nvm = \""
                              << shown
                              << "\"\nvms = [\"fresh\", \"old\"]\n"
                                 "outputs = [\"HEADLESS-1\"]\n";
        env["XDG_STATE_HOME"] = dir_ + "/state";
        session_ = std::make_unique<SessionProcess>(
            std::vector<std::string>{"--config", config, "--headless", "800x600"}, env);
        ASSERT_TRUE(session_->wait_ready()) << session_->log();
        // libvirt's embedded driver is one per process: wait until the
        // session's connection is open (the VM it shows has a libvirt state).
        bool connected = false;
        for (int i = 0; i < 200 && !connected; ++i) {
            const json status = json::parse(ctl({"--json", "status"}).output, nullptr, false);
            if (!status.is_object()) // an answer that is not the status: ask again
                continue;
            for (const json &vm : status.value("vms", json::array()))
                if (vm.value("name", "") == shown)
                    connected = vm.value("state", "").rfind("Connecting", 0) != 0;
        }
        ASSERT_TRUE(connected) << session_->log();
    }

    // A domain made elsewhere (no D-Bus display, a PS/2 mouse), defined on
    // the embedded root before the session runs, as another tool would,
    // with the qemu.conf the session writes for an embedded root.
    void define_elsewhere(const std::string &name)
    {
        const std::string xml = dir_ + "/" + name + ".xml";
        std::ofstream(xml) << "<domain type='qemu'><name>" << name
                           << "</name><memory unit='MiB'>64</memory>"
                              "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
                              "<emulator>"
                           << required_env("QEMU")
                           << "</emulator><video><model type='vga'/></video>"
                              "</devices></domain>";
        std::filesystem::create_directories(root_ + "/etc");
        if (!std::filesystem::exists(root_ + "/etc/qemu.conf"))
            std::ofstream(root_ + "/etc/qemu.conf")
                << "user = \"root\"\ngroup = \"root\"\nsecurity_driver = \"none\"\n"
                   "cgroup_controllers = [ ]\nnamespaces = [ ]\nstdio_handler = \"file\"\n";
        const CommandResult defined = run_command({"virsh", "-q", "-c", uri_, "define", xml});
        ASSERT_EQ(defined.exit_code, 0) << defined.output;
    }

    // `vm list --json`'s entry for the VM, once its state is `wanted`
    // (libvirt answers off the session's loop): asked at most 200 times.
    json listed(const std::string &name, const std::string &wanted)
    {
        json found;
        for (int attempt = 0; attempt < 200; ++attempt) {
            const json list = json::parse(ctl({"--json", "vm", "list"}).output, nullptr, false);
            found = json::object();
            if (!list.is_object())
                continue;
            for (const json &vm : list.value("vms", json::array()))
                if (vm.value("name", "") == name)
                    found = vm;
            if (found.is_object() && found.value("state", "") == wanted)
                break;
        }
        return found;
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
    // The guest's disk is as private as the definitions' backups.
    EXPECT_EQ(std::filesystem::status(disk).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    // Without OVMF the VM gets BIOS, and the reply says why.
    const json listed_fresh = listed("fresh", "running");
    EXPECT_EQ(listed_fresh.value("seats", json()), json({"seat0"})) << listed_fresh.dump();
    if (created.output.find(", BIOS,") != std::string::npos) {
        EXPECT_NE(created.output.find("note: BIOS, because no UEFI firmware (OVMF) is installed"),
                  std::string::npos)
            << created.output;
    }
    // The seat shows "fresh" with autostart: libvirt's define event makes
    // the session start it and show it.
    EXPECT_TRUE(shows_a_vm()) << session_->log();
    // It runs with the clipboard channel on a virtio-serial port (libvirt's
    // status file holds the live XML; virsh cannot open the root while the
    // session holds it).
    std::ifstream status_file(root_ + "/run/qemu/fresh.xml");
    const std::string live((std::istreambuf_iterator<char>(status_file)),
                           std::istreambuf_iterator<char>());
    const auto channel = live.find("<channel type='qemu-vdagent'>");
    ASSERT_NE(channel, std::string::npos) << live;
    const std::string vdagent = live.substr(channel, live.find("</channel>", channel) - channel);
    EXPECT_NE(vdagent.find("<clipboard copypaste='yes'/>"), std::string::npos) << vdagent;
    EXPECT_NE(vdagent.find("<address type='virtio-serial'"), std::string::npos) << vdagent;
    // The session read the channel from libvirt's XML: its clipboard is usable.
    json clipboard = json::object();
    for (int i = 0; i < 200 && clipboard.value("state", "") != "registered"; ++i) {
        const json status = json::parse(ctl({"--json", "status"}).output, nullptr, false);
        if (status.is_object())
            for (const json &vm : status.value("vms", json::array()))
                if (vm.value("name", "") == "fresh")
                    clipboard = vm.value("clipboard", json::object());
    }
    EXPECT_EQ(clipboard.value("state", ""), "registered") << clipboard.dump();
    EXPECT_EQ(clipboard.value("channel", json()), true) << clipboard.dump();

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
    define_elsewhere("old");
    start_session();

    const CommandResult adopted = ctl({"--json", "vm", "adopt", "old"});
    ASSERT_EQ(adopted.exit_code, 0) << adopted.output << session_->log();
    const json reply = json::parse(adopted.output, nullptr, false);
    ASSERT_TRUE(reply.is_object()) << adopted.output;
    EXPECT_EQ(reply["added"],
              json({"<graphics type='dbus' p2p='yes'/>", "<input type='tablet' bus='usb'/>",
                    "<channel type='qemu-vdagent'><source><clipboard copypaste='yes'/>"
                    "<mouse mode='server'/></source>"
                    "<target type='virtio' name='com.redhat.spice.0'/></channel>"}));
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

TEST_F(VmAdmin, WindowsWithoutSwtpmIsRefusedUpFront)
{
    // A PATH without swtpm, as on a PC that lacks it.
    start_session("fresh", {{"PATH", dir_}});
    const CommandResult refused = ctl({"vm", "create", "win", "--os", "windows"});
    EXPECT_EQ(refused.exit_code, 1) << refused.output;
    EXPECT_NE(refused.output.find("a Windows VM gets a TPM 2.0, for which libvirt needs swtpm"),
              std::string::npos)
        << refused.output;
    EXPECT_NE(refused.output.find("install the packages swtpm and swtpm-tools"), std::string::npos)
        << refused.output;
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/state/phyllome/disks/win.qcow2"));
}

// A switch leaves the VM the seat showed running: `vm list` still shows it,
// on no seat, and the `vm` commands still reach it.
TEST_F(VmAdmin, VmThatNoSeatShowsIsListedAndStopped)
{
    define_elsewhere("old");
    define_elsewhere("fresh");
    start_session("old"); // autostart: it runs
    const json running = listed("old", "running");
    ASSERT_EQ(running.value("state", ""), "running") << running.dump() << session_->log();
    EXPECT_EQ(running["seats"], json({"seat0"}));
    EXPECT_EQ(running["uri"], uri_);

    ASSERT_EQ(ctl({"switch", "seat0", "fresh"}).exit_code, 0);
    const json left = listed("old", "running");
    EXPECT_EQ(left.value("state", ""), "running") << left.dump();
    EXPECT_EQ(left["seats"], json::array()) << left.dump();
    EXPECT_EQ(listed("fresh", "running").value("state", ""), "running");
    const CommandResult text = ctl({"vm", "list"});
    EXPECT_EQ(text.exit_code, 0) << text.output;
    EXPECT_NE(text.output.find("vm old: running, on no seat\n"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("vm fresh: running, shown on seat0\n"), std::string::npos)
        << text.output;

    const CommandResult destroyed = ctl({"vm", "destroy", "old"});
    EXPECT_EQ(destroyed.exit_code, 0) << destroyed.output << session_->log();
    EXPECT_EQ(destroyed.output, "vm old: destroy done\n");
    EXPECT_EQ(listed("old", "shut off").value("state", ""), "shut off");
    // Started again with no seat showing it, then shut down the same way.
    EXPECT_EQ(ctl({"vm", "start", "old"}).exit_code, 0);
    EXPECT_EQ(listed("old", "running").value("state", ""), "running");
    EXPECT_EQ(ctl({"vm", "destroy", "old"}).exit_code, 0);

    const CommandResult unknown = ctl({"vm", "destroy", "nobody"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.output.find("no VM named nobody on " + uri_), std::string::npos)
        << unknown.output;
}

// Under `embedded` nothing but the session reaches the domains: their XML
// is read and replaced through it, validated, the old one kept.
TEST_F(VmAdmin, XmlAndDefineRoundTrip)
{
    define_elsewhere("old");
    start_session();
    const CommandResult shown = ctl({"vm", "xml", "old"});
    ASSERT_EQ(shown.exit_code, 0) << shown.output;
    EXPECT_EQ(shown.output.rfind("<domain type='qemu'", 0), 0u) << shown.output;
    EXPECT_NE(shown.output.find("<memory unit='KiB'>65536</memory>"), std::string::npos)
        << shown.output;
    const json as_json = json::parse(ctl({"--json", "vm", "xml", "old"}).output, nullptr, false);
    EXPECT_EQ(as_json.value("xml", ""), shown.output);

    // A bad file: refused by libvirt's schema, nothing changes, no backup.
    std::string bad = shown.output;
    bad.replace(bad.find("<devices>"), 9, "<devices><bogus/>");
    std::ofstream(dir_ + "/bad.xml") << bad;
    const CommandResult refused = ctl({"vm", "define", dir_ + "/bad.xml"});
    EXPECT_EQ(refused.exit_code, 1) << refused.output;
    EXPECT_NE(refused.output.find("libvirt refused the definition of old (nothing changed)"),
              std::string::npos)
        << refused.output;
    EXPECT_EQ(std::count(refused.output.begin(), refused.output.end(), '\n'), 1) << refused.output;
    EXPECT_EQ(ctl({"vm", "xml", "old"}).output, shown.output);
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/state/phyllome/backups") &&
                 !std::filesystem::is_empty(dir_ + "/state/phyllome/backups"));
    // Not a domain, not there: refused before libvirt.
    std::ofstream(dir_ + "/notxml.xml") << "<network><name>x</name></network>";
    const CommandResult not_domain = ctl({"vm", "define", dir_ + "/notxml.xml"});
    EXPECT_EQ(not_domain.exit_code, 1);
    EXPECT_NE(not_domain.output.find("not a domain definition"), std::string::npos)
        << not_domain.output;
    const CommandResult missing = ctl({"vm", "define", dir_ + "/absent.xml"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("cannot read " + dir_ + "/absent.xml"), std::string::npos)
        << missing.output;

    // A good one: the new definition holds, the old one is saved, 0600.
    std::string good = shown.output;
    good.replace(good.find("65536"), 5, "131072");
    good.replace(good.find("65536"), 5, "131072"); // <currentMemory> too
    std::ofstream(dir_ + "/good.xml") << good;
    const CommandResult defined = ctl({"--json", "vm", "define", dir_ + "/good.xml"});
    ASSERT_EQ(defined.exit_code, 0) << defined.output;
    const json reply = json::parse(defined.output, nullptr, false);
    const std::string saved = reply.value("saved", "");
    ASSERT_TRUE(std::filesystem::is_regular_file(saved)) << defined.output;
    EXPECT_EQ(std::filesystem::status(saved).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::ifstream saved_file(saved);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(saved_file), {}), shown.output);
    EXPECT_NE(ctl({"vm", "xml", "old"}).output.find("<memory unit='KiB'>131072</memory>"),
              std::string::npos);
    // The human style says where the old one went, and what still lacks.
    const CommandResult again = ctl({"vm", "define", dir_ + "/good.xml"});
    EXPECT_EQ(again.exit_code, 0) << again.output;
    EXPECT_NE(again.output.find("vm old redefined; the old definition is saved in " + dir_ +
                                "/state/phyllome/backups/old-"),
              std::string::npos)
        << again.output;
    EXPECT_NE(again.output.find("note: no <graphics type='dbus' p2p='yes'/>"), std::string::npos)
        << again.output;
}

// The doctor on an `embedded` session file: libvirt's embedded driver in
// phyllomectl's own process without the session, and through the session
// while it holds the root (libvirt lets one process in).
TEST_F(VmAdmin, DoctorChecksTheVmsOfAnEmbeddedSession)
{
    const std::string config = dir_ + "/doctor.toml";
    std::ofstream(config) << "[session]\nlibvirt_uri = \"embedded\"\n"
                             "[[vm]]\nname = \"old\"\n[[vm]]\nname = \"absent\"\n"
                             "[[seat]]\nname = \"s\"\nvm = \"old\"\n";
    const std::string libvirt = "libvirt " + uri_;
    auto doctor = [&](const EnvChanges &env) {
        EnvChanges all = env;
        all["XDG_STATE_HOME"] = dir_ + "/state";
        const CommandResult result =
            run_command({required_env("PHYLLOMECTL"), "--json", "doctor", "--config", config}, all,
                        std::chrono::seconds(120));
        std::map<std::string, json> checks;
        // The report; libvirt may have logged an error on stderr before it.
        const std::size_t start = result.output.find("{\n");
        const json report = json::parse(
            result.output.substr(start == std::string::npos ? 0 : start), nullptr, false);
        if (report.is_object())
            for (const json &check : report.value("checks", json::array()))
                checks[check["what"].get<std::string>()] = check;
        EXPECT_FALSE(checks.empty()) << result.output;
        for (const std::string &what : {libvirt, std::string("VM old"), std::string("VM absent")})
            checks.emplace(what, json::object()); // absent: an empty one fails below
        return checks;
    };
    // No root yet: the doctor does not make one, and no VM can exist.
    auto unmade = doctor({{"XDG_RUNTIME_DIR", dir_}, {"PHYLLOME_SOCKET", std::nullopt}});
    EXPECT_TRUE(unmade[libvirt].value("ok", false)) << unmade[libvirt].dump();
    EXPECT_NE(unmade[libvirt].value("detail", "").find("not made yet"), std::string::npos);
    EXPECT_EQ(unmade["VM old"].value("detail", ""), "no such domain");
    EXPECT_FALSE(std::filesystem::exists(root_));

    define_elsewhere("old");
    for (int run = 0; run < 2; ++run) {
        if (run == 1)
            start_session("old");
        auto checks = run == 0
                          ? doctor({{"XDG_RUNTIME_DIR", dir_}, {"PHYLLOME_SOCKET", std::nullopt}})
                          : doctor({{"XDG_RUNTIME_DIR", session_->runtime_dir()},
                                    {"PHYLLOME_SOCKET", std::nullopt}});
        EXPECT_TRUE(checks[libvirt].value("ok", false)) << checks[libvirt].dump();
        if (run == 1) {
            EXPECT_NE(checks[libvirt].value("detail", "").find("checked through the session"),
                      std::string::npos)
                << checks[libvirt].dump();
        }
        // Defined without a D-Bus display: found, and adopt is the fix.
        EXPECT_FALSE(checks["VM old"].value("ok", true)) << checks["VM old"].dump();
        EXPECT_EQ(checks["VM old"].value("fix", ""), "phyllomectl vm adopt old");
        EXPECT_FALSE(checks["VM absent"].value("ok", true));
        EXPECT_NE(checks["VM absent"].value("fix", "").find("vm create absent"), std::string::npos);
        // What `vm create` needs.
        EXPECT_TRUE(checks.count("swtpm") && checks.count("OVMF"));
    }
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
