#include "control/format.hpp"

#include <cstdint>
#include <cstdio>
#include <sstream>

#include "config/diagnostic.hpp"

namespace phyllome::control {
namespace {

using nlohmann::json;

// A member as text for a terminal: names come from the session file and
// from devices, so control characters are escaped.
std::string text(const json &object, const char *key, const std::string &absent = "?")
{
    if (!object.is_object())
        return absent;
    auto it = object.find(key);
    if (it == object.end() || it->is_null())
        return absent;
    return it->is_string() ? config::printable(it->get<std::string>()) : it->dump();
}

// The member, or null when absent or when `object` is no object.
const json &member(const json &object, const char *key)
{
    static const json none;
    if (!object.is_object())
        return none;
    auto it = object.find(key);
    return it == object.end() ? none : *it;
}

const json &array(const json &object, const char *key)
{
    static const json empty = json::array();
    if (!object.is_object())
        return empty;
    auto it = object.find(key);
    return it != object.end() && it->is_array() ? *it : empty;
}

std::string joined(const json &items)
{
    std::string out;
    for (const auto &item : items)
        out += (out.empty() ? "" : ", ") +
               (item.is_string() ? config::printable(item.get<std::string>()) : "?");
    return out.empty() ? "none" : out;
}

std::string console_text(const json &console)
{
    if (!console.is_object())
        return "status card";
    const json &counters = member(console, "counters");
    std::ostringstream out;
    out << "console " << text(console, "id") << " " << text(console, "width") << "x"
        << text(console, "height") << ", " << text(counters, "frames_presented")
        << " frames presented, " << text(counters, "frames_dropped") << " dropped, "
        << text(counters, "messages") << " messages (" << text(counters, "messages_rejected")
        << " rejected), " << text(counters, "pixel_bytes_copied") << " bytes copied, "
        << text(counters, "uploads") << " uploads, " << text(counters, "direct_scanouts")
        << " direct scanouts";
    // The latency the session adds, mean and worst, in milliseconds.
    const json &presented = member(counters, "frames_presented");
    const json &total = member(counters, "present_latency_ns_total");
    const json &max = member(counters, "present_latency_ns_max");
    if (presented.is_number_unsigned() && presented.get<uint64_t>() > 0 &&
        total.is_number_unsigned() && max.is_number_unsigned()) {
        char latency[96];
        std::snprintf(latency, sizeof latency, ", latency %.2f ms mean, %.2f ms max",
                      static_cast<double>(total.get<uint64_t>()) / presented.get<uint64_t>() / 1e6,
                      static_cast<double>(max.get<uint64_t>()) / 1e6);
        out << latency;
    }
    return out.str();
}

// Which configuration is in force, why the file is not, and its warnings.
std::string config_text(const json &config)
{
    if (!config.is_object())
        return "";
    std::ostringstream out;
    const std::string path = text(config, "path", "");
    const std::string in_force = text(config, "in_force", "");
    if (path.empty()) {
        out << "session file: none, the built-in default is in force\n";
    } else if (in_force == "file") {
        out << "session file: " << path << "\n";
    } else {
        out << "session file: " << path << " is invalid; in force: "
            << (in_force == "last valid" ? "its last valid version" : "the built-in default")
            << "\n";
    }
    for (const char *key : {"errors", "warnings"})
        for (const json &line : array(config, key))
            out << "  " << (line.is_string() ? config::printable(line.get<std::string>()) : "?")
                << "\n";
    return out.str();
}

// The session's PipeWire connection.
std::string sound_text(const json &sound)
{
    if (!sound.is_object())
        return "";
    if (member(sound, "connected") == true)
        return "sound: PipeWire " + text(sound, "version") + " (" + text(sound, "name") + ") at " +
               text(sound, "socket") + "\n";
    return "sound: none: " + text(sound, "error", "not connected") + "\n";
}

// A seat's audio_out or audio_in: what it is set to and where it leads.
std::string target_text(const char *key, const json &target)
{
    if (!target.is_object())
        return "";
    std::string out = std::string("  ") + key + " " + text(target, "target") + ": ";
    if (!text(target, "node", "").empty())
        out += text(target, "node");
    else
        out += (member(target, "resolves") == true ? "" : "not found: ") + text(target, "detail");
    return out + "\n";
}

std::string numbers(const json &items)
{
    std::string out;
    for (const auto &item : items)
        out += (out.empty() ? "" : ",") + (item.is_number() ? item.dump() : std::string("?"));
    return out.empty() ? "-" : out;
}

// One stream of a VM: "playback voice 1 s16le 48000 Hz 2 ch, volume
// 255,255 -> test-sink-a (streaming), 96000 bytes, 0 underruns, 0 overruns".
std::string stream_text(const json &stream)
{
    std::ostringstream out;
    out << "  " << text(stream, "direction") << " voice " << text(stream, "voice") << " "
        << text(stream, "format") << " " << text(stream, "rate") << " Hz "
        << text(stream, "channels") << " ch, volume " << numbers(array(stream, "volume"));
    if (member(stream, "muted") == true)
        out << " muted";
    out << (text(stream, "direction") == "capture" ? " <- " : " -> ");
    if (text(stream, "node", "").empty())
        out << "no node (" << text(stream, "no_node") << ")";
    else
        out << text(stream, "node");
    out << " (" << text(stream, "state") << "), " << text(stream, "bytes") << " bytes, "
        << text(stream, "underruns") << " underruns, " << text(stream, "overruns") << " overruns";
    if (!text(stream, "silent", "").empty())
        out << "; silent: " << text(stream, "silent");
    return out.str() + "\n";
}

// A VM's sound, when it has a display to have it through.
std::string vm_sound_text(const json &sound)
{
    const std::string state = text(sound, "state", "");
    if (state.empty() || state == "no display")
        return "";
    std::string out;
    if (state != "listening" || array(sound, "streams").empty())
        out = "  sound: " + state +
              (text(sound, "detail", "").empty() ? "" : ": " + text(sound, "detail")) + "\n";
    for (const json &stream : array(sound, "streams"))
        out += stream_text(stream);
    return out;
}

namespace {

// Sizes as the banners give them: "12 bytes", "2.1 KiB", "1.0 MiB".
std::string size_text(const json &bytes)
{
    if (!bytes.is_number())
        return "?";
    const double n = bytes.get<double>();
    char out[32];
    if (n == 1)
        return "1 byte";
    if (n < 1024)
        std::snprintf(out, sizeof(out), "%.0f bytes", n);
    else if (n < 1024 * 1024)
        std::snprintf(out, sizeof(out), "%.1f KiB", n / 1024);
    else
        std::snprintf(out, sizeof(out), "%.1f MiB", n / (1024 * 1024));
    return out;
}

// A seat's clipboard buffer: its size and where it came from, never the text.
std::string seat_clipboard_text(const json &clipboard)
{
    if (!clipboard.is_object())
        return "";
    const std::string shared = member(clipboard, "shared") == true ? " (shared by all seats)" : "";
    if (!member(clipboard, "bytes").is_number())
        return "  clipboard: empty" + shared + "\n";
    return "  clipboard: " + size_text(member(clipboard, "bytes")) + " of text from " +
           text(clipboard, "from_vm") + " (taken on seat " + text(clipboard, "from_seat") + ")" +
           shared + "\n";
}

// A VM's clipboard: the session's peer with QEMU and what stands.
std::string vm_clipboard_text(const json &clipboard)
{
    if (!clipboard.is_object())
        return "";
    const std::string state = text(clipboard, "state", "");
    if (state == "no display")
        return "";
    std::string out = "  clipboard: " + state;
    if (!text(clipboard, "detail", "").empty())
        out += ": " + text(clipboard, "detail");
    if (member(clipboard, "guest_has_text") == true)
        out += " (the guest has copied text)";
    if (member(clipboard, "offered_bytes").is_number())
        out += " (" + size_text(member(clipboard, "offered_bytes")) + " offered to the guest)";
    return out + "\n";
}

} // namespace

std::string status_text(const json &reply)
{
    std::ostringstream out;
    out << config_text(member(reply, "config"));
    out << sound_text(member(reply, "sound"));
    for (const json &seat : array(reply, "seats")) {
        out << "seat " << text(seat, "name") << ": ";
        if (text(seat, "vm", "").empty())
            out << "no VM\n";
        else
            out << text(seat, "vm") << " (" << text(seat, "state") << ")\n";
        for (const json &output : array(seat, "outputs"))
            out << "  output " << text(output, "name") << " " << text(output, "width") << "x"
                << text(output, "height") << ": "
                << (member(output, "enabled") == false
                        ? (member(output, "off_for_guest") == true
                               ? "off (the guest switched its display off)"
                               : "off")
                        : console_text(member(output, "console")))
                << "\n";
        out << "  devices: " << joined(array(seat, "devices")) << "\n";
        out << target_text("audio_out", member(seat, "audio_out"))
            << target_text("audio_in", member(seat, "audio_in"))
            << seat_clipboard_text(member(seat, "clipboard"));
    }
    for (const json &vm : array(reply, "vms")) {
        out << "vm " << text(vm, "name") << ": " << text(vm, "state");
        if (!array(vm, "shown_on").empty())
            out << " (shown on " << joined(array(vm, "shown_on")) << ")";
        out << "\n"
            << vm_sound_text(member(vm, "sound")) << vm_clipboard_text(member(vm, "clipboard"));
    }
    return out.str();
}

std::string device_text(const json &device)
{
    const json &identity = member(device, "identity");
    std::ostringstream out;
    out << text(identity, "name") << " (" << text(device, "type") << ", id "
        << text(identity, "vendor") << ":" << text(identity, "product");
    if (!text(identity, "id_path", "").empty())
        out << ", path " << text(identity, "id_path");
    out << "): ";
    if (text(device, "seat", "").empty())
        out << "no seat, its input is dropped";
    else
        out << "seat " << text(device, "seat") << " by rule " << text(device, "rule");
    return out.str();
}

std::string devices_text(const json &reply)
{
    std::string out;
    for (const json &device : array(reply, "devices"))
        out += device_text(device) + "\n";
    return out.empty() ? "no input devices\n" : out;
}

std::string identify_text(const json &reply)
{
    const json &device = member(reply, "device");
    return device_text(device) +
           "\nrules that pick it: " + joined(array(device, "suggested_rules")) + "\n";
}

// What a person should know about what was made (BIOS chosen, and why).
std::string notes_text(const json &reply)
{
    std::string out;
    for (const json &note : array(reply, "notes"))
        out += "note: " + (note.is_string() ? note.get<std::string>() : std::string("?")) + "\n";
    return out;
}

std::string adopt_text(const std::string &name, const json &reply)
{
    const json &added = array(reply, "added");
    if (added.empty())
        return "vm " + config::printable(name) + " already has what the session needs\n" +
               notes_text(reply);
    std::string out = "vm " + config::printable(name) + ": the old definition is saved in " +
                      text(reply, "saved") + "\nadded:\n";
    for (const json &item : added)
        out += "+ " + (item.is_string() ? config::printable(item.get<std::string>()) : "?") + "\n";
    return out + notes_text(reply);
}

std::string create_text(const std::string &name, const json &reply)
{
    const json &cpus = member(reply, "cpus");
    const bool one_cpu = cpus.is_number_unsigned() && cpus.get<std::uint64_t>() == 1;
    return "vm " + config::printable(name) + " defined: disk " + text(reply, "disk") + ", " +
           text(reply, "memory") + " of memory, " + text(reply, "cpus") +
           (one_cpu ? " CPU, " : " CPUs, ") +
           (member(reply, "uefi").is_boolean() && member(reply, "uefi").get<bool>() ? "UEFI"
                                                                                    : "BIOS") +
           ", 3D " + (text(reply, "gl", "").empty() ? "off" : "on " + text(reply, "gl")) + "\n" +
           notes_text(reply);
}

std::string list_text(const json &reply)
{
    std::string out;
    for (const json &vm : array(reply, "vms")) {
        out += "vm " + text(vm, "name") + ": " + text(vm, "state") + ", ";
        out += array(vm, "seats").empty() ? "on no seat" : "shown on " + joined(array(vm, "seats"));
        if (member(vm, "in_session_file").is_boolean() &&
            !member(vm, "in_session_file").get<bool>())
            out += ", not in the session file";
        out += "\n";
    }
    for (const json &failure : array(reply, "unreachable"))
        out +=
            "libvirt " + text(failure, "uri") + ": unreachable: " + text(failure, "error") + "\n";
    return out.empty() ? "no VMs\n" : out;
}

std::string xml_text(const json &reply)
{
    const auto it = reply.find("xml");
    std::string xml = it != reply.end() && it->is_string()
                          ? config::printable_lines(it->get<std::string>())
                          : std::string();
    if (!xml.empty() && xml.back() != '\n')
        xml += '\n';
    return xml;
}

std::string define_text(const json &reply)
{
    const std::string name = text(reply, "vm");
    if (text(reply, "saved", "").empty())
        return "vm " + name + " defined\n" + notes_text(reply);
    std::string out =
        "vm " + name + " redefined; the old definition is saved in " + text(reply, "saved") + "\n";
    if (member(reply, "running").is_boolean() && member(reply, "running").get<bool>())
        out += "it runs on as it was until it next starts\n";
    return out + notes_text(reply);
}

std::string usb_device_text(const json &device)
{
    std::ostringstream out;
    out << text(device, "device") << " " << text(device, "name", "(no name)") << " (id "
        << text(device, "vendor") << ":" << text(device, "product");
    if (!text(device, "id_path", "").empty())
        out << ", path " << text(device, "id_path");
    out << "): ";
    out << (text(device, "seat", "").empty() ? "no seat" : "seat " + text(device, "seat"));
    if (!text(device, "vm", "").empty())
        out << ", in vm " << text(device, "vm");
    out << ", " << text(device, "state");
    if (!text(device, "reason", "").empty())
        out << ": " << text(device, "reason");
    if (member(device, "manual").is_boolean() && member(device, "manual").get<bool>())
        out << " (by hand)";
    if (!text(device, "error", "").empty())
        out << "\n  last error: " << text(device, "error");
    return out.str();
}

std::string usb_text(const UsbRequest &request, const json &reply)
{
    if (request.action == UsbRequest::Action::Attach)
        return "usb " + config::printable(request.device) + " attached to vm " + text(reply, "vm") +
               "\n";
    if (request.action == UsbRequest::Action::Detach)
        return "usb " + config::printable(request.device) + " detached\n";
    std::string out;
    if (!text(reply, "problem", "").empty())
        out += "USB devices are not followed: " + text(reply, "problem") + "\n";
    for (const json &device : array(reply, "devices"))
        out += usb_device_text(device) + "\n";
    // What a VM held from before the session started, when unclear.
    for (const json &vm : array(reply, "vms"))
        if (!text(vm, "error", "").empty())
            out += "vm " + text(vm, "vm") + ": USB devices it held: " + text(vm, "error") + "\n";
    return out.empty() ? "no USB devices\n" : out;
}

} // namespace

std::string format_reply(const Request &request, const json &reply)
{
    return std::visit(
        [&reply](const auto &r) -> std::string {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, StatusRequest>)
                return status_text(reply);
            else if constexpr (std::is_same_v<T, DevicesRequest>)
                return devices_text(reply);
            else if constexpr (std::is_same_v<T, IdentifyRequest>)
                return identify_text(reply);
            else if constexpr (std::is_same_v<T, SwitchRequest>)
                return "seat " + config::printable(r.seat) + " shows " + config::printable(r.vm) +
                       "\n";
            else if constexpr (std::is_same_v<T, ReloadRequest>)
                return text(reply, "status") + "\n";
            else if constexpr (std::is_same_v<T, VmRequest>)
                return "vm " + config::printable(r.name) + ": " + std::string(to_string(r.action)) +
                       " done\n";
            else if constexpr (std::is_same_v<T, VmAdoptRequest>)
                return adopt_text(r.name, reply);
            else if constexpr (std::is_same_v<T, VmListRequest>)
                return list_text(reply);
            else if constexpr (std::is_same_v<T, VmXmlRequest>)
                return xml_text(reply);
            else if constexpr (std::is_same_v<T, VmDefineRequest>)
                return define_text(reply);
            else if constexpr (std::is_same_v<T, UsbRequest>)
                return usb_text(r, reply);
            else
                return create_text(r.name, reply);
        },
        request);
}

} // namespace phyllome::control
