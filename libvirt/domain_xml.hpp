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

// Whether the domain has the clipboard channel the session's clipboard
// needs: <channel type='qemu-vdagent'> with <clipboard copypaste='yes'/>
// in its <source>. nullopt when the XML cannot be parsed.
std::optional<bool> has_clipboard_channel(std::string_view xml);

// The XML a user adds to a domain so the session can show it.
inline constexpr const char *kDbusGraphicsXml = "<graphics type='dbus' p2p='yes'/>";

// The channel the session's clipboard goes through: QEMU's own vdagent on
// the port the guest's spice-vdagent looks for, with the clipboard on and
// the pointer left to the USB tablet (mode='server': the agent does not
// take the pointer over).
inline constexpr const char *kClipboardChannelXml =
    "<channel type='qemu-vdagent'><source><clipboard copypaste='yes'/><mouse mode='server'/>"
    "</source><target type='virtio' name='com.redhat.spice.0'/></channel>";
inline constexpr const char *kVdagentPort = "com.redhat.spice.0";

} // namespace phyllome::libvirt
