// USB hotplug and the clipboard channel against libvirt's embedded QEMU
// driver in this process (root, TCG, no daemon), and QEMU's usb-host device
// on its own. This machine has no USB at all (no /sys/bus/usb): a live
// attach is refused by libvirt's host lookup, which is what is checked;
// a CONFIG attach on a shut-off domain checks the hostdev XML's shape.
// What needs a real device (the guest seeing it) is not tested here.
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "base/off_loop.hpp"
#include "libvirt/common.hpp"
#include "libvirt/domain_xml.hpp"
#include "libvirt/libvirt_connection.hpp"
#include "libvirt/libvirt_loop.hpp"
#include "libvirt/usb_hostdev.hpp"
#include "libvirt/vm_link.hpp"
#include "libvirt/vm_model.hpp"

namespace phyllome::libvirt {
namespace {

const UsbHostdev kStick{"1-2.3", 1, 5, 0x0781, 0x5581};

std::string qemu()
{
    const char *path = std::getenv("QEMU");
    return path ? path : "";
}

// What a shell command line writes to its standard output.
std::string output_of(const std::string &command)
{
    FILE *pipe = popen(command.c_str(), "r");
    std::string output;
    char chunk[512];
    while (pipe && fgets(chunk, sizeof chunk, pipe))
        output += chunk;
    if (pipe)
        pclose(pipe);
    return output;
}

std::string domain_xml(virDomainPtr dom, unsigned flags)
{
    char *xml = virDomainGetXMLDesc(dom, flags);
    std::string text = xml ? xml : "";
    free(xml);
    return text;
}

// What a test shares: one embedded root per process (libvirt loads its
// driver once), the session's loop with libvirt's events on it, and two
// domains: "clip" from create_domain_xml, running, and "scratch", shut off.
struct World {
    std::string dir, uri;
    wl_event_loop *loop = wl_event_loop_create();
    std::unique_ptr<LibvirtLoop> libvirt_loop = std::make_unique<LibvirtLoop>(loop);
    std::unique_ptr<base::OffLoop> off_loop = std::make_unique<base::OffLoop>(loop);
    std::unique_ptr<LibvirtConnection> connection;
    virConnectPtr conn = nullptr; // the test's own reference
    std::string setup_error;

    World()
    {
        std::string made = "/tmp/plu-XXXXXX"; // short: QEMU's socket paths live below it
        if (!mkdtemp(made.data())) {
            setup_error = "mkdtemp failed";
            return;
        }
        dir = made;
        uri = "qemu:///embed?root=" + dir + "/root";
        conn = open_libvirt(uri, &setup_error);
        if (!conn)
            return;
        const std::string disk = dir + "/clip.qcow2";
        if (std::system(("qemu-img create -q -f qcow2 " + disk + " 64M").c_str()) != 0) {
            setup_error = "qemu-img create failed";
            return;
        }
        VmSpec spec;
        spec.name = "clip";
        spec.os = GuestOs::Other;
        spec.disk_path = disk;
        spec.memory_bytes = 256ull << 20;
        spec.cpus = 1;
        spec.kvm = false; // no /dev/kvm here
        spec.uefi = false;
        if (!define_and_start(create_domain_xml(spec), true))
            return;
        define_and_start("<domain type='qemu'><name>scratch</name><memory unit='MiB'>64</memory>"
                         "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
                         "<emulator>" +
                             qemu() +
                             "</emulator><controller type='usb' model='qemu-xhci'/>"
                             "</devices></domain>",
                         false);
        connection = std::make_unique<LibvirtConnection>(loop, *off_loop, uri);
    }

    bool define_and_start(const std::string &xml, bool start)
    {
        virDomainPtr dom = virDomainDefineXML(conn, xml.c_str());
        const bool ok = dom && (!start || virDomainCreate(dom) == 0);
        if (!ok)
            setup_error = last_libvirt_error();
        if (dom)
            virDomainFree(dom);
        return ok;
    }

    ~World()
    {
        connection.reset();
        off_loop.reset();
        libvirt_loop.reset();
        if (conn) {
            // The embedded driver's QEMUs would outlive this process.
            if (virDomainPtr dom = virDomainLookupByName(conn, "clip")) {
                virDomainDestroy(dom);
                virDomainFree(dom);
            }
            virConnectClose(conn);
        }
        wl_event_loop_destroy(loop);
        if (!dir.empty())
            std::filesystem::remove_all(dir);
    }

    virDomainPtr domain(const char *name) { return virDomainLookupByName(conn, name); }

    // Runs the loop until `done` says so: each dispatch waits for an event
    // (an off-loop result, a libvirt event).
    template <typename Done> void dispatch_until(Done done)
    {
        while (!done())
            wl_event_loop_dispatch(loop, -1);
    }

