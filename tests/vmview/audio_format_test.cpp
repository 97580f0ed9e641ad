// The checks of QEMU's audio Init arguments and of each block of samples.
#include <gtest/gtest.h>

#include "vmview/audio_format.hpp"

namespace phyllome::vmview {
namespace {

std::optional<AudioFormat> init(uint8_t bits, bool is_signed, bool is_float, uint32_t rate,
                                uint8_t channels, std::string *why = nullptr)
{
    const uint32_t frame = bits / 8u * channels;
    return check_audio_init(bits, is_signed, is_float, rate, channels, frame, frame * rate, false,
                            why);
}

TEST(AudioFormat, QemusUsualFormatsAreTaken)
{
    auto s16 = init(16, true, false, 44100, 2);
    ASSERT_TRUE(s16);
    EXPECT_EQ(s16->bytes_per_frame(), 4u);
    EXPECT_EQ(s16->bytes_per_second(), 176400u);
    EXPECT_EQ(to_string(*s16), "s16le 44100 Hz 2 ch");
    auto f32 = init(32, true, true, 48000, 6);
    ASSERT_TRUE(f32);
    EXPECT_EQ(to_string(*f32), "f32le 48000 Hz 6 ch");
    auto u8 = init(8, false, false, 8000, 1);
    ASSERT_TRUE(u8);
    EXPECT_EQ(to_string(*u8), "u8 8000 Hz 1 ch");
}

TEST(AudioFormat, ImpossibleFormatsAreRefusedWithTheirReason)
{
    std::string why;
    EXPECT_FALSE(init(24, true, false, 48000, 2, &why));
    EXPECT_NE(why.find("24 bits"), std::string::npos) << why;
    EXPECT_FALSE(init(16, true, true, 48000, 2, &why));
    EXPECT_NE(why.find("float"), std::string::npos) << why;
    EXPECT_FALSE(init(16, true, false, 0, 2, &why));
    EXPECT_NE(why.find("0 Hz"), std::string::npos) << why;
    EXPECT_FALSE(init(16, true, false, 4000000, 2, &why));
    EXPECT_FALSE(init(16, true, false, 48000, 0, &why));
    EXPECT_NE(why.find("0 channels"), std::string::npos) << why;
    EXPECT_FALSE(init(16, true, false, 48000, 255, &why));
}

TEST(AudioFormat, StatedSizesMustMatchTheFormat)
{
    std::string why;
    EXPECT_FALSE(check_audio_init(16, true, false, 48000, 2, 8, 192000, false, &why));
    EXPECT_NE(why.find("bytes per frame"), std::string::npos) << why;
    EXPECT_FALSE(check_audio_init(16, true, false, 48000, 2, 4, 1, false, &why));
    EXPECT_NE(why.find("bytes per second"), std::string::npos) << why;
    // The largest format cannot overflow the products it checks.
    EXPECT_TRUE(check_audio_init(32, true, true, kMaxAudioRate, kMaxAudioChannels, 32,
                                 32 * kMaxAudioRate, true, &why))
        << why;
}

TEST(AudioFormat, BlocksAreWholeFramesAndAtMostASecond)
{
    const AudioFormat format = *init(16, true, false, 48000, 2);
    EXPECT_FALSE(check_audio_block(format, 0));
    EXPECT_FALSE(check_audio_block(format, 4 * 480));
    EXPECT_FALSE(check_audio_block(format, format.bytes_per_second()));
    auto partial = check_audio_block(format, 6);
    ASSERT_TRUE(partial);
    EXPECT_NE(partial->find("not whole frames"), std::string::npos) << *partial;
    auto long_block = check_audio_block(format, format.bytes_per_second() + 4);
    ASSERT_TRUE(long_block);
    EXPECT_NE(long_block->find("at most"), std::string::npos) << *long_block;
    EXPECT_TRUE(check_audio_block(format, UINT64_MAX - 3));
}

} // namespace
} // namespace phyllome::vmview
