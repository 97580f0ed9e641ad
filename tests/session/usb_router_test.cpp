// UsbRouter with a fake UsbSource and a recording attacher whose results
// the test gives when it chooses: plug, unplug, seat switch (follow and
// stay), VM stop, late and failed results, commands by hand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "session/usb_router.hpp"

namespace phyllome {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class FakeSource : public usb::UsbSource {
public:
    const std::vector<usb::UsbDevice> &devices() const override { return devices_; }
    void plug(const usb::UsbDevice &d)
    {
        devices_.push_back(d);
        raise_added(d);
    }
    void unplug(const std::string &sysname)
    {
        auto it = std::find_if(devices_.begin(), devices_.end(),
                               [&](const auto &d) { return d.sysname == sysname; });
        ASSERT_NE(it, devices_.end());
        const usb::UsbDevice gone = *it;
        devices_.erase(it);
        raise_removed(gone);
    }

private:
    std::vector<usb::UsbDevice> devices_;
};

// Records each call as "attach 1-2 work"; answers when told (or at once).
// What a VM holds it answers from `holds` (ids are "id:" and the sysname),
// at once unless told to wait.
class RecordingAttacher : public UsbRouter::Attacher {
public:
    void held(const std::string &vm, HeldDone done) override
    {
        asked.push_back(vm);
        if (!held_later)
            return done(holds[vm], "");
        held_open.emplace_back(vm, std::move(done));
    }
    std::string id_of(const usb::UsbDevice &d) const override { return "id:" + d.sysname; }
    void detach_held(const std::string &vm, const std::string &id, Done done) override
    {
        record("detach-held " + id + " " + vm, std::move(done));
    }
    // Answers the oldest question still open, from `holds` unless it fails.
    void answer_held(std::string error = {})
    {
        ASSERT_FALSE(held_open.empty());
        auto [vm, done] = std::move(held_open.front());
        held_open.erase(held_open.begin());
        done(error.empty() ? holds[vm] : std::vector<std::string>{}, std::move(error));
    }

    void attach(const std::string &vm, const usb::UsbDevice &d, Done done) override
    {
        record("attach " + d.sysname + " " + vm, std::move(done));
    }
    void detach(const std::string &vm, const usb::UsbDevice &d, Done done) override
    {
        record("detach " + d.sysname + " " + vm, std::move(done));
    }
    // Answers the oldest call still open.
    void answer(std::string error = {})
    {
        ASSERT_FALSE(open.empty());
        Done done = std::move(open.front());
        open.erase(open.begin());
        done(std::move(error));
    }
    std::vector<std::string> take()
    {
        std::vector<std::string> out;
        out.swap(calls);
        return out;
    }

    std::vector<std::string> calls;
    std::vector<Done> open;
    bool at_once = false; // answer "" from inside the call
    std::map<std::string, std::vector<std::string>> holds;
    bool held_later = false;
    std::vector<std::string> asked;
    std::vector<std::pair<std::string, HeldDone>> held_open;

private:
    void record(std::string call, Done done)
    {
        calls.push_back(std::move(call));
        if (at_once)
            done("");
        else
            open.push_back(std::move(done));
    }
};

usb::UsbDevice stick(const std::string &sysname, std::vector<std::uint8_t> classes = {0x08})
{
    usb::UsbDevice d;
    d.sysname = sysname;
    d.syspath = "/sys/devices/usb1/" + sysname;
    d.busnum = 1;
    d.devnum = 9;
    d.vendor = 0x0781;
    d.product = 0x5581;
    d.id_path = "pci-0000:00:14.0-usb-0:" + sysname.substr(2);
    d.classes = std::move(classes);
    return d;
}

constexpr std::string_view kConfig = R"(
[[vm]]
name = "work"
[[vm]]
name = "games"
usb_classes = ["storage"]
[[seat]]
name = "left"
vm = "work"
outputs = ["DP-1"]
usb = ["path:pci-0000:00:14.0-usb-0:1*"]
[[seat]]
name = "right"
vm = "games"
outputs = ["DP-2"]
devices = []
usb = ["path:pci-0000:00:14.0-usb-0:2*"]
usb_on_switch = "stay"
)";

