// The tiny Linux test guest (tests/guest): Debian's kernel and an initramfs
// of busybox plus a program printing every input event the guest receives
// to its serial port. A GuestVm runs one in a real QEMU with a D-Bus display
// and reads its serial port, so a test sees what the guest's kernel got.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/qmp.hpp"

struct wl_event_loop;
struct wl_event_source;

namespace phyllome::test {

struct GuestImage {
    std::string kernel, initrd;
};

// Builds the guest, or finds it cached under the build folder (the first
// run downloads Debian's packages). Throws with the builder's output.
GuestImage build_guest();

// Where the guest runs: "kvm" when KVM boots it here, else "tcg"
// (tests/guest/guest-accelerator decides, once per boot of the machine).
std::string guest_accelerator();

// More than the devices: QEMU arguments as they are, words for the
// guest's kernel command line (phyllome.tone=HZ, phyllome.animate), and
// a sound card: intel-hda with an output-only codec on a D-Bus audiodev
// that the display serves (its Audio object), which phyllome.tone=HZ
// plays to.
struct GuestExtra {
    std::vector<std::string> arguments;
    std::string command_line;
    bool sound = false;
};

class GuestVm {
public:
    using Extra = GuestExtra;

    // Starts QEMU (daemonized, QMP and serial on sockets in `dir`) with the
    // guest and the given extra -device values. Throws if QEMU fails.
    GuestVm(const GuestImage &image, const std::string &name, const std::string &dir,
            const std::string &accelerator, const std::vector<std::string> &devices,
            const Extra &extra = {});
    ~GuestVm();
    GuestVm(const GuestVm &) = delete;
    GuestVm &operator=(const GuestVm &) = delete;

    Qmp &qmp() { return *qmp_; }
    // QEMU's version from QMP, e.g. {10, 0}.
    std::pair<int, int> qemu_version();

    // SIGKILL, as a crash would; returns once QEMU is gone (false if it
    // outlived `timeout`).
    bool kill(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // False once QEMU has ended.
    bool running() const;
    const std::string &name() const { return name_; }

    // Everything the guest printed so far.
    const std::string &serial() const { return serial_; }
    // Reads what the serial port has now, without waiting.
    void read_serial();
    // Reads until `text` is in the serial output or the timeout passes.
    bool wait_for(const std::string &text, std::chrono::milliseconds timeout);
    // Reads the serial port whenever `loop` dispatches (for tests that run
    // a compositor loop while the guest talks).
    void watch_on(wl_event_loop *loop);

    // The guest's node for the input device named `device_name` (from the
    // printer's "device eventN "NAME"" lines), or nullopt.
    std::optional<std::string> event_node(const std::string &device_name) const;
    // The printer's event lines of one node, "key 30 1" style, in order.
    std::vector<std::string> events_of(const std::string &node) const;

private:
    std::string name_, dir_;
    pid_t pid_ = -1;
    int serial_fd_ = -1;
    std::string serial_;
    std::unique_ptr<Qmp> qmp_;
    wl_event_source *watch_ = nullptr;
};

} // namespace phyllome::test
