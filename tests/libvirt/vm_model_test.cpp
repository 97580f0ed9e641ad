// The VM model's domain XML: what `vm create` defines and what `vm adopt`
// adds. Every generated domain is checked against libvirt's own schema
// with virt-xml-validate (libvirt-clients).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "libvirt/domain_xml.hpp"
#include "libvirt/vm_model.hpp"

namespace phyllome::libvirt {
namespace {

bool contains(const std::string &text, const std::string &part)
{
    return text.find(part) != std::string::npos;
}

// libvirt's schema says yes; the output on failure.
::testing::AssertionResult valid_domain(const std::string &xml)
{
    char path[] = "/tmp/phyllome-domain-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0)
        return ::testing::AssertionFailure() << "mkstemp failed";
    close(fd);
    std::ofstream(path) << xml;
    const std::string command = std::string("virt-xml-validate ") + path + " domain 2>&1";
    FILE *pipe = popen(command.c_str(), "r");
    std::string output;
    char chunk[512];
    while (pipe && fgets(chunk, sizeof chunk, pipe))
        output += chunk;
    const int status = pipe ? pclose(pipe) : -1;
    unlink(path);
    if (status == 0)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << output << "\n" << xml;
}

VmSpec spec(GuestOs os)
{
    VmSpec s;
    s.name = "desk";
    s.os = os;
    s.disk_path = "/var/lib/phyllome/desk.qcow2";
    s.memory_bytes = 8ull << 30;
    s.cpus = 4;
    return s;
}

TEST(VmModel, SizesParseWithUnitsAndRefuseNonsense)
{
    EXPECT_EQ(parse_size("20G"), 20ull << 30);
    EXPECT_EQ(parse_size("20GB"), 20ull << 30);
    EXPECT_EQ(parse_size("512M"), 512ull << 20);
    EXPECT_EQ(parse_size("4096"), 4096ull << 20);
    EXPECT_EQ(parse_size("1T"), 1ull << 40);
    EXPECT_EQ(parse_size("64k"), 64ull << 10);
    for (const char *bad : {"", "G", "-1G", "1.5G", "20X", "20GiBs", "99999999999999999999G",
                            "18014398509481984G", " 20G"})
        EXPECT_FALSE(parse_size(bad)) << bad;
}

TEST(VmModel, CreateSizesStateTheWholeRule)
{
    const auto sizes = vm_sizes("64G", "1536M", 4);
    ASSERT_TRUE(std::holds_alternative<VmSizes>(sizes));
    EXPECT_EQ(std::get<VmSizes>(sizes).disk_bytes, 64ull << 30);
    EXPECT_EQ(std::get<VmSizes>(sizes).memory_bytes, 1536ull << 20);
    EXPECT_EQ(std::get<VmSizes>(sizes).cpus, 4u);
    const auto defaults = std::get<VmSizes>(vm_sizes("", "", 0));
    EXPECT_EQ(defaults.disk_bytes, 40ull << 30);
    EXPECT_EQ(defaults.memory_bytes, 4ull << 30);
    EXPECT_EQ(defaults.cpus, 2u);
    auto rule = [](std::string_view disk, std::string_view memory, unsigned cpus) {
        const auto result = vm_sizes(disk, memory, cpus);
        return std::holds_alternative<std::string>(result) ? std::get<std::string>(result) : "";
    };
    for (const char *disk : {"512M", "1.5G", "lots"})
        EXPECT_EQ(rule(disk, "", 0), kDiskRule) << disk;
    // Too small, too large, not whole MiB (1.5 MiB): each says the whole rule.
    for (const char *memory : {"128M", "5T", "1536K", "4 G"})
        EXPECT_EQ(rule("", memory, 0), kMemoryRule) << memory;
    EXPECT_EQ(rule("", "", 513), kCpusRule);
    EXPECT_NE(std::string(kMemoryRule).find("256M to 4T"), std::string::npos);
}

TEST(VmModel, OsNames)
{
    EXPECT_EQ(parse_guest_os("linux"), GuestOs::Linux);
    EXPECT_EQ(parse_guest_os("windows"), GuestOs::Windows);
    EXPECT_EQ(parse_guest_os("other"), GuestOs::Other);
    EXPECT_FALSE(parse_guest_os("Windows"));
    EXPECT_FALSE(parse_guest_os(""));
}

TEST(VmModel, SpecChecksRefuseWhatLibvirtOrTheUserWouldRegret)
{
    EXPECT_FALSE(check_vm_spec(spec(GuestOs::Linux)));
    auto refused = [](auto change) {
        VmSpec s = spec(GuestOs::Linux);
        change(s);
        return check_vm_spec(s).has_value();
    };
    EXPECT_TRUE(refused([](VmSpec &s) { s.name = ""; }));
    EXPECT_TRUE(refused([](VmSpec &s) { s.name = "a/b"; }));
    EXPECT_TRUE(refused([](VmSpec &s) { s.name = "<x>"; }));
    EXPECT_TRUE(refused([](VmSpec &s) { s.name = "-rf"; }));
    EXPECT_TRUE(refused([](VmSpec &s) { s.name = std::string(65, 'a'); }));
    EXPECT_TRUE(refused([](VmSpec &s) { s.memory_bytes = 128ull << 20; }));
    EXPECT_TRUE(refused([](VmSpec &s) { s.memory_bytes = (1ull << 30) + 1; }));
    EXPECT_TRUE(refused([](VmSpec &s) { s.cpus = 0; }));
    EXPECT_TRUE(refused([](VmSpec &s) { s.cpus = 513; }));
    EXPECT_TRUE(refused([](VmSpec &s) { s.disk_path = "disk.qcow2"; }));
    EXPECT_TRUE(refused([](VmSpec &s) { s.iso_path = "install.iso"; }));
    EXPECT_TRUE(refused([](VmSpec &s) { s.gl_render_node = "/tmp/renderD128"; }));
}

TEST(VmModel, LinuxDomainIsTheOptimizedModelAndValid)
{
    VmSpec s = spec(GuestOs::Linux);
    s.iso_path = "/srv/iso/debian & more.iso"; // escaped, not broken
    const std::string xml = create_domain_xml(s);
    EXPECT_TRUE(valid_domain(xml));
    for (const char *part :
         {"<domain type='kvm'>", "machine='q35'", "<os firmware='efi'>",
          "<memory unit='MiB'>8192</memory>", "<vcpu>4</vcpu>", "<target dev='vda' bus='virtio'/>",
          "debian &amp; more.iso", "<boot dev='cdrom'/>", "<model type='virtio'/>",
          "<input type='tablet' bus='usb'/>", "<graphics type='dbus' p2p='yes'>",
          "<audio id='1' type='dbus'/>", "<model type='virtio' heads='1' primary='yes'>",
          "host-passthrough"})
        EXPECT_TRUE(contains(xml, part)) << part << "\n" << xml;
    for (const char *absent : {"<tpm", "<hyperv", "accel3d", "<gl "})
        EXPECT_FALSE(contains(xml, absent)) << absent;
    // What the session reads back from it: the p2p display it opens, and
    // the clipboard channel.
    const auto graphics = read_domain_graphics(xml);
    ASSERT_TRUE(graphics);
    EXPECT_EQ(graphics->dbus_p2p_index, 0u);
    EXPECT_EQ(has_clipboard_channel(xml), true);
}

TEST(VmModel, EveryCreatedDomainHasTheClipboardChannel)
{
    for (GuestOs os : {GuestOs::Linux, GuestOs::Windows, GuestOs::Other}) {
        const std::string xml = create_domain_xml(spec(os));
        EXPECT_TRUE(contains(xml, "    <channel type='qemu-vdagent'>\n"
                                  "      <source>\n"
                                  "        <clipboard copypaste='yes'/>\n"
                                  "        <mouse mode='server'/>\n"
                                  "      </source>\n"
                                  "      <target type='virtio' name='com.redhat.spice.0'/>\n"
                                  "    </channel>\n"))
            << xml;
        EXPECT_EQ(has_clipboard_channel(xml), true);
    }
}

TEST(VmModel, ClipboardChannelIsQemuVdagentWithCopyPasteOn)
{
    auto with = [](const std::string &devices) {
        return has_clipboard_channel("<domain><devices>" + devices + "</devices></domain>");
    };
    EXPECT_EQ(with(kClipboardChannelXml), true);
    EXPECT_EQ(with("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>"
                   "</channel>" +
                   std::string(kClipboardChannelXml)),
              true);
    EXPECT_EQ(with(""), false);
    EXPECT_EQ(with("<channel type='qemu-vdagent'><source><clipboard copypaste='no'/></source>"
                   "<target type='virtio' name='com.redhat.spice.0'/></channel>"),
              false);
    EXPECT_EQ(with("<channel type='qemu-vdagent'><target type='virtio' "
                   "name='com.redhat.spice.0'/></channel>"),
              false);
    // SPICE's agent channel: the clipboard goes to a SPICE client, not here.
    EXPECT_EQ(with("<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/>"
                   "</channel>"),
              false);
    // Outside <devices>, or not a domain: none.
    EXPECT_EQ(has_clipboard_channel("<domain>" + std::string(kClipboardChannelXml) + "</domain>"),
              false);
    EXPECT_EQ(has_clipboard_channel("<network><devices>" + std::string(kClipboardChannelXml) +
                                    "</devices></network>"),
              false);
    EXPECT_EQ(has_clipboard_channel("<domain><devices>"), std::nullopt);
}

TEST(VmModel, WindowsDomainHasTpmHyperVAndSecureBoot)
{
    const std::string xml = create_domain_xml(spec(GuestOs::Windows));
    EXPECT_TRUE(valid_domain(xml));
    for (const char *part : {"<tpm model='tpm-crb'>", "<backend type='emulator' version='2.0'/>",
                             "<hyperv mode='custom'>", "<synic state='on'/>", "name='secure-boot'",
                             "<smm state='on'/>", "hypervclock"})
        EXPECT_TRUE(contains(xml, part)) << part << "\n" << xml;
}

TEST(VmModel, GpuAccelerationWhenTheRenderNodeIsGiven)
{
    VmSpec s = spec(GuestOs::Other);
    s.gl_render_node = "/dev/dri/renderD128";
    s.uefi = false; // no OVMF installed: SeaBIOS
    s.kvm = false;
    const std::string xml = create_domain_xml(s);
    EXPECT_TRUE(valid_domain(xml));
    EXPECT_TRUE(contains(xml, "<gl enable='yes' rendernode='/dev/dri/renderD128'/>")) << xml;
    EXPECT_TRUE(contains(xml, "<acceleration accel3d='yes'/>")) << xml;
    EXPECT_TRUE(contains(xml, "<domain type='qemu'>")) << xml;
    EXPECT_FALSE(contains(xml, "firmware='efi'")) << xml;
    EXPECT_FALSE(contains(xml, "host-passthrough")) << xml;
}

TEST(VmModel, AdoptAddsTheDisplayAndATablet)
{
    const std::string old_xml = "<domain type='kvm'><name>old</name><memory>1048576</memory>"
                                "<os><type>hvm</type></os><devices>"
                                "<graphics type='spice' autoport='yes'/>"
                                "<input type='mouse' bus='ps2'/></devices></domain>";
    std::string error;
    const auto adoption = adopt_domain_xml(old_xml, error);
    ASSERT_TRUE(adoption) << error;
    EXPECT_EQ(adoption->added,
              (std::vector<std::string>{"<graphics type='dbus' p2p='yes'/>",
                                        "<input type='tablet' bus='usb'/>", kClipboardChannelXml}));
    EXPECT_TRUE(adoption->notes.empty());
    EXPECT_TRUE(valid_domain(adoption->xml));
    EXPECT_EQ(has_clipboard_channel(adoption->xml), true);
    EXPECT_TRUE(contains(adoption->xml, "<mouse mode=\"server\"/>")) << adoption->xml;
    const auto graphics = read_domain_graphics(adoption->xml);
    ASSERT_TRUE(graphics);
    EXPECT_EQ(graphics->dbus_p2p_index, 1u); // after the SPICE one, which stays
    EXPECT_TRUE(contains(adoption->xml, "<graphics type=\"spice\"")) << adoption->xml;
    EXPECT_TRUE(contains(adoption->xml, "<input type=\"tablet\" bus=\"usb\"/>")) << adoption->xml;
}

TEST(VmModel, AdoptLeavesAReadyDomainAloneAndFixesP2p)
{
    std::string error;
    const std::string ready =
        "<domain type='kvm'><name>ok</name><memory>1048576</memory>"
        "<os><type>hvm</type></os><devices>"
        "<graphics type='dbus' p2p='yes'/><input type='tablet' bus='virtio'/>" +
        std::string(kClipboardChannelXml) + "</devices></domain>";
    auto adoption = adopt_domain_xml(ready, error);
    ASSERT_TRUE(adoption) << error;
    EXPECT_TRUE(adoption->added.empty());
    EXPECT_TRUE(adoption->notes.empty());

    const std::string no_p2p = "<domain type='kvm'><name>bus</name><memory>1048576</memory>"
                               "<os><type>hvm</type></os><devices>"
                               "<graphics type='dbus'/><input type='tablet' bus='usb'/>" +
                               std::string(kClipboardChannelXml) + "</devices></domain>";
    adoption = adopt_domain_xml(no_p2p, error);
    ASSERT_TRUE(adoption) << error;
    ASSERT_EQ(adoption->added.size(), 1u);
    EXPECT_EQ(read_domain_graphics(adoption->xml)->dbus_p2p_index, 0u);
}

// A domain as virt-manager or an older tool left it, with `devices` for
// the channels it has.
std::string domain_with(const std::string &devices)
{
    return "<domain type='kvm'><name>old</name><memory>1048576</memory>"
           "<os><type>hvm</type></os><devices>"
           "<graphics type='dbus' p2p='yes'/><input type='tablet' bus='usb'/>" +
           devices + "</devices></domain>";
}

TEST(VmModel, AdoptTurnsTheClipboardOnInAnExistingVdagentChannel)
{
    std::string error;
    for (const std::string &channel :
         {std::string("<channel type='qemu-vdagent'><source><clipboard copypaste='no'/>"
                      "<mouse mode='client'/></source>"
                      "<target type='virtio' name='com.redhat.spice.0'/></channel>"),
          std::string("<channel type='qemu-vdagent'><source><mouse mode='client'/></source>"
                      "<target type='virtio' name='com.redhat.spice.0'/></channel>"),
          std::string("<channel type='qemu-vdagent'>"
                      "<target type='virtio' name='com.redhat.spice.0'/></channel>")}) {
        const auto adoption = adopt_domain_xml(domain_with(channel), error);
        ASSERT_TRUE(adoption) << error;
        ASSERT_EQ(adoption->added.size(), 1u) << channel;
        EXPECT_NE(adoption->added[0].find("the existing qemu-vdagent channel"), std::string::npos)
            << adoption->added[0];
        EXPECT_EQ(has_clipboard_channel(adoption->xml), true) << adoption->xml;
        EXPECT_TRUE(valid_domain(adoption->xml));
        // One channel still, the user's mouse mode kept.
        EXPECT_EQ(adoption->xml.find("<channel"), adoption->xml.rfind("<channel")) << adoption->xml;
        if (channel.find("client") != std::string::npos) {
            EXPECT_TRUE(contains(adoption->xml, "<mouse mode=\"client\"/>")) << adoption->xml;
        }
    }
}

TEST(VmModel, AdoptKeepsASpiceAgentChannelAndSaysSo)
{
    std::string error;
    const auto adoption = adopt_domain_xml(
        domain_with("<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/>"
                    "</channel>"),
        error);
    ASSERT_TRUE(adoption) << error;
    EXPECT_TRUE(adoption->added.empty());
    ASSERT_EQ(adoption->notes.size(), 1u);
    EXPECT_EQ(adoption->notes[0],
              "no clipboard: a spicevmc channel holds com.redhat.spice.0; replace it with " +
                  std::string(kClipboardChannelXml) + " for the session's clipboard");
    EXPECT_FALSE(contains(adoption->xml, "qemu-vdagent")) << adoption->xml;
    EXPECT_EQ(has_clipboard_channel(adoption->xml), false);

    // A channel on another port is no obstacle.
    const auto beside = adopt_domain_xml(
        domain_with("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>"
                    "</channel>"),
        error);
    ASSERT_TRUE(beside) << error;
    EXPECT_EQ(beside->added, std::vector<std::string>{kClipboardChannelXml});
    EXPECT_TRUE(beside->notes.empty());
    EXPECT_TRUE(valid_domain(beside->xml));
}

TEST(VmModel, AdoptRefusesWhatIsNotADomain)
{
    std::string error;
    EXPECT_FALSE(adopt_domain_xml("<network><name>x</name></network>", error));
    EXPECT_EQ(error, "not a libvirt domain");
    EXPECT_FALSE(adopt_domain_xml("<domain", error));
    EXPECT_EQ(error, "the domain XML does not parse");
    EXPECT_FALSE(adopt_domain_xml("", error));
}

TEST(VmModel, DomainNameOfADefinition)
{
    std::string error;
    EXPECT_EQ(domain_name("<domain type='kvm'><name>work</name></domain>", error), "work");
    VmSpec spec;
    spec.name = "made";
    spec.disk_path = "/d.qcow2";
    EXPECT_EQ(domain_name(create_domain_xml(spec), error), "made");
    for (const auto &[xml, message] : std::vector<std::pair<std::string, std::string>>{
             {"<domain", "does not parse"},
             {"", "does not parse"},
             {"<network><name>n</name></network>", "not a libvirt domain"},
             {"<domain><name></name></domain>", "no <name>"},
             {"<domain/>", "no <name>"}}) {
        error.clear();
        EXPECT_FALSE(domain_name(xml, error)) << xml;
        EXPECT_NE(error.find(message), std::string::npos) << xml << ": " << error;
    }
}

} // namespace
} // namespace phyllome::libvirt