class UsbRouterTest : public ::testing::Test {
protected:
    UsbRouterTest()
    {
        auto result = config::parse_config(kConfig, "t.toml");
        EXPECT_TRUE(result.ok());
        config_ = *result.config;
    }

    void make()
    {
        router_ = std::make_unique<UsbRouter>(
            source_, [this]() -> const config::Config & { return config_; },
            UsbRouter::World{
                .shown = [this] { return shown_; },
                .running = [this] { return running_; },
                .input_carriers = [this] { return carriers_; },
            },
            attacher_);
        router_->refresh();
    }

    const UsbRouter::DeviceStatus &status_of(const std::string &sysname)
    {
        static UsbRouter::DeviceStatus none;
        statuses_ = router_->status();
        for (const auto &s : statuses_)
            if (s.device.sysname == sysname)
                return s;
        ADD_FAILURE() << "no status for " << sysname;
        return none;
    }

    config::Config config_;
    FakeSource source_;
    RecordingAttacher attacher_;
    std::map<std::string, std::string> shown_{{"left", "work"}, {"right", "games"}};
    std::set<std::string> running_{"work", "games"};
    std::map<std::string, std::string> carriers_;
    std::unique_ptr<UsbRouter> router_;
    std::vector<UsbRouter::DeviceStatus> statuses_;
};

TEST_F(UsbRouterTest, PresentAtStartAndPluggedLaterGoToTheSeatsVm)
{
    source_.plug(stick("1-1"));
    make();
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 work"));
    EXPECT_EQ(status_of("1-1").state, "attaching to 'work'");
    attacher_.answer();
    EXPECT_EQ(status_of("1-1").state, "attached");
    EXPECT_EQ(status_of("1-1").vm, "work");
    EXPECT_EQ(status_of("1-1").seat, "left");

    source_.plug(stick("1-2"));
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-2 games"));
    attacher_.answer();
    EXPECT_EQ(status_of("1-2").vm, "games");

    // Nothing changed: a refresh asks nothing again.
    router_->refresh();
    EXPECT_THAT(attacher_.take(), IsEmpty());
}

TEST_F(UsbRouterTest, RefusedDevicesSayWhy)
{
    make();
    source_.plug(stick("1-3"));
    source_.plug(stick("2-1", {0x09}));
    source_.plug(stick("1-2", {0x03}));
    EXPECT_THAT(attacher_.take(), IsEmpty());
    EXPECT_EQ(status_of("1-3").reason, "no seat's usb rule matches");
    EXPECT_EQ(status_of("2-1").reason, "a hub: hubs are never passed through");
    EXPECT_EQ(status_of("1-2").reason, "class hid not allowed for VM 'games'");
    EXPECT_EQ(status_of("1-2").state, "not attached");
}

TEST_F(UsbRouterTest, UnplugDetachesAndForgets)
{
    attacher_.at_once = true;
    make();
    source_.plug(stick("1-1"));
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 work"));
    source_.unplug("1-1");
    EXPECT_THAT(attacher_.take(), ElementsAre("detach 1-1 work"));
    EXPECT_THAT(router_->status(), IsEmpty());
}

TEST_F(UsbRouterTest, UnplugWhileAttachingDetachesWhenTheAttachLands)
{
    make();
    source_.plug(stick("1-1"));
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 work"));
    source_.unplug("1-1");
    EXPECT_THAT(attacher_.take(), IsEmpty()); // one thing at a time per device
    EXPECT_EQ(status_of("1-1").state, "attaching to 'work', unplugged");
    attacher_.answer(); // it landed: take it out again
    EXPECT_THAT(attacher_.take(), ElementsAre("detach 1-1 work"));
    attacher_.answer("device not found");
    EXPECT_THAT(router_->status(), IsEmpty()); // a failed detach of a gone device ends it
}

