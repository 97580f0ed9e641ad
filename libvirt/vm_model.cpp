#include "libvirt/vm_model.hpp"

#include <cctype>
#include <charconv>
#include <cstring>
#include <limits>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "libvirt/domain_xml.hpp"

namespace phyllome::libvirt {
namespace {

constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kMinMemory = 256 * kMiB;
constexpr std::uint64_t kMaxMemory = 1ull << 42; // 4 TiB
constexpr unsigned kMaxCpus = kMaxVmCpus;

std::string escape(std::string_view text)
{
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '\'':
            out += "&apos;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

bool name_is(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE &&
           std::strcmp(reinterpret_cast<const char *>(node->name), name) == 0;
}

std::string attribute(xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetProp(node, reinterpret_cast<const xmlChar *>(name));
    std::string text = value ? reinterpret_cast<const char *>(value) : "";
    xmlFree(value);
    return text;
}

xmlNode *first_child(xmlNode *parent, const char *name)
{
    for (xmlNode *node = parent ? parent->children : nullptr; node; node = node->next)
        if (name_is(node, name))
            return node;
    return nullptr;
}

xmlNode *add_element(xmlNode *parent, const char *name,
                     std::initializer_list<std::pair<const char *, const char *>> attributes)
{
    xmlNode *node = xmlNewChild(parent, nullptr, reinterpret_cast<const xmlChar *>(name), nullptr);
    for (const auto &[key, value] : attributes)
        xmlNewProp(node, reinterpret_cast<const xmlChar *>(key),
                   reinterpret_cast<const xmlChar *>(value));
    return node;
}

} // namespace

std::optional<GuestOs> parse_guest_os(std::string_view text)
{
    if (text == "linux")
        return GuestOs::Linux;
    if (text == "windows")
        return GuestOs::Windows;
    if (text == "other")
        return GuestOs::Other;
    return std::nullopt;
}

std::optional<std::uint64_t> parse_size(std::string_view text)
{
    std::uint64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || end == text.data())
        return std::nullopt;
    std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b') && unit.size() == 2)
        unit.remove_suffix(1); // "20GB", "512Mb": the same as "20G"
    std::uint64_t scale;
    if (unit.empty() || unit == "M" || unit == "m")
        scale = kMiB;
    else if (unit == "K" || unit == "k")
        scale = 1ull << 10;
    else if (unit == "G" || unit == "g")
        scale = 1ull << 30;
    else if (unit == "T" || unit == "t")
        scale = 1ull << 40;
    else
        return std::nullopt;
    if (number > std::numeric_limits<std::uint64_t>::max() / scale)
        return std::nullopt;
    return number * scale;
}

std::variant<VmSizes, std::string> vm_sizes(std::string_view disk_size, std::string_view memory,
                                            unsigned cpus)
{
    VmSizes sizes;
    if (!disk_size.empty()) {
        const auto bytes = parse_size(disk_size);
        if (!bytes || *bytes < (1ull << 30))
            return std::string(kDiskRule);
        sizes.disk_bytes = *bytes;
    }
    if (!memory.empty()) {
        const auto bytes = parse_size(memory);
        if (!bytes || *bytes < kMinMemory || *bytes > kMaxMemory || *bytes % kMiB != 0)
            return std::string(kMemoryRule);
        sizes.memory_bytes = *bytes;
    }
    if (cpus > kMaxCpus)
        return std::string(kCpusRule);
    if (cpus != 0)
        sizes.cpus = cpus;
    return sizes;
}

std::optional<std::string> check_vm_spec(const VmSpec &spec)
{
    if (spec.name.empty() || spec.name.size() > 64)
        return "a VM name has 1 to 64 characters";
    for (char c : spec.name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            return "a VM name uses only letters, digits, '-', '_' and '.'";
    if (spec.name.front() == '-' || spec.name.front() == '.')
        return "a VM name starts with a letter, a digit or '_'";
    if (spec.memory_bytes < kMinMemory || spec.memory_bytes > kMaxMemory)
        return "memory must be between 256M and 4T";
    if (spec.memory_bytes % kMiB != 0)
        return "memory must be a whole number of MiB";
    if (spec.cpus < 1 || spec.cpus > kMaxCpus)
        return "cpus must be between 1 and 512";
    if (spec.disk_path.empty() || spec.disk_path.front() != '/')
        return "the disk path must be absolute";
    if (!spec.iso_path.empty() && spec.iso_path.front() != '/')
        return "the ISO path must be absolute";
    if (!spec.gl_render_node.empty() && spec.gl_render_node.rfind("/dev/dri/", 0) != 0)
        return "the render node must be under /dev/dri/";
    return std::nullopt;
}

std::string create_domain_xml(const VmSpec &spec)
{
    const bool windows = spec.os == GuestOs::Windows;
    const bool gl = !spec.gl_render_node.empty();
    std::string x;
    x += "<domain type='" + std::string(spec.kvm ? "kvm" : "qemu") + "'>\n";
    x += "  <name>" + escape(spec.name) + "</name>\n";
    x += "  <memory unit='MiB'>" + std::to_string(spec.memory_bytes / kMiB) + "</memory>\n";
    x += "  <vcpu>" + std::to_string(spec.cpus) + "</vcpu>\n";
    // libvirt picks the OVMF build from the firmware descriptors; Windows 11
    // wants Secure Boot with Microsoft's keys enrolled.
    x += spec.uefi ? "  <os firmware='efi'>\n" : "  <os>\n";
    x += "    <type arch='x86_64' machine='q35'>hvm</type>\n";
    if (spec.uefi && windows)
        x += "    <firmware>\n"
             "      <feature enabled='yes' name='secure-boot'/>\n"
             "      <feature enabled='yes' name='enrolled-keys'/>\n"
             "    </firmware>\n";
    if (!spec.iso_path.empty())
        x += "    <boot dev='cdrom'/>\n";
    x += "    <boot dev='hd'/>\n";
    x += "  </os>\n";
    x += "  <features>\n    <acpi/>\n    <apic/>\n";
    if (windows)
        x += "    <hyperv mode='custom'>\n"
             "      <relaxed state='on'/>\n"
             "      <vapic state='on'/>\n"
             "      <spinlocks state='on' retries='8191'/>\n"
             "      <vpindex state='on'/>\n"
             "      <runtime state='on'/>\n"
             "      <synic state='on'/>\n"
             "      <stimer state='on'/>\n"
             "      <reset state='on'/>\n"
             "      <frequencies state='on'/>\n"
             "      <tlbflush state='on'/>\n"
             "      <ipi state='on'/>\n"
             "    </hyperv>\n";
    if (spec.uefi && windows)
        x += "    <smm state='on'/>\n";
    x += "  </features>\n";
    if (spec.kvm)
        x += "  <cpu mode='host-passthrough' check='none' migratable='on'/>\n";
    x += windows ? "  <clock offset='localtime'>\n"
                   "    <timer name='rtc' tickpolicy='catchup'/>\n"
                   "    <timer name='hypervclock' present='yes'/>\n"
                   "  </clock>\n"
                 : "  <clock offset='utc'>\n"
                   "    <timer name='rtc' tickpolicy='catchup'/>\n"
                   "  </clock>\n";
    x += "  <on_poweroff>destroy</on_poweroff>\n";
    x += "  <devices>\n";
    x += "    <disk type='file' device='disk'>\n"
         "      <driver name='qemu' type='qcow2' discard='unmap'/>\n"
         "      <source file='" +
         escape(spec.disk_path) +
         "'/>\n"
         "      <target dev='vda' bus='virtio'/>\n"
         "    </disk>\n";
    if (!spec.iso_path.empty())
        x += "    <disk type='file' device='cdrom'>\n"
             "      <driver name='qemu' type='raw'/>\n"
             "      <source file='" +
             escape(spec.iso_path) +
             "'/>\n"
             "      <target dev='sda' bus='sata'/>\n"
             "      <readonly/>\n"
             "    </disk>\n";
    // User-mode networking: works for a session libvirt and needs no bridge.
    x += "    <interface type='user'>\n      <model type='virtio'/>\n    </interface>\n";
    x += "    <controller type='usb' model='qemu-xhci'/>\n";
    x += "    <input type='tablet' bus='usb'/>\n";
    x += "    <input type='keyboard' bus='virtio'/>\n";
    x += "    <graphics type='dbus' p2p='yes'>\n";
    if (gl)
        x += "      <gl enable='yes' rendernode='" + escape(spec.gl_render_node) + "'/>\n";
    x += "      <audio id='1'/>\n";
    x += "    </graphics>\n";
    x += "    <audio id='1' type='dbus'/>\n";
    x += "    <sound model='ich9'>\n      <audio id='1'/>\n    </sound>\n";
    x += "    <video>\n      <model type='virtio' heads='1' primary='yes'>\n";
    if (gl)
        x += "        <acceleration accel3d='yes'/>\n";
    x += "      </model>\n    </video>\n";
    if (windows)
        x += "    <tpm model='tpm-crb'>\n"
             "      <backend type='emulator' version='2.0'/>\n"
             "    </tpm>\n";
    x += "    <rng model='virtio'>\n      <backend model='random'>/dev/urandom</backend>\n"
         "    </rng>\n";
    // The clipboard, through QEMU's own vdagent: libvirt adds the
    // virtio-serial controller.
    x += "    <channel type='qemu-vdagent'>\n"
         "      <source>\n"
         "        <clipboard copypaste='yes'/>\n"
         "        <mouse mode='server'/>\n"
         "      </source>\n"
         "      <target type='virtio' name='com.redhat.spice.0'/>\n"
         "    </channel>\n";
    x += "    <memballoon model='virtio'/>\n";
    x += "  </devices>\n";
    x += "</domain>\n";
    return x;
}

std::optional<Adoption> adopt_domain_xml(std::string_view xml, std::string &error)
{
    xmlDoc *doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "domain.xml", nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : nullptr;
    if (!root || !name_is(root, "domain")) {
        error = doc ? "not a libvirt domain" : "the domain XML does not parse";
        xmlFreeDoc(doc);
        return std::nullopt;
    }
    xmlNode *devices = nullptr;
    for (xmlNode *node = root->children; node; node = node->next)
        if (name_is(node, "devices"))
            devices = node;
    if (!devices)
        devices = add_element(root, "devices", {});

    Adoption adoption;
    xmlNode *dbus = nullptr;
    bool absolute_pointer = false;
    xmlNode *vdagent = nullptr;      // a qemu-vdagent channel, wherever it points
    xmlNode *vdagent_port = nullptr; // another channel on the vdagent port
    for (xmlNode *node = devices->children; node; node = node->next) {
        if (name_is(node, "graphics") && attribute(node, "type") == "dbus" && !dbus)
            dbus = node;
        if (name_is(node, "channel")) {
            if (attribute(node, "type") == "qemu-vdagent") {
                if (!vdagent)
                    vdagent = node;
            } else if (attribute(first_child(node, "target"), "name") == kVdagentPort &&
                       !vdagent_port) {
                vdagent_port = node;
            }
        }
        // QEMU's absolute pointers: a tablet (USB or virtio).
        if (name_is(node, "input") && attribute(node, "type") == "tablet")
            absolute_pointer = true;
    }
    if (!dbus) {
        add_element(devices, "graphics", {{"type", "dbus"}, {"p2p", "yes"}});
        adoption.added.push_back("<graphics type='dbus' p2p='yes'/>");
    } else if (attribute(dbus, "p2p") != "yes") {
        xmlSetProp(dbus, reinterpret_cast<const xmlChar *>("p2p"),
                   reinterpret_cast<const xmlChar *>("yes"));
        adoption.added.push_back("p2p='yes' on the existing <graphics type='dbus'>");
    }
    if (!absolute_pointer) {
        add_element(devices, "input", {{"type", "tablet"}, {"bus", "usb"}});
        adoption.added.push_back("<input type='tablet' bus='usb'/>");
    }
    if (vdagent) {
        xmlNode *source = first_child(vdagent, "source");
        if (!source)
            source = add_element(vdagent, "source", {});
        xmlNode *clipboard = first_child(source, "clipboard");
        if (!clipboard) {
            add_element(source, "clipboard", {{"copypaste", "yes"}});
            adoption.added.push_back(
                "<clipboard copypaste='yes'/> in the existing qemu-vdagent channel");
        } else if (attribute(clipboard, "copypaste") != "yes") {
            xmlSetProp(clipboard, reinterpret_cast<const xmlChar *>("copypaste"),
                       reinterpret_cast<const xmlChar *>("yes"));
            adoption.added.push_back("copypaste='yes' on the existing qemu-vdagent channel");
        }
    } else if (vdagent_port) {
        // Two channels on one port: libvirt would refuse the domain.
        adoption.notes.push_back("no clipboard: a " + attribute(vdagent_port, "type") +
                                 " channel holds " + kVdagentPort + "; replace it with " +
                                 kClipboardChannelXml + " for the session's clipboard");
    } else {
        xmlNode *channel = add_element(devices, "channel", {{"type", "qemu-vdagent"}});
        xmlNode *source = add_element(channel, "source", {});
        add_element(source, "clipboard", {{"copypaste", "yes"}});
        add_element(source, "mouse", {{"mode", "server"}});
        add_element(channel, "target", {{"type", "virtio"}, {"name", kVdagentPort}});
        adoption.added.push_back(kClipboardChannelXml);
    }
    xmlChar *text = nullptr;
    int size = 0;
    xmlDocDumpMemory(doc, &text, &size);
    adoption.xml.assign(reinterpret_cast<const char *>(text), static_cast<std::size_t>(size));
    xmlFree(text);
    xmlFreeDoc(doc);
    return adoption;
}

std::optional<std::string> domain_name(std::string_view xml, std::string &error)
{
    xmlDoc *doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "domain.xml", nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : nullptr;
    std::optional<std::string> name;
    if (!doc)
        error = "the XML does not parse";
    else if (!root || !name_is(root, "domain"))
        error = "not a libvirt domain: the root element is not <domain>";
    else
        for (xmlNode *node = root->children; node && !name; node = node->next)
            if (name_is(node, "name")) {
                xmlChar *text = xmlNodeGetContent(node);
                if (text && text[0])
                    name = reinterpret_cast<const char *>(text);
                xmlFree(text);
            }
    if (doc && !name && error.empty())
        error = "the domain has no <name>";
    xmlFreeDoc(doc);
    return name;
}

} // namespace phyllome::libvirt
