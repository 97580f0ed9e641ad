// Seats without wlroots: a recording compositor, a real VmFleet on a plain
// wayland event loop, libvirt's test driver for the VMs it follows.
#include "session/seats.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <wayland-server-core.h>

namespace phyllome {
namespace {

// Records what Seats asks of the compositor.
class RecordingCompositor final : public Seats::Compositor {
public:
    std::vector<std::string> outputs() const override { return names; }
    void show_console(const std::string &output, vmview::Console *console, config::Scaling) override
    {
        shown[output] = console;
    }
    input::Placement console_placement(const std::string &) const override { return {}; }
    GuestSize guest_size(const std::string &) const override { return {1920, 1080, 600, 340}; }
    void identify(const std::string &output, const StatusCardText &text, int) override
    {
        identified[output] = text;
    }
    void show_input_hint(const std::string &output,
                         const std::optional<StatusCardText> &text) override
    {
        hints[output] = text;
    }
    void banner(const std::string &output, const std::string &text, int) override
    {
        banners[output].push_back(text);
    }
    void refresh_cards() override { ++cards_refreshed; }
    void route(const std::string &seat, input::VmInput *vm, std::vector<input::Head> heads,
               const std::vector<std::string> &outputs) override
    {
        routes[seat] = {vm, heads.size(), outputs};
    }
    bool input_grabbed(const std::string &seat) const override
    {
        return std::find(released.begin(), released.end(), seat) == released.end();
    }
    void set_keyboard_leds(const std::string &seat, uint32_t leds) override
    {
        this->leds[seat] = leds;
    }
    void change_vt(unsigned vt) override { vts.push_back(vt); }

    struct Route {
        input::VmInput *vm = nullptr;
        std::size_t heads = 0;
        std::vector<std::string> outputs;
    };
    std::vector<std::string> names;
    std::vector<std::string> released;
    std::map<std::string, vmview::Console *> shown;
    std::map<std::string, StatusCardText> identified;
    std::map<std::string, std::optional<StatusCardText>> hints;
    std::map<std::string, std::vector<std::string>> banners;
    std::map<std::string, Route> routes;
    std::map<std::string, uint32_t> leds;
    std::vector<unsigned> vts;
    int cards_refreshed = 0;
};

config::Seat seat(const std::string &name, std::optional<std::string> vm,
                  std::vector<std::string> outputs)
{
    config::Seat s;
    s.name = name;
    s.vm = std::move(vm);
    s.all_outputs = outputs.empty();
    s.outputs = std::move(outputs);
    return s;
}

class SeatsTest : public ::testing::Test {
protected:
    SeatsTest()
    {
        config_.session.libvirt_uri = "test:///default";
        for (const char *name : {"alpha", "beta", "gamma"}) {
            config::Vm vm;
            vm.name = name;
            config_.vms.push_back(vm);
        }
        config_.seats = {seat("left", "alpha", {"DP-1", "DP-2"}), seat("right", "beta", {}),
                         seat("spare", std::nullopt, {"HDMI-9"})};
        config_.seats[1].all_vms = false;
        config_.seats[1].vms = {"beta", "gamma"};
        compositor_.names = {"HDMI-A-1", "DP-2", "DP-1", "eDP-1"};
    }
    ~SeatsTest() override
    {
        seats_.reset();
        fleet_.reset();
        wl_event_loop_destroy(loop_);
    }

    Seats &seats()
    {
        if (!seats_)
            seats_ = std::make_unique<Seats>(
                compositor_, *fleet_, [this]() -> const config::Config & { return config_; });
        return *seats_;
    }

