// Command-line options of phyllome-session. Parsing is pure so that every
// accepted and refused argument is unit-tested.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "compositor/output_size.hpp"

namespace phyllome {

struct Options {
    // Headless outputs to create, in order (HEADLESS-1, HEADLESS-2, ...);
    // empty: let wlroots pick the backend (DRM, nested Wayland or X11).
    std::vector<OutputSize> headless;
    int ready_fd = -1;                      // written and closed once every output showed a frame
    std::optional<std::string> config_path; // --config
    bool check_config = false;              // --check-config [PATH]: validate and exit
    // VM displays to open at start: a VM name and a connected peer-to-peer
    // D-Bus socket whose other end is QEMU's (--vm-fd NAME=FD).
    std::vector<std::pair<std::string, int>> vm_fds;
    bool verbose = false;
    bool help = false;
    bool version = false;
};

struct OptionsError {
    std::string message; // one line, without the program name
};

std::variant<Options, OptionsError> parse_options(const std::vector<std::string> &args);

// "1920x1080,1280x720" -> sizes; nullopt when malformed or out of range.
std::optional<std::vector<OutputSize>> parse_output_sizes(const std::string &text);

std::string usage_text();

} // namespace phyllome
