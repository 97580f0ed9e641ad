#include "sound/format.hpp"

#include <algorithm>

#include <spa/param/audio/raw.h>

namespace phyllome::sound {

std::string format_problem(const Format &format)
{
    if (format.bits != 8 && format.bits != 16 && format.bits != 32)
        return "unsupported sample size " + std::to_string(format.bits) + " bits (8, 16 or 32)";
    if (format.is_float && format.bits != 32)
        return "float samples must be 32 bits, not " + std::to_string(format.bits);
    if (format.rate < 8000 || format.rate > 192000)
        return "unsupported rate " + std::to_string(format.rate) + " Hz (8000..192000)";
    if (format.channels < 1 || format.channels > 8)
        return "unsupported channel count " + std::to_string(format.channels) + " (1..8)";
    return {};
}

uint32_t spa_sample_format(const Format &f)
{
    if (!format_problem(f).empty())
        return SPA_AUDIO_FORMAT_UNKNOWN;
    if (f.is_float) // signedness means nothing for floats
        return f.big_endian ? SPA_AUDIO_FORMAT_F32_BE : SPA_AUDIO_FORMAT_F32_LE;
    switch (f.bits) {
    case 8: // one byte: no byte order
        return f.is_signed ? SPA_AUDIO_FORMAT_S8 : SPA_AUDIO_FORMAT_U8;
    case 16:
        if (f.is_signed)
            return f.big_endian ? SPA_AUDIO_FORMAT_S16_BE : SPA_AUDIO_FORMAT_S16_LE;
        return f.big_endian ? SPA_AUDIO_FORMAT_U16_BE : SPA_AUDIO_FORMAT_U16_LE;
    default:
        if (f.is_signed)
            return f.big_endian ? SPA_AUDIO_FORMAT_S32_BE : SPA_AUDIO_FORMAT_S32_LE;
        return f.big_endian ? SPA_AUDIO_FORMAT_U32_BE : SPA_AUDIO_FORMAT_U32_LE;
    }
}

std::vector<uint32_t> spa_channel_positions(int channels)
{
    switch (channels) {
    case 1:
        return {SPA_AUDIO_CHANNEL_MONO};
    case 2:
        return {SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR};
    case 3:
        return {SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_FC};
    case 4:
        return {SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_RL,
                SPA_AUDIO_CHANNEL_RR};
    case 5:
        return {SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_FC,
                SPA_AUDIO_CHANNEL_RL, SPA_AUDIO_CHANNEL_RR};
    case 6:
        return {SPA_AUDIO_CHANNEL_FL,  SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_FC,
                SPA_AUDIO_CHANNEL_LFE, SPA_AUDIO_CHANNEL_RL, SPA_AUDIO_CHANNEL_RR};
    case 7:
        return {SPA_AUDIO_CHANNEL_FL,  SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_FC,
                SPA_AUDIO_CHANNEL_LFE, SPA_AUDIO_CHANNEL_RL, SPA_AUDIO_CHANNEL_RR,
                SPA_AUDIO_CHANNEL_RC};
    case 8:
        return {SPA_AUDIO_CHANNEL_FL,  SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_FC,
                SPA_AUDIO_CHANNEL_LFE, SPA_AUDIO_CHANNEL_RL, SPA_AUDIO_CHANNEL_RR,
                SPA_AUDIO_CHANNEL_SL,  SPA_AUDIO_CHANNEL_SR};
    default:
        return {};
    }
}

size_t frame_bytes(const Format &format)
{
    return static_cast<size_t>(std::max(format.bits, 8) / 8) *
           static_cast<size_t>(std::max(format.channels, 1));
}

size_t bytes_for(const Format &format, int milliseconds)
{
    const auto ms = static_cast<uint64_t>(std::max(milliseconds, 0));
    const uint64_t frames = (static_cast<uint64_t>(std::max(format.rate, 0)) * ms + 999) / 1000;
    return static_cast<size_t>(frames) * frame_bytes(format);
}

void fill_silence(const Format &format, std::span<uint8_t> out)
{
    std::fill(out.begin(), out.end(), uint8_t{0});
    if (format.is_signed || format.is_float)
        return;
    // Unsigned: the middle of the range, 0x80 in the most significant byte.
    const size_t sample = static_cast<size_t>(std::max(format.bits, 8) / 8);
    const size_t msb = format.big_endian ? 0 : sample - 1;
    for (size_t at = msb; at < out.size(); at += sample)
        out[at] = 0x80;
}

std::string describe(const Format &f)
{
    std::string text = f.is_float ? "F" : f.is_signed ? "S" : "U";
    text += std::to_string(f.bits);
    if (f.bits > 8)
        text += f.big_endian ? "BE" : "LE";
    return text + " " + std::to_string(f.rate) + " Hz " + std::to_string(f.channels) + " ch";
}

} // namespace phyllome::sound
