#include "config/sound_target.hpp"

namespace phyllome::config {

std::optional<SoundTarget> parse_sound_target(std::string_view text, std::string &error)
{
    constexpr std::string_view kExpected =
        "expected default, or node:GLOB for a PipeWire node name such as "
        "node:alsa_output.usb-* (pw-cli ls Node lists them)";
    if (text == "default")
        return SoundTarget{};
    constexpr std::string_view kNode = "node:";
    if (text.substr(0, kNode.size()) == kNode) {
        if (text.size() == kNode.size()) {
            error = "'node:' needs a value after the colon (" + std::string(kExpected) + ")";
            return std::nullopt;
        }
        return SoundTarget{SoundTarget::Kind::Node, std::string(text.substr(kNode.size()))};
    }
    if (text.substr(0, 5) == "path:") {
        error = "sound devices are not found by udev path (" + std::string(kExpected) + ")";
        return std::nullopt;
    }
    error = "unknown sound device '" + std::string(text) + "' (" + std::string(kExpected) + ")";
    return std::nullopt;
}

std::string to_string(const SoundTarget &target)
{
    switch (target.kind) {
    case SoundTarget::Kind::Node:
        return "node:" + target.pattern;
    case SoundTarget::Kind::Default:
        break;
    }
    return "default";
}

} // namespace phyllome::config
