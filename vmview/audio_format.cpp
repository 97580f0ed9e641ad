#include "vmview/audio_format.hpp"

namespace phyllome::vmview {

std::optional<AudioFormat> check_audio_init(uint8_t bits, bool is_signed, bool is_float,
                                            uint32_t rate, uint8_t channels,
                                            uint32_t bytes_per_frame, uint32_t bytes_per_second,
                                            bool big_endian, std::string *why)
{
    auto refuse = [why](std::string reason) -> std::optional<AudioFormat> {
        if (why)
            *why = std::move(reason);
        return std::nullopt;
    };
    if (bits != 8 && bits != 16 && bits != 32)
        return refuse("samples of " + std::to_string(bits) + " bits (8, 16 or 32 are played)");
    if (is_float && bits != 32)
        return refuse("float samples of " + std::to_string(bits) + " bits (only 32)");
    if (rate < kMinAudioRate || rate > kMaxAudioRate)
        return refuse("a rate of " + std::to_string(rate) + " Hz (" +
                      std::to_string(kMinAudioRate) + " to " + std::to_string(kMaxAudioRate) +
                      " are played)");
    if (channels < 1 || channels > kMaxAudioChannels)
        return refuse(std::to_string(channels) + " channels (1 to " +
                      std::to_string(kMaxAudioChannels) + " are played)");
    AudioFormat format;
    format.bits = bits;
    format.is_signed = is_signed || is_float;
    format.is_float = is_float;
    format.big_endian = big_endian;
    format.rate = rate;
    format.channels = channels;
    if (bytes_per_frame != format.bytes_per_frame())
        return refuse(std::to_string(bytes_per_frame) + " bytes per frame where the format has " +
                      std::to_string(format.bytes_per_frame()));
    if (bytes_per_second != format.bytes_per_second())
        return refuse(std::to_string(bytes_per_second) + " bytes per second where the format has " +
                      std::to_string(format.bytes_per_second()));
    return format;
}

std::optional<std::string> check_audio_block(const AudioFormat &format, uint64_t bytes)
{
    if (bytes % format.bytes_per_frame() != 0)
        return std::to_string(bytes) + " bytes are not whole frames of " +
               std::to_string(format.bytes_per_frame()) + " bytes";
    const uint64_t limit = uint64_t{format.bytes_per_second()} * kMaxAudioBlockMs / 1000;
    if (bytes > limit)
        return std::to_string(bytes) + " bytes at once (at most " + std::to_string(limit) + ", " +
               std::to_string(kMaxAudioBlockMs) + " ms)";
    return std::nullopt;
}

std::string sample_name(const AudioFormat &format)
{
    std::string sample = format.is_float ? "f" : format.is_signed ? "s" : "u";
    sample += std::to_string(format.bits);
    if (format.bits > 8)
        sample += format.big_endian ? "be" : "le";
    return sample;
}

std::string to_string(const AudioFormat &format)
{
    return sample_name(format) + " " + std::to_string(format.rate) + " Hz " +
           std::to_string(format.channels) + " ch";
}

} // namespace phyllome::vmview
