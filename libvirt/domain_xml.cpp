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

} // namespace

std::optional<DomainGraphics> read_domain_graphics(std::string_view xml)
{
    // No network, no entities: the XML comes from libvirt, but a parser
    // should not be told more than it needs to trust.
    xmlDoc *doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "domain.xml", nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return std::nullopt;
    DomainGraphics graphics;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *devices =
        root && std::strcmp(reinterpret_cast<const char *>(root->name), "domain") == 0
            ? child(root, "devices")
            : nullptr;
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

} // namespace phyllome::libvirt
