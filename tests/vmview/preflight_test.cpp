// The doctor's checks on this machine and on made-up ones: each failure
// names what was found and a fix; nothing here needs a GPU.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "vmview/preflight.hpp"

namespace phyllome::vmview {
namespace {

TEST(Preflight, MissingKvmSaysHowToEnableIt)
{
    const Check check = check_kvm("/nonexistent/kvm");
    EXPECT_FALSE(check.ok);
    EXPECT_NE(check.detail.find("does not exist"), std::string::npos) << check.detail;
    EXPECT_NE(check.fix.find("modprobe"), std::string::npos) << check.fix;
}

TEST(Preflight, KvmThatIsNotKvmIsRefused)
{
    // /dev/null opens read-write but is no KVM.
    const Check check = check_kvm("/dev/null");
    EXPECT_FALSE(check.ok) << check.detail;
    EXPECT_FALSE(check.fix.empty());
}

TEST(Preflight, QemuKvmProbeReadsQemusExit)
{
    // Stand-ins for QEMU: one that quits cleanly, one that fails, none.
    EXPECT_TRUE(check_qemu_kvm("true").ok);
    const Check failing = check_qemu_kvm("false");
    EXPECT_FALSE(failing.ok);
    EXPECT_NE(failing.detail.find("exit status 1"), std::string::npos) << failing.detail;
    const Check missing = check_qemu_kvm("/nonexistent/qemu");
    EXPECT_FALSE(missing.ok);
    EXPECT_NE(missing.detail.find("not installed"), std::string::npos) << missing.detail;
}

TEST(Preflight, RenderNodesAreFoundAndTheFirstUsableIsPicked)
{
    const auto dir = std::filesystem::temp_directory_path() / "phyllome-dri-test";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    for (const char *name : {"card0", "renderD129", "renderD128"})
        std::ofstream(dir / name) << "";
    const auto nodes = render_nodes(dir.string());
    ASSERT_EQ(nodes.size(), 2u);
    EXPECT_EQ(nodes[0], (dir / "renderD128").string());
    std::string node;
    EXPECT_TRUE(check_render_node(nodes, node).ok);
    EXPECT_EQ(node, nodes[0]);
    std::filesystem::remove_all(dir);

    const Check none = check_render_node({}, node);
    EXPECT_FALSE(none.ok);
    EXPECT_TRUE(node.empty());
    EXPECT_NE(none.fix.find("driver"), std::string::npos) << none.fix;
}

TEST(Preflight, VirglWithoutANodeIsNotTried)
{
    const Check check = check_virgl("");
    EXPECT_FALSE(check.ok);
    EXPECT_NE(check.detail.find("not tried"), std::string::npos);
}

TEST(Preflight, VirglOnSomethingThatIsNoGpuFailsInItsChildNotHere)
{
    // The child process reports the failure; this process carries on.
    const Check check = check_virgl("/dev/null");
    EXPECT_FALSE(check.ok);
    EXPECT_FALSE(check.fix.empty());
}

TEST(Preflight, SwtpmIsLookedForInThePath)
{
    const auto dir = std::filesystem::temp_directory_path() / "phyllome-swtpm-test";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "a");
    std::filesystem::create_directories(dir / "b");
    const std::string path = (dir / "a").string() + "::" + (dir / "b").string();
    const Check none = check_swtpm(path);
    EXPECT_FALSE(none.ok);
    EXPECT_NE(none.detail.find("swtpm, swtpm_setup, swtpm_ioctl not found"), std::string::npos)
        << none.detail;
    EXPECT_NE(none.fix.find("swtpm-tools"), std::string::npos) << none.fix;
    // Spread over the PATH, and executable: found. Not executable: not.
    for (const auto &[folder, name] :
         {std::pair{"a", "swtpm"}, {"b", "swtpm_setup"}, {"b", "swtpm_ioctl"}}) {
        std::ofstream(dir / folder / name) << "#!/bin/sh\n";
        std::filesystem::permissions(dir / folder / name, std::filesystem::perms::owner_all);
    }
    EXPECT_TRUE(check_swtpm(path).ok) << check_swtpm(path).detail;
    std::filesystem::permissions(dir / "b" / "swtpm_setup", std::filesystem::perms::owner_read);
    EXPECT_FALSE(check_swtpm(path).ok); // no execute bit: not even root runs it
    EXPECT_FALSE(check_swtpm("").ok);
    std::filesystem::remove_all(dir);
}

TEST(Preflight, OvmfIsAnX86FirmwareDescriptor)
{
    const auto dir = std::filesystem::temp_directory_path() / "phyllome-firmware-test";
    std::filesystem::remove_all(dir);
    const Check missing = check_ovmf(dir.string());
    EXPECT_FALSE(missing.ok);
    EXPECT_NE(missing.detail.find("BIOS"), std::string::npos) << missing.detail;
    EXPECT_NE(missing.fix.find("ovmf"), std::string::npos) << missing.fix;
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "60-edk2-aarch64.json") << "{}";
    EXPECT_FALSE(ovmf_installed(dir.string()));
    std::ofstream(dir / "60-edk2-x86_64.json") << "{}";
    EXPECT_TRUE(ovmf_installed(dir.string()));
    EXPECT_TRUE(check_ovmf(dir.string()).ok);
    std::filesystem::remove_all(dir);
}

TEST(Preflight, VmXmlCheck)
{
    EXPECT_TRUE(check_vm_xml("a", "<domain><devices><graphics type='dbus' p2p='yes'/>"
                                  "<input type='tablet' bus='usb'/></devices></domain>")
                    .ok);
    const Check relative = check_vm_xml("a", "<domain><devices><graphics type='dbus' p2p='yes'/>"
                                             "</devices></domain>");
    EXPECT_FALSE(relative.ok);
    EXPECT_NE(relative.detail.find("no tablet"), std::string::npos);
    EXPECT_EQ(check_vm_xml("a", "<domain/>").fix, "phyllomectl vm adopt a");
}

TEST(Preflight, LibvirtAndVmChecksOnLibvirtsTestDriver)
{
    virConnectPtr conn = nullptr;
    const Check connected = check_libvirt("test:///default", conn);
    ASSERT_TRUE(connected.ok) << connected.detail;
    ASSERT_NE(conn, nullptr);
    // The test driver's "test" domain has no D-Bus display: adopt is the fix.
    const Check vm = check_vm(conn, "test");
    EXPECT_FALSE(vm.ok);
    EXPECT_EQ(vm.fix, "phyllomectl vm adopt test");
    const Check missing = check_vm(conn, "no-such-vm");
    EXPECT_FALSE(missing.ok);
    EXPECT_NE(missing.fix.find("vm create no-such-vm"), std::string::npos);
    virConnectClose(conn);

    const Check refused = check_libvirt("bogus:///nowhere", conn);
    EXPECT_FALSE(refused.ok);
    EXPECT_EQ(conn, nullptr);
    EXPECT_FALSE(refused.fix.empty());
}

} // namespace
} // namespace phyllome::vmview