    // A link to `name`, once libvirt told it the domain's state.
    std::unique_ptr<VmLink> link(const std::string &name, std::optional<base::UniqueFd> *display)
    {
        VmLink::Handlers handlers;
        handlers.display_opened = [display](base::UniqueFd fd) {
            if (display)
                *display = std::move(fd);
        };
        auto made = std::make_unique<VmLink>(loop, *off_loop, *connection, name, false, handlers);
        dispatch_until([&] {
            const auto state = made->state();
            return state != VmLink::State::Connecting &&
                   (!display || display->has_value() || state == VmLink::State::Error);
        });
        return made;
    }
};

World *world = nullptr;

class UsbEmbedded : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        if (getuid() == 0 && !qemu().empty())
            world = new World;
    }
    static void TearDownTestSuite()
    {
        delete world;
        world = nullptr;
    }
    void SetUp() override
    {
        if (getuid() != 0)
            GTEST_SKIP() << "libvirt's embedded QEMU driver needs root here";
        if (qemu().empty())
            GTEST_SKIP() << "qemu-system-x86_64 is not installed";
        ASSERT_TRUE(world->setup_error.empty()) << world->setup_error;
    }

    // Calls `call` with a `done` that keeps the error, and runs the loop
    // until it came.
    template <typename Call> std::string await(Call call)
    {
        std::optional<std::string> error;
        call([&error](const std::string &came) { error = came; });
        world->dispatch_until([&] { return error.has_value(); });
        return *error;
    }
};

TEST_F(UsbEmbedded, LiveAttachWithoutTheDeviceFailsWithLibvirtsReasonAndAddsNothing)
{
    auto link = world->link("clip", nullptr);
    ASSERT_EQ(link->state(), VmLink::State::Running) << link->describe();

    const std::string error = await([&](auto done) { link->attach_usb(kStick, std::move(done)); });
    // No USB on this machine: libvirt's own words on looking the device up
    // (on a PC with USB: "Did not find USB device 0781:5581 bus:1 device:5").
    EXPECT_FALSE(error.empty());
    std::printf("libvirt's live attach error here: %s\n", error.c_str());
    const bool no_usb = !std::filesystem::exists("/sys/bus/usb/devices");
    if (no_usb)
        EXPECT_NE(error.find("/sys/bus/usb/devices"), std::string::npos) << error;
    else
        EXPECT_NE(error.find("USB device"), std::string::npos) << error;

    virDomainPtr dom = world->domain("clip");
    ASSERT_NE(dom, nullptr);
    const std::string live = domain_xml(dom, 0);
    virDomainFree(dom);
    EXPECT_EQ(live.find("<hostdev"), std::string::npos) << live;

    // The session's hostdevs in the live XML: none, and no error.
    std::vector<UsbHostdev> found = {kStick};
    const std::string read = await([&](auto done) {
        link->usb_hostdevs(
            [&found, done](const std::vector<UsbHostdev> &came, const std::string &error) {
                found = came;
                done(error);
            });
    });
    EXPECT_EQ(read, "");
    EXPECT_TRUE(found.empty());

    // Unplugging what was never attached: libvirt says so.
    const std::string detached =
        await([&](auto done) { link->detach_usb(kStick, std::move(done)); });
    EXPECT_FALSE(detached.empty());
    std::printf("libvirt's live detach error here: %s\n", detached.c_str());
}

TEST_F(UsbEmbedded, ResultComesEvenWhenTheLinkWentMeanwhile)
{
    auto link = world->link("clip", nullptr);
    ASSERT_EQ(link->state(), VmLink::State::Running) << link->describe();
    std::optional<std::string> error;
    link->attach_usb(kStick, [&error](const std::string &came) { error = came; });
    link.reset(); // the session file dropped the VM while libvirt works
    world->dispatch_until([&] { return error.has_value(); });
    EXPECT_FALSE(error->empty());
}

TEST_F(UsbEmbedded, RefusedAtOnceWhenTheVmDoesNotRunOrTheDeviceCannotBeNamed)
{
    auto link = world->link("scratch", nullptr);
    ASSERT_EQ(link->state(), VmLink::State::ShutOff) << link->describe();
    std::optional<std::string> error;
    link->attach_usb(kStick, [&error](const std::string &came) { error = came; });
    // Answered before any loop iteration: libvirt was not asked.
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, "VM scratch is not running (Shut off)");
    error.reset();
    link->detach_usb(kStick, [&error](const std::string &came) { error = came; });
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, "VM scratch is not running (Shut off)");

    auto running = world->link("clip", nullptr);
    UsbHostdev bad = kStick;
    bad.sysname = "1-2'/>";
    error.reset();
    running->attach_usb(bad, [&error](const std::string &came) { error = came; });
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("is not a sysfs name"), std::string::npos) << *error;
}