TEST_F(UsbRouterTest, FollowMovesWithTheSeatStayKeepsTheVm)
{
    attacher_.at_once = true;
    make();
    source_.plug(stick("1-1")); // left: follow
    source_.plug(stick("1-2")); // right: stay
    attacher_.take();

    shown_["left"] = "games";
    shown_["right"] = "work";
    router_->refresh();
    EXPECT_THAT(attacher_.take(), ElementsAre("detach 1-1 work", "attach 1-1 games"));
    EXPECT_EQ(status_of("1-1").vm, "games");
    EXPECT_EQ(status_of("1-2").vm, "games"); // stayed

    // Stay: once its VM stops, it goes where the seat is.
    running_.erase("games");
    router_->refresh();
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-2 work"));
    EXPECT_EQ(status_of("1-1").vm, std::nullopt);
    EXPECT_EQ(status_of("1-1").reason, "VM 'games' is not running");
}

TEST_F(UsbRouterTest, VmStopForgetsWithoutDetaching)
{
    attacher_.at_once = true;
    make();
    source_.plug(stick("1-1"));
    attacher_.take();
    running_.erase("work");
    router_->refresh();
    EXPECT_THAT(attacher_.take(), IsEmpty()); // QEMU took it with it
    EXPECT_EQ(status_of("1-1").vm, std::nullopt);
    running_.insert("work");
    router_->refresh();
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 work"));
}

TEST_F(UsbRouterTest, ASwitchWhileAttachingIsDecidedWhenTheResultComes)
{
    make();
    source_.plug(stick("1-1"));
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 work"));
    shown_["left"] = "games";
    router_->refresh();
    EXPECT_THAT(attacher_.take(), IsEmpty());
    attacher_.answer();
    EXPECT_THAT(attacher_.take(), ElementsAre("detach 1-1 work"));
    attacher_.answer();
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 games"));
}

TEST_F(UsbRouterTest, AFailureIsKeptAndNotRetriedOnItsOwn)
{
    make();
    source_.plug(stick("1-1"));
    attacher_.take();
    attacher_.answer("Permission denied");
    EXPECT_EQ(status_of("1-1").error, "attach to VM 'work': Permission denied");
    EXPECT_EQ(status_of("1-1").state, "not attached");
    router_->refresh();
    EXPECT_THAT(attacher_.take(), IsEmpty());

    // By hand it is tried again; success clears the error.
    std::optional<std::string> reply;
    router_->attach("1-1", std::nullopt, [&](std::string e) { reply = e; });
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 work"));
    EXPECT_FALSE(reply);
    attacher_.answer();
    EXPECT_EQ(reply, "");
    EXPECT_EQ(status_of("1-1").error, "");
    EXPECT_TRUE(status_of("1-1").manual);
}

TEST_F(UsbRouterTest, ManualAttachDetachAndPins)
{
    attacher_.at_once = true;
    make();
    source_.plug(stick("1-1"));
    attacher_.take();

    std::vector<std::string> replies;
    auto reply = [&](std::string e) {
        replies.push_back(e);
    };
    router_->attach("1-1", "games", reply);
    EXPECT_THAT(attacher_.take(), ElementsAre("detach 1-1 work", "attach 1-1 games"));
    router_->detach("1-1", reply);
    EXPECT_THAT(attacher_.take(), ElementsAre("detach 1-1 games"));
    router_->refresh(); // the pin holds it out
    EXPECT_THAT(attacher_.take(), IsEmpty());
    EXPECT_EQ(status_of("1-1").reason, "detached by hand");
    router_->detach("1-1", reply); // already out
    router_->attach("9-9", std::nullopt, reply);
    router_->attach("1-1", "nowhere", reply);
    source_.plug(stick("1-3"));
    router_->attach("1-3", std::nullopt, reply);
    source_.plug(stick("1-2", {0x03}));
    router_->attach("1-2", "games", reply);
    EXPECT_THAT(replies, ElementsAre("", "", "", "no USB device '9-9' (phyllomectl usb lists them)",
                                     "VM 'nowhere' is not in the session file",
                                     "device '1-3' belongs to no seat's usb rules: name a VM",
                                     "class hid not allowed for VM 'games'"));
    EXPECT_THAT(attacher_.take(), IsEmpty());

    // A device of no seat goes where it is told; the pin ends with the VM.
    replies.clear();
    router_->attach("1-3", "work", reply);
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-3 work"));
    running_.erase("work");
    router_->refresh();
    EXPECT_FALSE(status_of("1-3").manual);
    running_.insert("work");
    router_->refresh();
    EXPECT_THAT(attacher_.take(), IsEmpty()); // no seat claims it: it stays out
    // Unplugging ends the detach pin too.
    source_.unplug("1-1");
    source_.plug(stick("1-1"));
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 work"));
}

