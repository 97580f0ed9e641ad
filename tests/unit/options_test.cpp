#include <gtest/gtest.h>

#include "session/options.hpp"

namespace phyllome {
namespace {

Options parse_ok(const std::vector<std::string> &args)
{
    auto result = parse_options(args);
    EXPECT_TRUE(std::holds_alternative<Options>(result)) << std::get<OptionsError>(result).message;
    return std::holds_alternative<Options>(result) ? std::get<Options>(result) : Options{};
}

std::string parse_error(const std::vector<std::string> &args)
{
    auto result = parse_options(args);
    EXPECT_TRUE(std::holds_alternative<OptionsError>(result));
    return std::holds_alternative<OptionsError>(result) ? std::get<OptionsError>(result).message
                                                        : "";
}

TEST(Options, NoArgumentsMeansTheBackendWlrootsPicks)
{
    Options options = parse_ok({});
    EXPECT_TRUE(options.headless.empty());
    EXPECT_EQ(options.ready_fd, -1);
    EXPECT_FALSE(options.config_path);
}

TEST(Options, HeadlessSizesInOrder)
{
    Options options = parse_ok({"--headless", "1920x1080,1280x720"});
    ASSERT_EQ(options.headless.size(), 2u);
    EXPECT_EQ(options.headless[0], (OutputSize{1920, 1080}));
    EXPECT_EQ(options.headless[1], (OutputSize{1280, 720}));
    EXPECT_EQ(parse_ok({"--headless=640x480"}).headless, (std::vector<OutputSize>{{640, 480}}));
}

TEST(Options, MalformedSizesAreRefused)
{
    for (const char *bad :
         {"", "1920", "1920x", "x1080", "0x100", "100x0", "-1x5", "1x1,", ",1x1", "1920x1080x3",
          "16385x10", "10 x10", "1e3x10", "99999999999999999999x1"})
        EXPECT_FALSE(parse_output_sizes(bad)) << '"' << bad << '"';
    EXPECT_TRUE(parse_output_sizes("16384x16384"));
    std::string seventeen = "1x1";
    for (int i = 0; i < 16; ++i)
        seventeen += ",1x1";
    EXPECT_FALSE(parse_output_sizes(seventeen));
}

TEST(Options, ErrorsNameTheArgument)
{
    EXPECT_NE(parse_error({"--headless"}).find("--headless"), std::string::npos);
    EXPECT_NE(parse_error({"--headless", "big"}).find("'big'"), std::string::npos);
    EXPECT_NE(parse_error({"--frobnicate"}).find("'--frobnicate'"), std::string::npos);
    EXPECT_NE(parse_error({"--ready-fd", "three"}).find("'three'"), std::string::npos);
    EXPECT_NE(parse_error({"--ready-fd"}).find("--ready-fd"), std::string::npos);
    EXPECT_NE(parse_error({"--config"}).find("--config"), std::string::npos);
    EXPECT_NE(parse_error({"--help=yes"}).find("takes no value"), std::string::npos);
}

TEST(Options, ReadyFdConfigAndFlags)
{
    Options options = parse_ok({"--ready-fd", "3", "--config", "a.toml", "-v"});
    EXPECT_EQ(options.ready_fd, 3);
    EXPECT_EQ(options.config_path, "a.toml");
    EXPECT_TRUE(options.verbose);
    EXPECT_TRUE(parse_ok({"--help"}).help);
    EXPECT_TRUE(parse_ok({"-h"}).help);
    EXPECT_TRUE(parse_ok({"--version"}).version);
}

TEST(Options, CheckConfigTakesAnOptionalPath)
{
    Options bare = parse_ok({"--check-config"});
    EXPECT_TRUE(bare.check_config);
    EXPECT_FALSE(bare.config_path);

    Options with_path = parse_ok({"--check-config", "s.toml"});
    EXPECT_EQ(with_path.config_path, "s.toml");

    Options followed = parse_ok({"--check-config", "--config", "x.toml"});
    EXPECT_TRUE(followed.check_config);
    EXPECT_EQ(followed.config_path, "x.toml");
}

TEST(Options, UsageMentionsEveryOption)
{
    const std::string usage = usage_text();
    for (const char *option : {"--config", "--check-config", "--headless", "--ready-fd",
                               "--verbose", "--version", "--help"})
        EXPECT_NE(usage.find(option), std::string::npos) << option;
}

} // namespace
} // namespace phyllome
