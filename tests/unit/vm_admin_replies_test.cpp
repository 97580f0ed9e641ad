// VM administration's results as the control replies phyllomectl reads,
// line for line.
#include <gtest/gtest.h>

#include "control/reply.hpp"
#include "session/vm_admin_replies.hpp"

namespace phyllome {
namespace {

std::string line(const nlohmann::json &reply)
{
    return control::to_line(reply);
}

TEST(VmAdminReplies, Created)
{
    libvirt::CreatedVm created;
    created.spec.name = "fresh";
    created.spec.disk_path = "/disks/fresh.qcow2";
    created.spec.memory_bytes = 256ull << 20;
    created.spec.cpus = 1;
    created.spec.kvm = false;
    created.notes = {"BIOS"};
    EXPECT_EQ(line(created_reply(created)),
              R"({"cpus":1,"disk":"/disks/fresh.qcow2","gl":"","kvm":false,)"
              R"("memory":"256 MiB","notes":["BIOS"],"ok":true,"uefi":true,"vm":"fresh"})"
              "\n");
    EXPECT_EQ(line(created_reply(std::string("a VM named fresh exists"))),
              R"({"error":"a VM named fresh exists","ok":false})"
              "\n");
}

TEST(VmAdminReplies, AdoptedNamesTheSavedCopyOnlyWhenItChangedTheVm)
{
    EXPECT_EQ(line(adopted_reply("old", libvirt::AdoptedVm{})),
              R"({"added":[],"notes":[],"ok":true,"vm":"old"})"
              "\n");
    EXPECT_EQ(line(adopted_reply("old", libvirt::AdoptedVm{{"<input/>"}, "/b/old.xml"})),
              R"({"added":["<input/>"],"notes":[],"ok":true,"saved":"/b/old.xml","vm":"old"})"
              "\n");
    EXPECT_EQ(line(adopted_reply("old", libvirt::AdoptedVm{{}, "", {"no clipboard: why"}})),
              R"({"added":[],"notes":["no clipboard: why"],"ok":true,"vm":"old"})"
              "\n");
}

TEST(VmAdminReplies, ActedNamesTheVmInItsError)
{
    EXPECT_EQ(line(acted_reply("old", control::VmAction::Destroy, libvirt::ActedVm{"test:///"})),
              R"({"action":"destroy","ok":true,"uri":"test:///","vm":"old"})"
              "\n");
    EXPECT_EQ(line(acted_reply("old", control::VmAction::Start, std::string("no VM named old"))),
              R"({"error":"vm old: no VM named old","ok":false})"
              "\n");
}

TEST(VmAdminReplies, Xml)
{
    EXPECT_EQ(line(xml_reply("old", libvirt::VmXml{"test:///", "<domain/>"})),
              R"({"ok":true,"uri":"test:///","vm":"old","xml":"<domain/>"})"
              "\n");
}

TEST(VmAdminReplies, DefinedSavedIsNullWhenThereWasNoOldDefinition)
{
    EXPECT_EQ(line(defined_reply("new", libvirt::DefinedVm{"test:///", false, "", {}})),
              R"({"notes":[],"ok":true,"running":false,"saved":null,"uri":"test:///","vm":"new"})"
              "\n");
    EXPECT_EQ(line(defined_reply("old", libvirt::DefinedVm{"test:///", true, "/b/old.xml", {"n"}})),
              R"({"notes":["n"],"ok":true,"running":true,"saved":"/b/old.xml","uri":"test:///",)"
              R"("vm":"old"})"
              "\n");
}

} // namespace
} // namespace phyllome
