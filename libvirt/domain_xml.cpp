#include "libvirt/domain_xml.hpp"

#include <cstring>

#include <libxml/parser.h>
#include <libxml/tree.h>

namespace phyllome::libvirt {
namespace {

bool attribute_is(xmlNode *node, const char *name, const char *value)
{
    xmlChar *text = xmlGetProp(node, reinterpret_cast<const xmlChar *>(name));
    const bool equal = text && std::strcmp(reinterpret_cast<const char *>(text), value) == 0;
    xmlFree(text);
    return equal;
}

xmlNode *child(xmlNode *parent, const char *name)
{
    for (xmlNode *node = parent ? parent->children : nullptr; node; node = node->next)
        if (node->type == XML_ELEMENT_NODE &&
            std::strcmp(reinterpret_cast<const char *>(node->name), name) == 0)
            return node;
    return nullptr;
}

xmlDoc *parse(std::string_view xml)
{
    // No network, no entities: the XML comes from libvirt, but a parser
    // should not be told more than it needs to trust.
    return xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "domain.xml", nullptr,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

xmlNode *devices_of(xmlDoc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    return root && std::strcmp(reinterpret_cast<const char *>(root->name), "domain") == 0
               ? child(root, "devices")
               : nullptr;
}

} // namespace

std::optional<DomainGraphics> read_domain_graphics(std::string_view xml)
{
    xmlDoc *doc = parse(xml);
    if (!doc)
        return std::nullopt;
    DomainGraphics graphics;
    xmlNode *devices = devices_of(doc);
    unsigned index = 0;
    for (xmlNode *node = devices ? devices->children : nullptr; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE ||
            std::strcmp(reinterpret_cast<const char *>(node->name), "graphics") != 0)
            continue;
        if (attribute_is(node, "type", "dbus")) {
            graphics.has_dbus = true;
            if (attribute_is(node, "p2p", "yes") && !graphics.dbus_p2p_index)
                graphics.dbus_p2p_index = index;
        }
        ++index;
    }
    xmlFreeDoc(doc);
    return graphics;
}

std::optional<bool> has_clipboard_channel(std::string_view xml)
{
    xmlDoc *doc = parse(xml);
    if (!doc)
        return std::nullopt;
    bool found = false;
    xmlNode *devices = devices_of(doc);
    for (xmlNode *node = devices ? devices->children : nullptr; node && !found; node = node->next)
        if (node->type == XML_ELEMENT_NODE &&
            std::strcmp(reinterpret_cast<const char *>(node->name), "channel") == 0 &&
            attribute_is(node, "type", "qemu-vdagent"))
            found = attribute_is(child(child(node, "source"), "clipboard"), "copypaste", "yes");
    xmlFreeDoc(doc);
    return found;
}

} // namespace phyllome::libvirt