// The XML's shape as libvirt 9.0 parses and keeps it: CONFIG needs no host
// lookup, so a shut-off domain takes the hostdev with no device present.
TEST_F(UsbEmbedded, ConfigAttachKeepsTheAliasAndTheAddress)
{
    virDomainPtr dom = world->domain("scratch");
    ASSERT_NE(dom, nullptr);
    const std::string xml = usb_hostdev_xml(kStick);
    ASSERT_EQ(virDomainAttachDeviceFlags(dom, xml.c_str(), VIR_DOMAIN_AFFECT_CONFIG), 0)
        << last_libvirt_error();
    const std::string inactive = domain_xml(dom, VIR_DOMAIN_XML_INACTIVE);
    const auto found = read_usb_hostdevs(inactive);
    ASSERT_TRUE(found) << inactive;
    ASSERT_EQ(found->size(), 1u) << inactive;
    EXPECT_EQ(usb_hostdev_alias((*found)[0].sysname), usb_hostdev_alias(kStick.sysname));
    EXPECT_EQ((*found)[0].bus, kStick.bus);
    EXPECT_EQ((*found)[0].device, kStick.device);
    EXPECT_EQ((*found)[0].vendor, kStick.vendor);
    EXPECT_EQ((*found)[0].product, kStick.product);
    EXPECT_NE(inactive.find("<alias name='ua-phyllome-1-2-3'/>"), std::string::npos) << inactive;

    // Detached by the same XML: gone again.
    EXPECT_EQ(virDomainDetachDeviceFlags(dom, xml.c_str(), VIR_DOMAIN_AFFECT_CONFIG), 0)
        << last_libvirt_error();
    EXPECT_EQ(domain_xml(dom, VIR_DOMAIN_XML_INACTIVE).find("<hostdev"), std::string::npos);
    virDomainFree(dom);
}

TEST_F(UsbEmbedded, CreatedVmRunsWithTheClipboardChannelAndQemuExportsTheClipboard)
{
    virDomainPtr dom = world->domain("clip");
    ASSERT_NE(dom, nullptr);
    const std::string live = domain_xml(dom, 0);
    virDomainFree(dom);
    const auto begin = live.find("<channel type='qemu-vdagent'>");
    ASSERT_NE(begin, std::string::npos) << live;
    const std::string channel = live.substr(begin, live.find("</channel>", begin) - begin);
    EXPECT_NE(channel.find("<clipboard copypaste='yes'/>"), std::string::npos) << channel;
    EXPECT_NE(channel.find("<target type='virtio' name='com.redhat.spice.0'"), std::string::npos)
        << channel;
    EXPECT_NE(channel.find("<address type='virtio-serial'"), std::string::npos) << channel;
    EXPECT_NE(live.find("<controller type='virtio-serial'"), std::string::npos) << live;

    std::optional<base::UniqueFd> display;
    auto link = world->link("clip", &display);
    ASSERT_EQ(link->state(), VmLink::State::Running) << link->describe();
    ASSERT_TRUE(display && *display) << link->error();
    EXPECT_EQ(link->clipboard_channel(), true);

    // QEMU's D-Bus display exports the clipboard object (Properties.GetAll
    // answers for an object and interface that exist, and only then).
    sd_bus *bus = nullptr;
    ASSERT_GE(sd_bus_new(&bus), 0);
    ASSERT_GE(sd_bus_set_fd(bus, display->get(), display->get()), 0);
    display->release();
    ASSERT_GE(sd_bus_start(bus), 0);
    auto get_all = [bus](const char *path) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = nullptr;
        const int r =
            sd_bus_call_method(bus, nullptr, path, "org.freedesktop.DBus.Properties", "GetAll",
                               &error, &reply, "s", "org.qemu.Display1.Clipboard");
        std::string said = r < 0 ? std::string(error.name ? error.name : "") : "";
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        return std::make_pair(r, said);
    };
    const auto clipboard = get_all("/org/qemu/Display1/Clipboard");
    EXPECT_GE(clipboard.first, 0) << clipboard.second;
    const auto none = get_all("/org/qemu/Display1/NoClipboard");
    EXPECT_LT(none.first, 0);
    sd_bus_flush_close_unref(bus);
}

// QEMU's usb-host (a module in qemu-system-common) is there and realizes
// without a device: the QEMU half of what libvirt asks for.
TEST(UsbHost, QemuHasUsbHostAndRealizesItWithoutADevice)
{
    if (qemu().empty())
        GTEST_SKIP() << "qemu-system-x86_64 is not installed";
    const std::string output = output_of(
        "printf '%s\\n' '{\"execute\":\"qmp_capabilities\"}' "
        "'{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/machine/peripheral/passed\","
        "\"property\":\"realized\"}}' '{\"execute\":\"quit\"}' | " +
        qemu() +
        " -machine pc,accel=tcg -m 32 -nodefaults -no-user-config -display none"
        " -device qemu-xhci -device usb-host,id=passed,vendorid=0x1234,productid=0x5678"
        " -qmp stdio 2>&1");
    EXPECT_NE(output.find("{\"return\": true}"), std::string::npos) << output;
}

} // namespace
} // namespace phyllome::libvirt
