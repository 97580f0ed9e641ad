// Outputs: wlr-output-management through the real wlr-randr, and hotplug
// with the compositor in this process (headless outputs added and destroyed
// the way a monitor is plugged and unplugged), captured with the real grim.
#include <array>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "compositor/output.hpp"
#include "compositor/server.hpp"
#include "compositor/status_card.hpp"
#include "compositor/wlr_compat.hpp"
#include "tests/support/fake_qemu.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/session.hpp"

namespace phyllome::test {
namespace {

// wlr-randr's listing as one block of lines per output, by name: the order
// differs between versions (0.4 lists the last output first).
std::map<std::string, std::string> randr_outputs(const std::string &listing)
{
    std::map<std::string, std::string> outputs;
    std::istringstream lines(listing);
    std::string line, name;
    while (std::getline(lines, line)) {
        if (!line.empty() && line[0] != ' ')
            name = line.substr(0, line.find(' '));
        if (!name.empty())
            outputs[name] += line + "\n";
    }
    return outputs;
}

bool listed_with(const std::string &listing, const std::string &output, const std::string &line)
{
    const auto outputs = randr_outputs(listing);
    const auto it = outputs.find(output);
    return it != outputs.end() && it->second.find(line) != std::string::npos;
}

TEST(OutputManagement, WlrRandrListsOutputsAndTheirPlaces)
{
    SessionProcess session({"--headless", "1920x1080,1280x720"});
    ASSERT_TRUE(session.wait_ready()) << session.log();
    auto result = session.run_client({required_env("WLR_RANDR")});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_TRUE(listed_with(result.output, "HEADLESS-1", "Position: 0,0")) << result.output;
    EXPECT_TRUE(listed_with(result.output, "HEADLESS-2", "Position: 1920,0")) << result.output;
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
    EXPECT_TRUE(listed_with(listing.output, "HEADLESS-2", "Position: 0,480")) << listing.output;
    auto image = session.capture("HEADLESS-2");
    ASSERT_TRUE(image);
    EXPECT_EQ(image->width, 320);
    const CardGeometry card = status_card_geometry(320, 240);
    EXPECT_EQ(image->at(card.x + card.width / 2, card.y + 2), kCardColor);
}

TEST(OutputManagement, MalformedRequestsChangeNothing)
{
    SessionProcess session({"--headless", "640x480"});
    ASSERT_TRUE(session.wait_ready()) << session.log();
    const std::string randr = required_env("WLR_RANDR");
    // A malformed mode is a protocol error for that client alone.
    session.run_client({randr, "--output", "HEADLESS-1", "--custom-mode", "0x0"});
    // An output the session does not have is refused by the client.
    auto unknown = session.run_client({randr, "--output", "HEADLESS-9", "--off"});
    EXPECT_NE(unknown.exit_code, 0) << unknown.output;

    auto listing = session.run_client({randr});
    EXPECT_TRUE(listed_with(listing.output, "HEADLESS-1", "Enabled: yes")) << listing.output;
    auto image = session.capture("HEADLESS-1");
    ASSERT_TRUE(image);
    EXPECT_EQ(image->width, 640);
    EXPECT_EQ(image->height, 480);
}

TEST(OutputManagement, SwitchingAHeadlessOutputOffIsTestedAsItIsApplied)
{
    SessionProcess session({"--headless", "640x480,320x240"});
    ASSERT_TRUE(session.wait_ready()) << session.log();
    const std::string randr = required_env("WLR_RANDR");
    auto tested = session.run_client({randr, "--output", "HEADLESS-2", "--off", "--dryrun"});
    auto applied = session.run_client({randr, "--output", "HEADLESS-2", "--off"});
    EXPECT_EQ(session.log().find("failed after passing its test"), std::string::npos)
        << session.log();
    if (!compat::kHeadlessOutputsSwitchOff) {
        // wlroots 0.15's headless backend cannot switch an output off: the
        // test (--dryrun) must say so as the apply does, and the apply must
        // be refused whole, before anything changes.
        EXPECT_NE(tested.exit_code, 0) << tested.output;
        EXPECT_NE(applied.exit_code, 0) << applied.output;
        EXPECT_NE(session.log().find("HEADLESS-2: configuration refused: wlroots 0.15's headless "
                                     "backend cannot switch an output off"),
                  std::string::npos)
            << session.log();
        auto listing = session.run_client({randr});
        EXPECT_EQ(listing.output.find("Enabled: no"), std::string::npos) << listing.output;
        auto image = session.capture("HEADLESS-2");
        ASSERT_TRUE(image);
        EXPECT_EQ(image->width, 320);
        return;
    }
    // 0.17 and newer switch it off, and on again where it was.
    EXPECT_EQ(tested.exit_code, 0) << tested.output;
    EXPECT_EQ(applied.exit_code, 0) << applied.output;
    auto listing = session.run_client({randr});
    const auto second = listing.output.find("HEADLESS-2");
    ASSERT_NE(second, std::string::npos) << listing.output;
    EXPECT_NE(listing.output.find("Enabled: no", second), std::string::npos) << listing.output;
    auto on = session.run_client({randr, "--output", "HEADLESS-2", "--on", "--pos", "640,0"});
    EXPECT_EQ(on.exit_code, 0) << on.output;
    auto image = session.capture("HEADLESS-2");
    ASSERT_TRUE(image);
    EXPECT_EQ(image->width, 320);
}

// A VM (a fake QEMU peer handed over with --vm-fd) on a 640x480 output
// that wlr-randr scales, rotates and resizes.
class TransformedOutput : public ::testing::Test {
protected:
    void start(const std::string &scaling, const std::string &fake_args = "")
    {
        dir_ = (std::filesystem::temp_directory_path() / "phyllome-outputs-XXXXXX").string();
        ASSERT_TRUE(mkdtemp(dir_.data()));
        const std::string config_path = dir_ + "/session.toml";
        std::ofstream(config_path) << "[[vm]]\nname = \"test\"\nscaling = \"" << scaling
                                   << "\"\nfollow_output = true\n\n"
                                      "[[seat]]\nname = \"seat0\"\nvm = \"test\"\n"
                                      "outputs = [\"HEADLESS-1\"]\ndevices = [\"*\"]\n";
        fake_ = std::make_unique<FakeQemu>("9.2", fake_args);
        const int fd = fake_->take_client_fd();
        session_ = std::make_unique<SessionProcess>(
            std::vector<std::string>{"--config", config_path, "--headless", "640x480", "--vm-fd",
                                     "test=" + std::to_string(fd)},
            EnvChanges{}, std::vector<int>{fd});
        close(fd);
        ASSERT_TRUE(session_->wait_ready()) << session_->log();
        ASSERT_EQ(fake_->command("wait-listener").rfind("ok", 0), 0u);
    }
    void TearDown() override
    {
        session_.reset();
        fake_.reset();
        if (!dir_.empty())
            std::filesystem::remove_all(dir_);
        dir_.clear();
    }

