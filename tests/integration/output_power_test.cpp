// Output power management as the user's tools see it: wlopm switches a
// headless output off and on again, through wlr-output-power-management-v1.
// Built where wlopm exists, beside wlroots 0.18 and newer (wlroots 0.15's
// headless outputs cannot be switched off, and Debian 12 has no wlopm).
#include <gtest/gtest.h>

#include "compositor/status_card.hpp"
#include "tests/support/session.hpp"

namespace phyllome::test {
namespace {

TEST(OutputPower, WlopmSwitchesAnOutputOffAndOnAgain)
{
    SessionProcess session({"--headless", "640x480,320x240"});
    ASSERT_TRUE(session.wait_ready()) << session.log();
    const std::string wlopm = required_env("WLOPM");
    const std::string randr = required_env("WLR_RANDR");

    auto listing = session.run_client({wlopm});
    EXPECT_NE(listing.output.find("HEADLESS-2 on"), std::string::npos) << listing.output;

    auto off = session.run_client({wlopm, "--off", "HEADLESS-2"});
    EXPECT_EQ(off.exit_code, 0) << off.output;
    listing = session.run_client({wlopm});
    EXPECT_NE(listing.output.find("HEADLESS-2 off"), std::string::npos) << listing.output;
    EXPECT_NE(listing.output.find("HEADLESS-1 on"), std::string::npos) << listing.output;
    EXPECT_NE(session.log().find("Output HEADLESS-2 switched off"), std::string::npos)
        << session.log();
    // wlr-randr sees the same output off, the other untouched.
    auto randr_listing = session.run_client({randr});
    const auto second = randr_listing.output.find("HEADLESS-2");
    ASSERT_NE(second, std::string::npos) << randr_listing.output;
    EXPECT_NE(randr_listing.output.find("Enabled: no", second), std::string::npos)
        << randr_listing.output;
    // phyllomectl says so too.
    auto status = session.run_client({required_env("PHYLLOMECTL"), "status"});
    EXPECT_NE(status.output.find("output HEADLESS-2 320x240: off"), std::string::npos)
        << status.output;
    // An output that is off has nothing to capture.
    auto grim = session.run_client({required_env("GRIM"), "-o", "HEADLESS-2", "-"});
    EXPECT_NE(grim.exit_code, 0) << grim.output;

    auto on = session.run_client({wlopm, "--on", "HEADLESS-2"});
    EXPECT_EQ(on.exit_code, 0) << on.output;
    listing = session.run_client({wlopm});
    EXPECT_NE(listing.output.find("HEADLESS-2 on"), std::string::npos) << listing.output;
    status = session.run_client({required_env("PHYLLOMECTL"), "status"});
    EXPECT_NE(status.output.find("output HEADLESS-2 320x240: status card"), std::string::npos)
        << status.output;
    // Back at its size, showing its card again.
    auto image = session.capture("HEADLESS-2");
    ASSERT_TRUE(image);
    EXPECT_EQ(image->width, 320);
    EXPECT_EQ(image->height, 240);
    const CardGeometry card = status_card_geometry(image->width, image->height);
    EXPECT_EQ(image->at(card.x + card.width / 2, card.y + 2), kCardColor);
}

} // namespace
} // namespace phyllome::test
