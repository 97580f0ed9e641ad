// What the session needs to know from a libvirt domain's XML.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace phyllome::libvirt {

struct DomainGraphics {
    // Index of the <graphics type='dbus' p2p='yes'/> element among the
    // domain's <graphics> elements, as virDomainOpenGraphicsFD takes it.
    std::optional<unsigned> dbus_p2p_index;
    bool has_dbus = false; // a D-Bus display, perhaps without p2p
};

// nullopt when the XML cannot be parsed.
std::optional<DomainGraphics> read_domain_graphics(std::string_view xml);

// The XML a user adds to a domain so the session can show it.
inline constexpr const char *kDbusGraphicsXml = "<graphics type='dbus' p2p='yes'/>";

} // namespace phyllome::libvirt
