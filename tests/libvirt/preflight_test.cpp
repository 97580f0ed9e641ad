// The doctor's checks on this machine and on made-up ones: each failure
// names what was found and a fix; nothing here needs a GPU.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "libvirt/preflight.hpp"

namespace phyllome::libvirt {
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
} // namespace phyllome::libvirt
