// sound::Format: which formats PipeWire takes, as which SPA format, and
// what silence is in each.
#include <gtest/gtest.h>
#include <spa/param/audio/raw.h>

#include "sound/format.hpp"

namespace phyllome::sound {
namespace {

Format make(int bits, bool is_signed, bool is_float, bool big_endian)
{
    return Format{bits, is_signed, is_float, big_endian, 48000, 2};
}

TEST(SoundFormat, MapsEveryFormatQemuSends)
{
    struct Case {
        Format format;
        uint32_t spa;
    };
    const Case cases[] = {
        {make(8, true, false, false), SPA_AUDIO_FORMAT_S8},
        {make(8, false, false, false), SPA_AUDIO_FORMAT_U8},
        {make(8, false, false, true), SPA_AUDIO_FORMAT_U8}, // one byte: no order
        {make(16, true, false, false), SPA_AUDIO_FORMAT_S16_LE},
        {make(16, true, false, true), SPA_AUDIO_FORMAT_S16_BE},
        {make(16, false, false, false), SPA_AUDIO_FORMAT_U16_LE},
        {make(16, false, false, true), SPA_AUDIO_FORMAT_U16_BE},
        {make(32, true, false, false), SPA_AUDIO_FORMAT_S32_LE},
        {make(32, true, false, true), SPA_AUDIO_FORMAT_S32_BE},
        {make(32, false, false, false), SPA_AUDIO_FORMAT_U32_LE},
        {make(32, false, false, true), SPA_AUDIO_FORMAT_U32_BE},
        {make(32, true, true, false), SPA_AUDIO_FORMAT_F32_LE},
        {make(32, false, true, false), SPA_AUDIO_FORMAT_F32_LE},
        {make(32, true, true, true), SPA_AUDIO_FORMAT_F32_BE},
    };
    for (const Case &c : cases) {
        EXPECT_EQ(format_problem(c.format), "") << describe(c.format);
        EXPECT_EQ(spa_sample_format(c.format), c.spa) << describe(c.format);
    }
}

TEST(SoundFormat, RefusesWhatPipeWireCannotTake)
{
    Format f = make(24, true, false, false);
    EXPECT_NE(format_problem(f).find("24 bits"), std::string::npos);
    EXPECT_EQ(spa_sample_format(f), SPA_AUDIO_FORMAT_UNKNOWN);
    EXPECT_NE(format_problem(make(16, true, true, false)), "");
    f = make(16, true, false, false);
    f.rate = 7999;
    EXPECT_NE(format_problem(f), "");
    f.rate = 192001;
    EXPECT_NE(format_problem(f), "");
    f.rate = 192000;
    EXPECT_EQ(format_problem(f), "");
    f.channels = 0;
    EXPECT_NE(format_problem(f), "");
    f.channels = 9;
    EXPECT_NE(format_problem(f), "");
    f.channels = 8;
    EXPECT_EQ(format_problem(f), "");
}

TEST(SoundFormat, ChannelPositions)
{
    EXPECT_EQ(spa_channel_positions(1), std::vector<uint32_t>{SPA_AUDIO_CHANNEL_MONO});
    EXPECT_EQ(spa_channel_positions(2),
              (std::vector<uint32_t>{SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR}));
    for (int channels = 1; channels <= 8; ++channels)
        EXPECT_EQ(spa_channel_positions(channels).size(), static_cast<size_t>(channels));
    EXPECT_EQ(spa_channel_positions(6)[3], SPA_AUDIO_CHANNEL_LFE);
    EXPECT_TRUE(spa_channel_positions(9).empty());
}

TEST(SoundFormat, Sizes)
{
    Format f = make(16, true, false, false);
    EXPECT_EQ(frame_bytes(f), 4u);
    EXPECT_EQ(bytes_for(f, 200), 9600u * 4);
    f.rate = 44100;
    f.channels = 1;
    EXPECT_EQ(bytes_for(f, 1), 45u * 2) << "rounded up to whole frames";
    f.bits = 32;
    f.channels = 8;
    EXPECT_EQ(frame_bytes(f), 32u);
}

TEST(SoundFormat, Silence)
{
    std::vector<uint8_t> out(8, 0x55);
    fill_silence(make(16, true, false, false), out);
    EXPECT_EQ(out, std::vector<uint8_t>(8, 0));
    fill_silence(make(8, false, false, false), out);
    EXPECT_EQ(out, std::vector<uint8_t>(8, 0x80));
    fill_silence(make(16, false, false, false), out);
    EXPECT_EQ(out, (std::vector<uint8_t>{0, 0x80, 0, 0x80, 0, 0x80, 0, 0x80}));
    fill_silence(make(16, false, false, true), out);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x80, 0, 0x80, 0, 0x80, 0, 0x80, 0}));
    fill_silence(make(32, false, false, false), out);
    EXPECT_EQ(out, (std::vector<uint8_t>{0, 0, 0, 0x80, 0, 0, 0, 0x80}));
    fill_silence(make(32, true, true, true), out);
    EXPECT_EQ(out, std::vector<uint8_t>(8, 0));
    std::vector<uint8_t> odd(3, 0x55);
    fill_silence(make(16, false, false, true), odd);
    EXPECT_EQ(odd, (std::vector<uint8_t>{0x80, 0, 0x80}));
}

TEST(SoundFormat, Describe)
{
    EXPECT_EQ(describe(make(16, true, false, false)), "S16LE 48000 Hz 2 ch");
    EXPECT_EQ(describe(make(32, true, true, true)), "F32BE 48000 Hz 2 ch");
    EXPECT_EQ(describe(make(8, false, false, false)), "U8 48000 Hz 2 ch");
}

} // namespace
} // namespace phyllome::sound