TEST_F(UsbRouterTest, ASeatsKeyboardStaysOutUnlessNamed)
{
    carriers_["/sys/devices/usb1/1-1"] = "left";
    attacher_.at_once = true;
    make();
    source_.plug(stick("1-1", {0x03})); // left's path: rule names its port
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 work"));

    config_.seats[0].usb = {config::DeviceRule{}}; // "*" takes it no more
    router_->refresh();
    EXPECT_THAT(attacher_.take(), ElementsAre("detach 1-1 work"));
    EXPECT_EQ(status_of("1-1").reason,
              "input device of seat 'left': name it in usb (path:, id: or name:) to pass it");
}

TEST_F(UsbRouterTest, InterfacesComingLaterAreDecidedAgain)
{
    attacher_.at_once = true;
    make();
    source_.plug(stick("1-2", {}));
    EXPECT_THAT(attacher_.take(), IsEmpty());
    source_.plug(stick("1-2", {0x08})); // read again: same sysname
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-2 games"));
    EXPECT_EQ(router_->status().size(), 1u);
}

TEST_F(UsbRouterTest, AResultAfterTheRouterIsGoneDoesNothing)
{
    make();
    source_.plug(stick("1-1"));
    router_.reset();
    attacher_.answer(); // must not touch the router
    SUCCEED();
}

// After a session restart the running VMs still hold what the previous
// session gave them.
TEST_F(UsbRouterTest, RestartWithTheDeviceAlreadyWhereItBelongs)
{
    attacher_.holds["work"] = {"id:1-1"};
    source_.plug(stick("1-1"));
    make();
    EXPECT_THAT(attacher_.asked, ElementsAre("games", "work"));
    EXPECT_THAT(attacher_.take(), IsEmpty()); // no attach: it is there
    EXPECT_EQ(status_of("1-1").state, "attached");
    EXPECT_EQ(status_of("1-1").vm, "work");

    // It leaves as usual.
    source_.unplug("1-1");
    EXPECT_THAT(attacher_.take(), ElementsAre("detach 1-1 work"));
}

TEST_F(UsbRouterTest, RestartWithTheDeviceInTheWrongVm)
{
    attacher_.holds["games"] = {"id:1-1"};
    source_.plug(stick("1-1"));
    make();
    EXPECT_THAT(attacher_.take(), ElementsAre("detach 1-1 games"));
    attacher_.answer();
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 work"));
    attacher_.answer();
    EXPECT_EQ(status_of("1-1").vm, "work");
}

TEST_F(UsbRouterTest, HeldButUnpluggedIsTakenOut)
{
    attacher_.holds["work"] = {"id:1-4"};
    make();
    EXPECT_THAT(attacher_.take(), ElementsAre("detach-held id:1-4 work"));
    EXPECT_EQ(status_of("id:1-4").state, "detaching from 'work', unplugged");
    attacher_.answer();
    EXPECT_THAT(router_->status(), IsEmpty());
    router_->refresh();
    EXPECT_THAT(attacher_.take(), IsEmpty());
}

