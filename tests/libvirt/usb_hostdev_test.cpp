// The USB hostdev XML libvirt hot-plugs, and the session's hostdevs read
// back from a domain's live XML.
#include <gtest/gtest.h>

#include "libvirt/usb_hostdev.hpp"

namespace phyllome::libvirt {
namespace {

TEST(UsbHostdev, AliasTurnsDotsAndColonsIntoDashes)
{
    EXPECT_EQ(usb_hostdev_alias("1-2"), "ua-phyllome-1-2");
    EXPECT_EQ(usb_hostdev_alias("1-2.3.4"), "ua-phyllome-1-2-3-4");
    EXPECT_EQ(usb_hostdev_alias("3-1:1.0"), "ua-phyllome-3-1-1-0");
    EXPECT_EQ(usb_hostdev_alias("usb1"), "ua-phyllome-usb1");
    // Nothing that could leave the attribute or name another alias.
    EXPECT_EQ(usb_hostdev_alias(""), std::nullopt);
    EXPECT_EQ(usb_hostdev_alias("1-2'/><x"), std::nullopt);
    EXPECT_EQ(usb_hostdev_alias("1 2"), std::nullopt);
    EXPECT_EQ(usb_hostdev_alias("1_2"), std::nullopt);
    EXPECT_EQ(usb_hostdev_alias(std::string("1-2\0x", 5)), std::nullopt);
}

TEST(UsbHostdev, ChecksWhatLibvirtNeeds)
{
    const UsbHostdev good{"1-2", 1, 5, 0x0781, 0x5581};
    EXPECT_EQ(check_usb_hostdev(good), std::nullopt);
    UsbHostdev bad = good;
    bad.sysname = "../1-2";
    EXPECT_NE(check_usb_hostdev(bad).value_or("").find("is not a sysfs name"), std::string::npos);
    bad = good;
    bad.device = 0;
    EXPECT_EQ(check_usb_hostdev(bad), "USB device 1-2 has no bus and device number");
    bad = good;
    bad.bus = 0;
    EXPECT_EQ(check_usb_hostdev(bad), "USB device 1-2 has no bus and device number");
    bad = good;
    bad.vendor = 0;
    EXPECT_EQ(check_usb_hostdev(bad), "USB device 1-2 has no vendor id");
}

TEST(UsbHostdev, XmlNamesTheDeviceByIdAndAddressWithTheSessionsAlias)
{
    EXPECT_EQ(usb_hostdev_xml({"1-2.3", 1, 5, 0x0781, 0x5581}),
              "<hostdev mode='subsystem' type='usb'>\n"
              "  <source>\n"
              "    <vendor id='0x0781'/>\n"
              "    <product id='0x5581'/>\n"
              "    <address bus='1' device='5'/>\n"
              "  </source>\n"
              "  <alias name='ua-phyllome-1-2-3'/>\n"
              "</hostdev>\n");
    // Four hex digits always, whatever the value.
    const std::string xml = usb_hostdev_xml({"2-10", 2, 127, 0x000a, 0xffff});
    EXPECT_NE(xml.find("<vendor id='0x000a'/>"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<product id='0xffff'/>"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<address bus='2' device='127'/>"), std::string::npos) << xml;
}

// What libvirt 9.0 shows of a hot-plugged USB hostdev in the live XML.
constexpr const char *kLiveXml = R"(<domain type='kvm' id='3'>
  <name>work</name>
  <devices>
    <hostdev mode='subsystem' type='usb' managed='no'>
      <source>
        <vendor id='0x0781'/>
        <product id='0x5581'/>
        <address bus='1' device='5'/>
      </source>
      <alias name='ua-phyllome-1-2-3'/>
      <address type='usb' bus='0' port='2'/>
    </hostdev>
    <hostdev mode='subsystem' type='usb' managed='no'>
      <source>
        <vendor id='0x046d'/>
        <product id='0xc52b'/>
      </source>
      <alias name='hostdev0'/>
    </hostdev>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>
      <alias name='ua-phyllome-pci'/>
    </hostdev>
    <hostdev mode='subsystem' type='usb' managed='no'>
      <source>
        <vendor id='0x1050'/>
        <product id='0x0407'/>
        <address bus='3' device='12'/>
      </source>
      <alias name='ua-phyllome-3-1'/>
    </hostdev>
    <hostdev mode='subsystem' type='usb'>
      <source><vendor id='0x1'/><product id='0x2'/><address bus='1' device='1'/></source>
      <alias name='ua-phyllome-a_b'/>
    </hostdev>
    <hostdev mode='subsystem' type='usb'>
      <source><vendor id='0x1'/><product id='0x2'/><address bus='1' device='1'/></source>
      <alias name='ua-phyllome-'/>
    </hostdev>
  </devices>
</domain>)";

TEST(UsbHostdev, ReadsTheSessionsOwnHostdevsFromTheLiveXml)
{
    const auto found = read_usb_hostdevs(kLiveXml);
    ASSERT_TRUE(found);
    // libvirt's own alias, a PCI hostdev, an alias the session never gives
    // and a bare prefix are not the session's.
    ASSERT_EQ(found->size(), 2u);
    EXPECT_EQ((*found)[0], (UsbHostdev{"1-2-3", 1, 5, 0x0781, 0x5581}));
    EXPECT_EQ((*found)[1], (UsbHostdev{"3-1", 3, 12, 0x1050, 0x0407}));
    // Compared by alias: the device "1-2.3" is the first one.
    EXPECT_EQ(usb_hostdev_alias((*found)[0].sysname), usb_hostdev_alias("1-2.3"));
}

TEST(UsbHostdev, WhatItWritesItReadsBack)
{
    const UsbHostdev device{"1-2.3", 1, 5, 0x0781, 0x5581};
    const std::string xml = "<domain><devices>" + usb_hostdev_xml(device) + "</devices></domain>";
    const auto found = read_usb_hostdevs(xml);
    ASSERT_TRUE(found);
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ(usb_hostdev_alias((*found)[0].sysname), usb_hostdev_alias(device.sysname));
    EXPECT_EQ(usb_hostdev_xml((*found)[0]), usb_hostdev_xml(device));
    // So one read back can be handed straight to VmLink::detach_usb.
    EXPECT_EQ(check_usb_hostdev((*found)[0]), std::nullopt);
}

TEST(UsbHostdev, NoneInADomainWithoutThemAndNothingFromBadXml)
{
    EXPECT_EQ(read_usb_hostdevs("<domain><name>x</name></domain>"), std::vector<UsbHostdev>{});
    EXPECT_EQ(read_usb_hostdevs("<notadomain><devices>" +
                                usb_hostdev_xml({"1-2", 1, 5, 0x0781, 0x5581}) +
                                "</devices></notadomain>"),
              std::vector<UsbHostdev>{});
    EXPECT_EQ(read_usb_hostdevs("<domain><devices>"), std::nullopt);
    EXPECT_EQ(read_usb_hostdevs(""), std::nullopt);
    // Numbers that are not, or too big for an id: 0, never a guess.
    const auto odd = read_usb_hostdevs(
        "<domain><devices><hostdev mode='subsystem' type='usb'><source>"
        "<vendor id='0x10000'/><product id='x'/><address bus='-1' device='5z'/></source>"
        "<alias name='ua-phyllome-1-9'/></hostdev></devices></domain>");
    ASSERT_TRUE(odd);
    ASSERT_EQ(odd->size(), 1u);
    EXPECT_EQ((*odd)[0], (UsbHostdev{"1-9", 0, 0, 0, 0}));
}

} // namespace
} // namespace phyllome::libvirt
