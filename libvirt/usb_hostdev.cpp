#include "libvirt/usb_hostdev.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>

#include <libxml/parser.h>
#include <libxml/tree.h>

namespace phyllome::libvirt {
namespace {

bool name_is(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE &&
           std::strcmp(reinterpret_cast<const char *>(node->name), name) == 0;
}

xmlNode *child(xmlNode *parent, const char *name)
{
    for (xmlNode *node = parent ? parent->children : nullptr; node; node = node->next)
        if (name_is(node, name))
            return node;
    return nullptr;
}

std::string attribute(xmlNode *node, const char *name)
{
    if (!node)
        return {};
    xmlChar *value = xmlGetProp(node, reinterpret_cast<const xmlChar *>(name));
    std::string text = value ? reinterpret_cast<const char *>(value) : "";
    xmlFree(value);
    return text;
}

// A number as libvirt writes it: decimal, or hexadecimal after "0x"; 0
// when it is not one.
unsigned number(std::string_view text)
{
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    return error == std::errc() && end == text.data() + text.size() ? value : 0;
}

std::uint16_t id16(unsigned value)
{
    return value > 0xffff ? 0 : static_cast<std::uint16_t>(value);
}

std::string hex4(std::uint16_t value)
{
    char text[8];
    std::snprintf(text, sizeof text, "0x%04x", value);
    return text;
}

} // namespace

std::optional<std::string> usb_hostdev_alias(std::string_view sysname)
{
    if (sysname.empty())
        return std::nullopt;
    std::string alias(kUsbAliasPrefix);
    for (char c : sysname) {
        if (c == '.' || c == ':')
            alias += '-';
        else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-')
            alias += c;
        else
            return std::nullopt;
    }
    return alias;
}

std::optional<std::string> check_usb_hostdev(const UsbHostdev &hostdev)
{
    if (!usb_hostdev_alias(hostdev.sysname))
        return "USB device name \"" + hostdev.sysname +
               "\" is not a sysfs name (letters, digits, '-', '.' and ':')";
    if (hostdev.bus == 0 || hostdev.device == 0)
        return "USB device " + hostdev.sysname + " has no bus and device number";
    if (hostdev.vendor == 0)
        return "USB device " + hostdev.sysname + " has no vendor id";
    return std::nullopt;
}

std::string usb_hostdev_xml(const UsbHostdev &hostdev)
{
    // Every value is a number or an alias of [A-Za-z0-9-]: nothing to escape.
    const std::string alias = usb_hostdev_alias(hostdev.sysname).value_or(std::string());
    std::string x = "<hostdev mode='subsystem' type='usb'>\n"
                    "  <source>\n";
    x += "    <vendor id='" + hex4(hostdev.vendor) + "'/>\n";
    x += "    <product id='" + hex4(hostdev.product) + "'/>\n";
    x += "    <address bus='" + std::to_string(hostdev.bus) + "' device='" +
         std::to_string(hostdev.device) + "'/>\n";
    x += "  </source>\n";
    if (!alias.empty())
        x += "  <alias name='" + alias + "'/>\n";
    x += "</hostdev>\n";
    return x;
}

std::optional<std::vector<UsbHostdev>> read_usb_hostdevs(std::string_view domain_xml)
{
    xmlDoc *doc =
        xmlReadMemory(domain_xml.data(), static_cast<int>(domain_xml.size()), "domain.xml", nullptr,
                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return std::nullopt;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *devices = name_is(root, "domain") ? child(root, "devices") : nullptr;
    std::vector<UsbHostdev> found;
    for (xmlNode *node = devices ? devices->children : nullptr; node; node = node->next) {
        if (!name_is(node, "hostdev") || attribute(node, "mode") != "subsystem" ||
            attribute(node, "type") != "usb")
            continue;
        const std::string alias = attribute(child(node, "alias"), "name");
        if (alias.size() <= kUsbAliasPrefix.size() || alias.rfind(kUsbAliasPrefix, 0) != 0)
            continue; // not the session's: someone else's to keep
        xmlNode *source = child(node, "source");
        xmlNode *address = child(source, "address");
        UsbHostdev hostdev;
        hostdev.sysname = alias.substr(kUsbAliasPrefix.size());
        if (usb_hostdev_alias(hostdev.sysname) != alias)
            continue; // "ua-phyllome-a_b": no alias the session gives
        hostdev.bus = number(attribute(address, "bus"));
        hostdev.device = number(attribute(address, "device"));
        hostdev.vendor = id16(number(attribute(child(source, "vendor"), "id")));
        hostdev.product = id16(number(attribute(child(source, "product"), "id")));
        found.push_back(std::move(hostdev));
    }
    xmlFreeDoc(doc);
    return found;
}

} // namespace phyllome::libvirt