TEST_F(UsbRouterTest, HeldButUnpluggedAndFailingToLeaveIsReported)
{
    attacher_.holds["work"] = {"id:1-4"};
    make();
    EXPECT_THAT(attacher_.take(), ElementsAre("detach-held id:1-4 work"));
    attacher_.answer("no such hostdev");
    EXPECT_THAT(router_->status(), IsEmpty());
    const auto vms = router_->vms();
    ASSERT_EQ(vms.size(), 2u);
    EXPECT_EQ(vms[1].vm, "work");
    EXPECT_EQ(vms[1].error, "id:1-4: detach from VM 'work': no such hostdev");
}

TEST_F(UsbRouterTest, NothingIsAttachedUntilEveryVmHasAnswered)
{
    attacher_.held_later = true;
    attacher_.holds["games"] = {"id:1-1"};
    make();
    source_.plug(stick("1-1")); // belongs to work, but games holds it
    source_.plug(stick("1-2")); // belongs to games
    EXPECT_THAT(attacher_.take(), IsEmpty());
    EXPECT_EQ(status_of("1-1").state, "not attached");
    EXPECT_EQ(status_of("1-1").reason,
              "waiting for the running VMs to say which USB devices they hold");
    EXPECT_FALSE(router_->vms().at(0).known);

    attacher_.answer_held(); // games: 1-1
    // Out of games at once; into work only once work has answered.
    EXPECT_THAT(attacher_.take(), ElementsAre("detach 1-1 games"));
    attacher_.answer();
    EXPECT_THAT(attacher_.take(), IsEmpty());
    attacher_.answer_held(); // work: nothing
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 work", "attach 1-2 games"));
}

TEST_F(UsbRouterTest, AFailedAnswerIsReportedAndDevicesGoOn)
{
    attacher_.held_later = true;
    source_.plug(stick("1-1"));
    make();
    attacher_.answer_held();
    attacher_.answer_held("cannot read the domain XML");
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 work"));
    const auto vms = router_->vms();
    ASSERT_EQ(vms.size(), 2u);
    EXPECT_TRUE(vms[1].known);
    EXPECT_EQ(vms[1].error, "cannot read the domain XML");
}

TEST_F(UsbRouterTest, AVmIsAskedAgainWhenItRunsAgain)
{
    attacher_.at_once = true;
    make();
    EXPECT_THAT(attacher_.asked, ElementsAre("games", "work"));
    running_.erase("work");
    router_->refresh();
    attacher_.held_later = true;
    running_.insert("work");
    router_->refresh();
    EXPECT_THAT(attacher_.asked, ElementsAre("games", "work", "work"));
    source_.plug(stick("1-1"));
    EXPECT_THAT(attacher_.take(), IsEmpty()); // until work has answered
    // An answer for a run of the VM that ended is ignored.
    running_.erase("work");
    router_->refresh();
    running_.insert("work");
    router_->refresh();
    attacher_.holds["work"] = {"id:1-1"};
    attacher_.answer_held(); // the old question
    EXPECT_EQ(status_of("1-1").vm, std::nullopt);
    attacher_.answer_held(); // the new one
    EXPECT_THAT(attacher_.take(), IsEmpty());
    EXPECT_EQ(status_of("1-1").vm, "work");
}

TEST_F(UsbRouterTest, PluggedAgainWhileItsOldHoldIsTakenOut)
{
    attacher_.holds["work"] = {"id:1-1"};
    make();
    EXPECT_THAT(attacher_.take(), ElementsAre("detach-held id:1-1 work"));
    source_.plug(stick("1-1"));
    EXPECT_THAT(attacher_.take(), IsEmpty()); // one thing at a time
    EXPECT_EQ(router_->status().size(), 1u);
    attacher_.answer();
    EXPECT_THAT(attacher_.take(), ElementsAre("attach 1-1 work"));
}

TEST_F(UsbRouterTest, AHeldAnswerAfterTheRouterIsGoneDoesNothing)
{
    attacher_.held_later = true;
    make();
    router_.reset();
    attacher_.answer_held();
    SUCCEED();
}

} // namespace
} // namespace phyllome
