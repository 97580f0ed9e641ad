#include "config/sound_target.hpp"

#include <fnmatch.h>

namespace phyllome::config {

std::optional<SoundTarget> parse_sound_target(std::string_view text, std::string &error)
{
    constexpr std::string_view kExpected =
        "expected default, node:GLOB for a PipeWire node name such as node:alsa_output.usb-*, "
        "or path:GLOB for a sound card's udev path such as path:pci-0000:00:1f.3";
    if (text == "default")
        return SoundTarget{};
    for (const auto &[prefix, kind] :
         {std::pair{std::string_view("node:"), SoundTarget::Kind::Node},
          std::pair{std::string_view("path:"), SoundTarget::Kind::Path}}) {
        if (text.substr(0, prefix.size()) != prefix)
            continue;
        if (text.size() == prefix.size()) {
            error = "'" + std::string(prefix) + "' needs a value after the colon (" +
                    std::string(kExpected) + ")";
            return std::nullopt;
        }
        return SoundTarget{kind, std::string(text.substr(prefix.size()))};
    }
    error = "unknown sound device '" + std::string(text) + "' (" + std::string(kExpected) + ")";
    return std::nullopt;
}

std::string to_string(const SoundTarget &target)
{
    switch (target.kind) {
    case SoundTarget::Kind::Node:
        return "node:" + target.pattern;
    case SoundTarget::Kind::Path:
        return "path:" + target.pattern;
    case SoundTarget::Kind::Default:
        break;
    }
    return "default";
}

bool matches(const SoundTarget &target, std::string_view node_name, std::string_view id_path)
{
    const std::string pattern = target.pattern;
    switch (target.kind) {
    case SoundTarget::Kind::Node:
        return !node_name.empty() &&
               fnmatch(pattern.c_str(), std::string(node_name).c_str(), 0) == 0;
    case SoundTarget::Kind::Path:
        return !id_path.empty() && fnmatch(pattern.c_str(), std::string(id_path).c_str(), 0) == 0;
    case SoundTarget::Kind::Default:
        break;
    }
    return false;
}

} // namespace phyllome::config