    void randr(const std::vector<std::string> &args)
    {
        std::vector<std::string> argv{required_env("WLR_RANDR"), "--output", "HEADLESS-1"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto result = session_->run_client(argv);
        ASSERT_EQ(result.exit_code, 0) << result.output << session_->log();
    }

    // Captures until the four corners of the output, as the person sees it,
    // show the frame's four quadrants; the last image.
    std::optional<Image> corners_until(const std::array<uint32_t, 4> &colours)
    {
        std::optional<Image> image;
        for (int i = 0; i < 100; ++i) {
            image = session_->capture("HEADLESS-1");
            if (!image || corners(*image) == colours)
                break;
        }
        return image;
    }
    static std::array<uint32_t, 4> corners(const Image &image)
    {
        const int right = image.width - 3, bottom = image.height - 3;
        return {image.at(2, 2), image.at(right, 2), image.at(2, bottom), image.at(right, bottom)};
    }

    // The SetUIInfo calls fake-qemu received since the last call, until one
    // asks for `size` ("W,H" at the end of the token).
    std::string ui_info_until(const std::string &size)
    {
        std::string seen;
        for (int i = 0; i < 100 && seen.find("," + size + " ") == std::string::npos; ++i) {
            std::istringstream tokens(fake_->command("events"));
            std::string token;
            tokens >> token; // "ok"
            while (tokens >> token)
                if (token.rfind("uiinfo:", 0) == 0)
                    seen += token + " ";
            if (seen.find("," + size + " ") == std::string::npos)
                session_->capture("HEADLESS-1"); // waits for a frame of the session
        }
        return seen;
    }

    std::string dir_;
    std::unique_ptr<FakeQemu> fake_;
    std::unique_ptr<SessionProcess> session_;
};

constexpr std::array<uint32_t, 4> kQuadrants = {0xff0000, 0x00ff00, 0x0000ff, 0xffffff};

TEST_F(TransformedOutput, ScaledOutputIsFilledAsAtScaleOne)
{
    for (const std::string scaling : {"fit", "stretch"}) {
        SCOPED_TRACE(scaling);
        start(scaling);
        // The output's aspect ratio: fit fills it too.
        ASSERT_EQ(fake_->command("scanout 64 48 x8r8g8b8 ff0000 00ff00 0000ff ffffff"), "ok");
        auto image = corners_until(kQuadrants);
        ASSERT_TRUE(image);
        ASSERT_EQ(corners(*image), kQuadrants);

        randr({"--scale", "2"});
        image = corners_until(kQuadrants);
        ASSERT_TRUE(image);
        EXPECT_EQ(image->width, 640);
        EXPECT_EQ(image->height, 480);
        EXPECT_EQ(corners(*image), kQuadrants);
        // The four quadrants meet in the middle (blended across a frame
        // pixel, 10 output pixels, by the scaling).
        EXPECT_EQ(image->at(305, 225), 0xff0000u);
        EXPECT_EQ(image->at(335, 255), 0xffffffu);
        TearDown();
    }
}

TEST_F(TransformedOutput, RotatedOutputIsFilledTheRightWayUp)
{
    start("stretch");
    ASSERT_EQ(fake_->command("scanout 64 48 x8r8g8b8 ff0000 00ff00 0000ff ffffff"), "ok");
    ASSERT_TRUE(corners_until(kQuadrants));
    randr({"--transform", "90"});
    // grim turns the picture as the output is turned: what a person sees.
    auto image = corners_until(kQuadrants);
    ASSERT_TRUE(image);
    EXPECT_EQ(image->width, 480);
    EXPECT_EQ(image->height, 640);
    EXPECT_EQ(corners(*image), kQuadrants);
    randr({"--transform", "90", "--scale", "2"});
    image = corners_until(kQuadrants);
    ASSERT_TRUE(image);
    EXPECT_EQ(corners(*image), kQuadrants);
}

// follow_output asks a virtio guest for the output's size as a person sees
// it: portrait when rotated, in pixels whatever the scale, and again after
// a mode change.
TEST_F(TransformedOutput, FollowOutputAsksForTheTransformedSize)
{
    start("fit", "--virtio");
    std::string seen = ui_info_until("640,480");
    EXPECT_NE(seen.find(",640,480 "), std::string::npos) << seen;
    randr({"--transform", "90"});
    seen = ui_info_until("480,640");
    EXPECT_NE(seen.find(",480,640 "), std::string::npos) << seen;
    randr({"--custom-mode", "800x600"});
    seen = ui_info_until("600,800");
    EXPECT_NE(seen.find(",600,800 "), std::string::npos) << seen;
    randr({"--scale", "2"});
    randr({"--transform", "normal"});
    seen = ui_info_until("800,600");
    EXPECT_NE(seen.find(",800,600 "), std::string::npos) << seen;
    EXPECT_EQ(seen.find(",400,300 "), std::string::npos) << seen;
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
