// The real binary, black box: command line, headless outputs, status cards
// captured with grim, clean exit on signals.
#include <algorithm>
#include <csignal>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "compositor/status_card.hpp"
#include "tests/support/session.hpp"

namespace phyllome::test {
namespace {

CommandResult run_session(const std::vector<std::string> &args)
{
    std::vector<std::string> argv = {required_env("PHYLLOME_SESSION")};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {{"WAYLAND_DISPLAY", std::nullopt}, {"DISPLAY", std::nullopt}});
}

int count_lines(const std::string &text)
{
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

TEST(Cli, VersionAndHelpExitZero)
{
    auto version = run_session({"--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_NE(version.output.find("phyllome-session "), std::string::npos) << version.output;
    EXPECT_NE(version.output.find("wlroots " + required_env("WLROOTS_VERSION")), std::string::npos)
        << version.output;

    auto help = run_session({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.output.find("--headless"), std::string::npos);
    EXPECT_NE(help.output.find("--ready-fd"), std::string::npos);
}

TEST(Cli, BadArgumentsGiveOneLineAndExitTwo)
{
    for (const auto &args : std::vector<std::vector<std::string>>{{"--bogus"},
                                                                  {"--headless"},
                                                                  {"--headless", "1920"},
                                                                  {"--headless", "0x10"},
                                                                  {"--headless", "10x10,"},
                                                                  {"--ready-fd", "x"},
                                                                  {"--ready-fd", "999"}}) {
        auto result = run_session(args);
        EXPECT_EQ(result.exit_code, 2) << args[0] << ": " << result.output;
        EXPECT_EQ(count_lines(result.output), 1) << result.output;
        EXPECT_EQ(result.output.rfind("phyllome-session: ", 0), 0u) << result.output;
    }
}

// The card is centred on a dark background: the background colour all around
// it, something else (card and text) in the middle.
void expect_status_card(const Image &image)
{
    const CardGeometry card = status_card_geometry(image.width, image.height);
    // The four margins around the card are pure background.
    EXPECT_EQ(count_differing(image, 0, 0, image.width, card.y, kBackgroundColor, 2), 0);
    EXPECT_EQ(count_differing(image, 0, card.y + card.height, image.width,
                              image.height - card.y - card.height, kBackgroundColor, 2),
              0);
    EXPECT_EQ(count_differing(image, 0, 0, card.x, image.height, kBackgroundColor, 2), 0);
    // The card's inner area is its colour, with text in a clearly different one.
    const int inner_x = card.x + card.width / 10, inner_w = card.width * 8 / 10;
    const int inner_y = card.y + card.height / 10, inner_h = card.height * 8 / 10;
    const int not_card = count_differing(image, inner_x, inner_y, inner_w, inner_h, kCardColor, 24);
    const int area = inner_w * inner_h;
    EXPECT_GT(not_card, area / 100) << "no text on the card";
    EXPECT_LT(not_card, area / 2) << "the card is not its own colour";
    EXPECT_EQ(image.at(card.x + card.width / 2, card.y + 2), kCardColor);
}

TEST(Headless, TwoOutputsShowStatusCardsAtTheirSizes)
{
    SessionProcess session({"--headless", "1920x1080,1280x720"});
    ASSERT_TRUE(session.wait_ready()) << session.log();

    auto first = session.capture("HEADLESS-1");
    auto second = session.capture("HEADLESS-2");
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->width, 1920);
    EXPECT_EQ(first->height, 1080);
    EXPECT_EQ(second->width, 1280);
    EXPECT_EQ(second->height, 720);
    expect_status_card(*first);
    expect_status_card(*second);
}

TEST(Headless, NamesOutputsInTheOrderGiven)
{
    SessionProcess session({"--headless", "640x480,800x600,320x240"});
    ASSERT_TRUE(session.wait_ready()) << session.log();
    const std::vector<std::pair<int, int>> sizes = {{640, 480}, {800, 600}, {320, 240}};
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        auto image = session.capture("HEADLESS-" + std::to_string(i + 1));
        ASSERT_TRUE(image);
        EXPECT_EQ(image->width, sizes[i].first);
        EXPECT_EQ(image->height, sizes[i].second);
    }
}

TEST(Headless, ExitsCleanlyOnSigtermAndSigint)
{
    for (int signal_number : {SIGTERM, SIGINT}) {
        SessionProcess session({"--headless", "320x200"});
        ASSERT_TRUE(session.wait_ready()) << session.log();
        auto status = session.stop(signal_number);
        ASSERT_TRUE(status) << "did not exit on signal " << signal_number;
        EXPECT_TRUE(WIFEXITED(*status)) << "killed by signal " << WTERMSIG(*status);
        EXPECT_EQ(WEXITSTATUS(*status), 0);
    }
}

} // namespace
} // namespace phyllome::test
