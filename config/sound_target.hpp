// Where a seat's sound goes (audio_out) and comes from (audio_in): the
// sound server's default device, or a device by its PipeWire node name.
// (A sound card's udev path, as device rules name input devices, is not
// taken: PipeWire's registry does not say it without binding every device,
// and a target the session could not find must not play elsewhere.)
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace phyllome::config {

struct SoundTarget {
    enum class Kind {
        Default, // default   - whatever the sound server's default is
        Node,    // node:GLOB - fnmatch against the PipeWire node name
    };
    Kind kind = Kind::Default;
    std::string pattern; // the glob (Node)

    bool operator==(const SoundTarget &) const = default;
};

// Parses an audio_out or audio_in value. On failure returns nullopt and
// sets error to a sentence saying why.
std::optional<SoundTarget> parse_sound_target(std::string_view text, std::string &error);

// The target as it is written in the file ("default", "node:alsa_output.*").
std::string to_string(const SoundTarget &target);

} // namespace phyllome::config
