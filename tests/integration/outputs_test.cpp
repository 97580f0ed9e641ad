// Outputs: wlr-output-management through the real wlr-randr, and hotplug
// with the compositor in this process (headless outputs added and destroyed
// the way a monitor is plugged and unplugged), captured with the real grim.
#include <csignal>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "compositor/output.hpp"
#include "compositor/server.hpp"
#include "compositor/status_card.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/session.hpp"

namespace phyllome::test {
namespace {

TEST(OutputManagement, WlrRandrListsOutputsAndTheirPlaces)
{
    SessionProcess session({"--headless", "1920x1080,1280x720"});
    ASSERT_TRUE(session.wait_ready()) << session.log();
    auto result = session.run_client({required_env("WLR_RANDR")});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const auto first = result.output.find("HEADLESS-1");
    const auto second = result.output.find("HEADLESS-2");
    ASSERT_NE(first, std::string::npos) << result.output;
    ASSERT_NE(second, std::string::npos) << result.output;
    EXPECT_NE(result.output.find("Position: 1920,0", second), std::string::npos) << result.output;
}

TEST(OutputManagement, WlrRandrChangesAModeAndTheCardFollows)
{
    SessionProcess session({"--headless", "1920x1080,1280x720"});
    ASSERT_TRUE(session.wait_ready()) << session.log();
    auto result = session.run_client(
        {required_env("WLR_RANDR"), "--output", "HEADLESS-2", "--custom-mode", "800x600"});
    ASSERT_EQ(result.exit_code, 0) << result.output;

    auto image = session.capture("HEADLESS-2");
    ASSERT_TRUE(image);
    EXPECT_EQ(image->width, 800);
    EXPECT_EQ(image->height, 600);
    // The card was redrawn for the new size: centred, with text on it.
    const CardGeometry card = status_card_geometry(800, 600);
    EXPECT_EQ(image->at(card.x + card.width / 2, card.y + 2), kCardColor);
    EXPECT_EQ(image->at(card.x - 2, card.y + card.height / 2), kBackgroundColor);
    EXPECT_GT(count_differing(*image, card.x, card.y, card.width, card.height, kCardColor, 24),
              card.width * card.height / 100);
}

TEST(OutputManagement, WlrRandrMovesOutputs)
{
    SessionProcess session({"--headless", "640x480,320x240"});
    ASSERT_TRUE(session.wait_ready()) << session.log();
    const std::string randr = required_env("WLR_RANDR");
    auto moved = session.run_client({randr, "--output", "HEADLESS-2", "--pos", "0,480"});
    ASSERT_EQ(moved.exit_code, 0) << moved.output;
    auto listing = session.run_client({randr});
    EXPECT_NE(listing.output.find("Position: 0,480"), std::string::npos) << listing.output;
    auto image = session.capture("HEADLESS-2");
    ASSERT_TRUE(image);
    EXPECT_EQ(image->width, 320);
    const CardGeometry card = status_card_geometry(320, 240);
    EXPECT_EQ(image->at(card.x + card.width / 2, card.y + 2), kCardColor);
}

TEST(OutputManagement, RefusedRequestsAreReportedAndChangeNothing)
{
    SessionProcess session({"--headless", "640x480"});
    ASSERT_TRUE(session.wait_ready()) << session.log();
    const std::string randr = required_env("WLR_RANDR");
    // wlroots 0.15's headless outputs cannot be switched off: the backend
    // refuses the commit, and the client must hear so.
    auto off = session.run_client({randr, "--output", "HEADLESS-1", "--off"});
    EXPECT_NE(off.exit_code, 0) << off.output;
    // A malformed mode is a protocol error for that client alone.
    session.run_client({randr, "--output", "HEADLESS-1", "--custom-mode", "0x0"});

    auto listing = session.run_client({randr});
    EXPECT_NE(listing.output.find("Enabled: yes"), std::string::npos) << listing.output;
    auto image = session.capture("HEADLESS-1");
    ASSERT_TRUE(image);
    EXPECT_EQ(image->width, 640);
    EXPECT_EQ(image->height, 480);
}

// The compositor in this process, for what a black box cannot do: plug and
// unplug outputs.
class InProcess : public ::testing::Test {
protected:
    void start(std::vector<OutputSize> sizes)
    {
        Server::Settings settings;
        settings.headless = std::move(sizes);
        session_ = std::make_unique<InProcessSession>(std::move(settings));
    }
    void TearDown() override { session_.reset(); }

    Server &server() { return session_->server(); }
    bool dispatch_until(const std::function<bool()> &done)
    {
        return session_->dispatch_until(done);
    }
    std::optional<Image> capture(const std::string &output) { return session_->capture(output); }
    bool ready() const { return session_->ready(); }

    Output *find_output(const std::string &name)
    {
        for (const auto &output : server().outputs())
            if (output->name() == name)
                return output.get();
        return nullptr;
    }

    std::unique_ptr<InProcessSession> session_;
};

TEST_F(InProcess, PluggedOutputGetsACardAtItsMode)
{
    start({{320, 200}});
    ASSERT_TRUE(dispatch_until([&] { return ready(); }));

    wlr_headless_add_output(server().backend(), 640, 360);
    Output *plugged = find_output("HEADLESS-2");
    ASSERT_NE(plugged, nullptr);
    ASSERT_TRUE(dispatch_until([&] { return plugged->has_shown_frame(); }));

    auto image = capture("HEADLESS-2");
    ASSERT_TRUE(image);
    EXPECT_EQ(image->width, 640);
    EXPECT_EQ(image->height, 360);
    const CardGeometry card = status_card_geometry(640, 360);
    EXPECT_EQ(image->at(card.x + card.width / 2, card.y + 2), kCardColor);
    EXPECT_EQ(image->at(2, 2), kBackgroundColor);
}

TEST_F(InProcess, UnpluggedOutputIsDroppedAndTheOthersKeepShowing)
{
    start({{320, 200}, {400, 300}});
    ASSERT_TRUE(dispatch_until([&] { return ready(); }));
    ASSERT_EQ(server().outputs().size(), 2u);

    wlr_output_destroy(find_output("HEADLESS-1")->wlr());
    EXPECT_EQ(server().outputs().size(), 1u);
    EXPECT_EQ(find_output("HEADLESS-1"), nullptr);

    auto image = capture("HEADLESS-2");
    ASSERT_TRUE(image);
    EXPECT_EQ(image->width, 400);
    const CardGeometry card = status_card_geometry(400, 300);
    EXPECT_EQ(image->at(card.x + card.width / 2, card.y + 2), kCardColor);

    // Unplugging the last one leaves a running session with nothing to show.
    wlr_output_destroy(find_output("HEADLESS-2")->wlr());
    EXPECT_TRUE(server().outputs().empty());
    wlr_headless_add_output(server().backend(), 200, 100);
    Output *replugged = find_output("HEADLESS-3");
    ASSERT_NE(replugged, nullptr);
    ASSERT_TRUE(dispatch_until([&] { return replugged->has_shown_frame(); }));
}

TEST_F(InProcess, ReadinessWaitsForEveryOutput)
{
    start({{320, 200}, {320, 200}, {320, 200}});
    EXPECT_FALSE(ready());
    ASSERT_TRUE(dispatch_until([&] { return ready(); }));
    for (const auto &output : server().outputs())
        EXPECT_TRUE(output->has_shown_frame()) << output->name();
}

} // namespace
} // namespace phyllome::test
