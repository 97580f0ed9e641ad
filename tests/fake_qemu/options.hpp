// Command line of fake-qemu and the QEMU release it imitates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fake_qemu {

// Behaviour switches by the release that introduced them (reference §4).
struct Version {
    int major = 7;
    int minor = 2;

    static std::optional<Version> parse(std::string_view text); // 7.2, 8.0, 9.2 or 10.1
    bool at_least(int maj, int min) const { return major * 100 + minor >= maj * 100 + min; }
    bool sends_cursor_on_register() const { return at_least(8, 0); }
    bool tracks_absolute_mode() const { return at_least(8, 0); }
    bool has_interfaces() const { return at_least(8, 1); }
    bool has_unix_map() const { return at_least(9, 2); }
    bool has_dmabuf2() const { return at_least(10, 1); }
    bool has_audio_nsamples() const { return at_least(10, 0); }
    // 7.2 looks a p2p audio listener up by the caller's bus name, which a
    // p2p connection lacks; 8.0 fixed it.
    bool takes_p2p_audio_listeners() const { return at_least(8, 0); }
    // 7.2 forgets a clipboard peer only when its bus name goes, which a p2p
    // connection never has; 8.0 forgets it when its connection closes.
    bool unregisters_clipboard_on_close() const { return at_least(8, 0); }
    std::string text() const { return std::to_string(major) + "." + std::to_string(minor); }
};

struct Options {
    Version version;
    int fd = -1;
    uint32_t width = 640;
    uint32_t height = 480;
    std::string name; // empty: "QEMU <version>", as QEMU without -name
    bool virtio = false;
    bool audio = false; // a dbus audiodev: the Audio object exists
    bool clipboard = false; // the Clipboard object exists
    // This is a second display connection: the first registered a clipboard
    // peer and closed (7.2 still holds it).
    bool clipboard_reconnect = false;
};

// Returns nullopt and fills *error on a bad command line.
std::optional<Options> parse_options(int argc, char **argv, std::string *error);

extern const char *const kUsage;

} // namespace fake_qemu
