// Where a seat's sound goes (audio_out) and comes from (audio_in): the
// sound server's default device, a device by its PipeWire node name, or a
// sound card by its udev path, written as device rules are.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace phyllome::config {

struct SoundTarget {
    enum class Kind {
        Default, // default   - whatever the sound server's default is
        Node,    // node:GLOB - fnmatch against the PipeWire node name
        Path,    // path:GLOB - fnmatch against the sound card's udev ID_PATH
    };
    Kind kind = Kind::Default;
    std::string pattern; // the glob (Node, Path)

    bool operator==(const SoundTarget &) const = default;
};

// Parses an audio_out or audio_in value. On failure returns nullopt and
// sets error to a sentence saying why.
std::optional<SoundTarget> parse_sound_target(std::string_view text, std::string &error);

// The target as it is written in the file ("default", "node:alsa_output.*").
std::string to_string(const SoundTarget &target);

// True when a device with this PipeWire node name and udev path (empty when
// unknown) is the target. Default matches nothing here: the sound server
// picks it.
bool matches(const SoundTarget &target, std::string_view node_name, std::string_view id_path);

} // namespace phyllome::config