    config::Config config_;
    RecordingCompositor compositor_;
    wl_event_loop *loop_ = wl_event_loop_create();
    std::unique_ptr<VmFleet> fleet_ = std::make_unique<VmFleet>(
        loop_, VmFleet::Handlers{.changed = [] {},
                                 .input_closing = [](const input::VmInput &) {},
                                 .keyboard_leds = [](const std::string &, uint32_t) {},
                                 .pointer_mode_changed =
                                     [] {
                                     }});
    std::unique_ptr<Seats> seats_;
};

TEST_F(SeatsTest, OutputsAreTheSeatsInItsOrderAndTheRestGoesToTheSeatWithoutAList)
{
    EXPECT_EQ(seats().outputs_of(config_.seats[0]), (std::vector<std::string>{"DP-1", "DP-2"}));
    // Every output no seat names, in the order they came.
    EXPECT_EQ(seats().outputs_of(config_.seats[1]),
              (std::vector<std::string>{"HDMI-A-1", "eDP-1"}));
    // A named output that does not exist is left out.
    EXPECT_TRUE(seats().outputs_of(config_.seats[2]).empty());
}

TEST_F(SeatsTest, AssignRoutesEverySeatOverItsOutputs)
{
    seats().assign();
    ASSERT_EQ(compositor_.routes.size(), 3u);
    EXPECT_EQ(compositor_.routes["left"].outputs, (std::vector<std::string>{"DP-1", "DP-2"}));
    EXPECT_EQ(compositor_.routes["left"].heads, 2u);
    EXPECT_EQ(compositor_.routes["right"].outputs, (std::vector<std::string>{"HDMI-A-1", "eDP-1"}));
    // No display connected: no VM gets input, every output shows its card.
    for (const auto &[seat, route] : compositor_.routes)
        EXPECT_EQ(route.vm, nullptr) << seat;
    ASSERT_EQ(compositor_.shown.size(), 4u);
    for (const auto &[output, console] : compositor_.shown)
        EXPECT_EQ(console, nullptr) << output;
    EXPECT_EQ(seats().card_state("gamma", "eDP-1").state, "Not connected");
}

TEST_F(SeatsTest, ShowVmRefusesWhatTheFileDoesNotAllow)
{
    EXPECT_EQ(seats().show_vm("nobody", "alpha"), "no seat \"nobody\" in the session file");
    EXPECT_EQ(seats().show_vm("right", "alpha"),
              "seat right may not show VM \"alpha\" (it may show: beta, gamma)");
    EXPECT_EQ(seats().shown_vm(config_.seats[1]), "beta");
    EXPECT_EQ(compositor_.cards_refreshed, 0);

    EXPECT_EQ(seats().show_vm("right", "gamma"), "");
    EXPECT_EQ(seats().shown_vm(config_.seats[1]), "gamma");
    EXPECT_EQ(seats().seats_showing("gamma"), (std::vector<std::string>{"right"}));
    EXPECT_TRUE(seats().seats_showing("beta").empty());
    EXPECT_EQ(compositor_.cards_refreshed, 1);
    // Followed through libvirt now, not before.
    EXPECT_NE(fleet_->link("gamma"), nullptr);
    EXPECT_EQ(fleet_->link("beta"), nullptr);
}

TEST_F(SeatsTest, ASwitchHoldsOnlyWhileTheFileAllowsIt)
{
    ASSERT_EQ(seats().show_vm("right", "gamma"), "");
    config_.seats[1].vms = {"beta"};
    seats().follow_vms();
    EXPECT_EQ(seats().shown_vm(config_.seats[1]), "beta");
}

TEST_F(SeatsTest, HostKeysCycleTheSeatsVmsAndSwitchTerminals)
{
    using Kind = input::HostCommand::Kind;
    seats().run("right", {Kind::NextVm, 0});
    EXPECT_EQ(seats().shown_vm(config_.seats[1]), "gamma");
    seats().run("right", {Kind::NextVm, 0});
    EXPECT_EQ(seats().shown_vm(config_.seats[1]), "beta");
    seats().run("right", {Kind::PrevVm, 0});
    EXPECT_EQ(seats().shown_vm(config_.seats[1]), "gamma");
    // The other seat is untouched.
    EXPECT_EQ(seats().shown_vm(config_.seats[0]), "alpha");

    seats().run("left", {Kind::SwitchVt, 3});
    EXPECT_EQ(compositor_.vts, (std::vector<unsigned>{3}));
}

TEST_F(SeatsTest, IdentifyNamesTheSeatOnItsOwnScreensOnly)
{
    seats().run("left", {input::HostCommand::Kind::Identify, 0});
    ASSERT_EQ(compositor_.identified.size(), 2u);
    for (const char *output : {"DP-1", "DP-2"}) {
        const StatusCardText &text = compositor_.identified[output];
        EXPECT_EQ(text.seat, "left");
        EXPECT_EQ(text.vm, "alpha");
        EXPECT_EQ(text.output, output);
    }
}

TEST_F(SeatsTest, AReleasedSeatsScreensSayHowToGrabAgain)
{
    compositor_.released = {"right"};
    seats().input_grab_changed("right", false);
    for (const char *output : {"HDMI-A-1", "eDP-1"}) {
        ASSERT_TRUE(compositor_.hints[output].has_value()) << output;
        EXPECT_EQ(compositor_.hints[output]->vm, "Input released");
        EXPECT_NE(compositor_.hints[output]->state.find("to grab it again"), std::string::npos);
    }
    for (const char *output : {"DP-1", "DP-2"})
        EXPECT_FALSE(compositor_.hints[output].has_value()) << output;

    compositor_.released.clear();
    seats().input_grab_changed("right", true);
    for (const auto &[output, hint] : compositor_.hints)
        EXPECT_FALSE(hint.has_value()) << output;
}

TEST_F(SeatsTest, LedsGoToTheSeatsShowingTheVm)
{
    seats().keyboard_leds("beta", 4);
    EXPECT_EQ(compositor_.leds, (std::map<std::string, uint32_t>{{"right", 4}}));
}

TEST_F(SeatsTest, GoingAwayLetsGoOfEveryOutputAndSeat)
{
    seats().assign();
    compositor_.routes.clear();
    compositor_.shown.clear();
    seats_.reset();
    EXPECT_EQ(compositor_.routes.size(), 3u);
    for (const auto &[seat, route] : compositor_.routes) {
        EXPECT_EQ(route.vm, nullptr) << seat;
        EXPECT_EQ(route.heads, 0u) << seat;
    }
    EXPECT_EQ(compositor_.shown.size(), 4u);
}

TEST_F(SeatsTest, ActionsOnVmsNoSeatShowsAreRefusedWithTheReason)
{
    std::string error;
    seats().vm_action("nothere", libvirt::VmLink::Action::Start,
                      [&](const std::string &e) { error = e; });
    EXPECT_EQ(error, "no VM \"nothere\" in the session file");
    seats().vm_action("gamma", libvirt::VmLink::Action::Start,
                      [&](const std::string &e) { error = e; });
    EXPECT_EQ(error, "VM gamma is not shown on any seat: the session follows only those");
}

} // namespace
} // namespace phyllome
