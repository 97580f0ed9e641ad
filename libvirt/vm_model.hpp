// The session's VM model as libvirt domain XML: `vm create` defines a new
// domain with it, `vm adopt` adds to an existing domain what the session
// needs to show and drive it. Pure functions: no libvirt calls here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace phyllome::libvirt {

enum class GuestOs { Linux, Windows, Other };

std::optional<GuestOs> parse_guest_os(std::string_view text);

// "20G", "512M", "1T", "4096" (MiB when no unit): bytes, or nullopt for
// anything else (negative, fractional, overflowing, unknown unit).
std::optional<std::uint64_t> parse_size(std::string_view text);

// `vm create`'s sizes, each rule stated whole: phyllomectl checks them
// before sending (bad usage) and the session again (any peer), in the same
// words.
inline constexpr unsigned kMaxVmCpus = 512;
inline constexpr const char *kCpusRule = "--cpus takes a whole number from 1 to 512";
inline constexpr const char *kMemoryRule =
    "--memory takes a whole number of MiB from 256M to 4T, written with a unit K, M, G or T "
    "(powers of 1024; MiB without one), like 4G or 4096M";
inline constexpr const char *kDiskRule =
    "--disk-size takes a size of at least 1G, written as a whole number with a unit K, M, G "
    "or T (powers of 1024; MiB without one), like 40G";

// A new VM as the user wrote it (`vm create`'s request). Sizes like "20G"
// or "4096M"; the session checks them. Empty or 0: the default.
struct NewVm {
    std::string name;
    std::string os; // linux, windows, other
    std::string iso;
    std::string disk_size;
    std::string memory;
    unsigned cpus = 0;
    bool operator==(const NewVm &) const = default;
};

struct VmSizes {
    std::uint64_t disk_bytes = 40ull << 30;
    std::uint64_t memory_bytes = 4ull << 30;
    unsigned cpus = 2;
};
// The sizes as written ("" and 0: the default), or the rule one breaks.
std::variant<VmSizes, std::string> vm_sizes(std::string_view disk_size, std::string_view memory,
                                            unsigned cpus);

struct VmSpec {
    std::string name;
    GuestOs os = GuestOs::Linux;
    std::string disk_path; // a qcow2 image the caller created
    std::string iso_path;  // install media; empty: none
    std::uint64_t memory_bytes = 4ull << 30;
    unsigned cpus = 2;
    bool kvm = true;            // domain type kvm, else qemu (TCG)
    bool uefi = true;           // OVMF is installed
    std::string gl_render_node; // virgl on this node (GPU preflight passed); empty: none
};

// Why a spec cannot be defined (bad name, sizes out of range, paths not
// absolute), or nullopt when it can.
std::optional<std::string> check_vm_spec(const VmSpec &spec);

// The domain XML of the optimized model: q35, UEFI where OVMF is installed,
// virtio disk and network, virtio-vga (with virgl when a render node is
// given), a USB tablet, the D-Bus display (p2p) and D-Bus audio, the
// clipboard channel (kClipboardChannelXml, domain_xml.hpp); for
// Windows a TPM 2.0 (swtpm) and Hyper-V enlightenments. The spec must pass
// check_vm_spec.
std::string create_domain_xml(const VmSpec &spec);

struct Adoption {
    std::string xml;                // the domain with the additions
    std::vector<std::string> added; // each addition, as XML, for the user
    std::vector<std::string> notes; // what it left alone that the user may want to change
};

// What `vm adopt` adds to a domain: <graphics type='dbus' p2p='yes'/>
// unless it has one (an existing D-Bus display gets p2p='yes'), a USB
// tablet unless it has an absolute pointing device, and the clipboard
// channel unless a channel holds the vdagent port (an existing
// qemu-vdagent channel gets copypaste='yes'; another kind there, SPICE's
// spicevmc, is kept and noted). nullopt (and `error`) when the XML is not
// a domain.
std::optional<Adoption> adopt_domain_xml(std::string_view xml, std::string &error);

// The <name> of a libvirt domain XML (what `vm define` defines), or nullopt
// (and `error`) when the XML does not parse, is no domain or has no name.
std::optional<std::string> domain_name(std::string_view xml, std::string &error);

} // namespace phyllome::libvirt
