// Copy and paste between VMs through the seats' chords (Seats::run with
// ClipboardTake and ClipboardGive), each VM a fake QEMU with its Clipboard:
// nothing crosses without a chord (the fakes record no Request and no Grab
// from the session), a take fills the seat's buffer, a give offers it to
// the VM the seat shows now and the guest's paste gets it, a buffer never
// crosses seats unless clipboard_across_seats says so, and every step ends
// in a banner on the seat's own screens that names sizes, never content.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <wayland-server-core.h>

#include "base/unique_fd.hpp"
#include "session/seats.hpp"
#include "session/vm_fleet.hpp"
#include "tests/support/fake_qemu.hpp"

namespace phyllome::test {
namespace {

using Kind = input::HostCommand::Kind;

class BannerCompositor final : public Seats::Compositor {
public:
    std::vector<std::string> outputs() const override { return {"DP-1", "DP-2", "HDMI-A-1"}; }
    void show_console(const std::string &, vmview::Console *, config::Scaling) override {}
    input::Placement console_placement(const std::string &) const override { return {}; }
    GuestSize guest_size(const std::string &) const override { return {1920, 1080, 600, 340}; }
    void identify(const std::string &, const StatusCardText &, int) override {}
    void show_input_hint(const std::string &, const std::optional<StatusCardText> &) override {}
    void banner(const std::string &output, const std::string &text, int ms) override
    {
        EXPECT_GT(ms, 0);
        banners[output].push_back(text);
    }
    void refresh_cards() override {}
    void route(const std::string &, input::VmInput *, std::vector<input::Head>,
               const std::vector<std::string> &) override
    {
    }
    bool input_grabbed(const std::string &) const override { return true; }
    void set_keyboard_leds(const std::string &, uint32_t) override {}
    void change_vt(unsigned) override {}

    std::map<std::string, std::vector<std::string>> banners;
};

config::Seat seat(const std::string &name, const std::string &vm, std::vector<std::string> outputs)
{
    config::Seat s;
    s.name = name;
    s.vm = vm;
    s.all_outputs = false;
    s.outputs = std::move(outputs);
    return s;
}

class ClipboardSeats : public ::testing::Test {
protected:
    ClipboardSeats()
    {
        config_.session.libvirt_uri = "test:///default";
        for (const char *name : {"work", "games", "mail"}) {
            config::Vm vm;
            vm.name = name;
            config_.vms.push_back(vm);
        }
        // left shows work on DP-1 and DP-2; right shows games on HDMI-A-1.
        config_.seats = {seat("left", "work", {"DP-1", "DP-2"}),
                         seat("right", "games", {"HDMI-A-1"})};
        for (const char *name : {"work", "games", "mail"}) {
            auto &fake = fakes_[name];
            fake = std::make_unique<FakeQemu>("10.1", "--clipboard");
            sources_.push_back(wl_event_loop_add_fd(
                loop_, fake->stdout_fd(), WL_EVENT_READABLE,
                [](int, uint32_t, void *data) {
                    auto *entry =
                        static_cast<std::pair<FakeQemu *, std::vector<std::string> *> *>(data);
                    while (auto line = entry->first->poll_line())
                        entry->second->push_back(*line);
                    return 0;
                },
                &readers_.emplace_back(std::make_unique<Reader>(fake.get(), &lines_[name]))->pair));
            fleet_->attach(name, base::UniqueFd(fake->take_client_fd()));
        }
        seats_ = std::make_unique<Seats>(compositor_, *fleet_,
                                         [this]() -> const config::Config & { return config_; });
        for (const char *name : {"work", "games", "mail"}) {
            EXPECT_EQ(command(name, "wait-clipboard"), "ok");
            EXPECT_TRUE(dispatch_until([&] {
                const auto *client = fleet_->client(name);
                return client && client->clipboard() &&
                       client->clipboard()->state() == vmview::Clipboard::State::Registered;
            })) << name;
            EXPECT_EQ(command(name, "clipboard-calls"), "ok register");
        }
    }
    ~ClipboardSeats() override
    {
        seats_.reset();
        fleet_.reset();
        for (wl_event_source *source : sources_)
            wl_event_source_remove(source);
        fakes_.clear();
        wl_event_loop_destroy(loop_);
    }

    bool dispatch_until(const std::function<bool()> &done)
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!done()) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return false;
            wl_event_loop_dispatch(loop_, static_cast<int>(left.count()));
        }
        return true;
    }

    std::string command(const std::string &vm, const std::string &line)
    {
        auto &lines = lines_[vm];
        fakes_[vm]->send(line);
        if (!dispatch_until([&] { return !lines.empty(); }))
            return "(no answer from " + vm + " to: " + line + ")";
        std::string answer = lines.front();
        lines.erase(lines.begin());
        return answer;
    }

    // Runs a chord on a seat and waits for the banner it ends in.
    std::string chord(const std::string &seat_name, Kind kind)
    {
        const std::string output = seat_name == "left" ? "DP-1" : "HDMI-A-1";
        const std::size_t before = compositor_.banners[output].size();
        seats_->run(seat_name, input::HostCommand{kind, 0});
        if (!dispatch_until([&] { return compositor_.banners[output].size() > before; }))
            return "(no banner)";
        // Every other output of the seat shows it too; none of the other seat's.
        return compositor_.banners[output].back();
    }

    // The session waits for QEMU's answer to its Grab before the guest pastes.
    void settle_offer(const std::string &vm)
    {
        EXPECT_TRUE(
            dispatch_until([&] { return !fleet_->client(vm)->clipboard()->grab_pending(); }));
    }

    struct Reader {
        Reader(FakeQemu *fake, std::vector<std::string> *lines) : pair(fake, lines) {}
        std::pair<FakeQemu *, std::vector<std::string> *> pair;
    };

    config::Config config_;
    BannerCompositor compositor_;
    wl_event_loop *loop_ = wl_event_loop_create();
    std::unique_ptr<VmFleet> fleet_ = std::make_unique<VmFleet>(
        loop_, VmFleet::Handlers{.changed = [] {},
                                 .input_closing = [](const input::VmInput &) {},
                                 .keyboard_leds = [](const std::string &, uint32_t) {},
                                 .pointer_mode_changed =
                                     [] {
                                     }});
    std::map<std::string, std::unique_ptr<FakeQemu>> fakes_;
    std::map<std::string, std::vector<std::string>> lines_;
    std::vector<std::unique_ptr<Reader>> readers_;
    std::vector<wl_event_source *> sources_;
    std::unique_ptr<Seats> seats_;
};

TEST_F(ClipboardSeats, NothingCrossesWithoutAChord)
{
    EXPECT_EQ(command("work", "guest-copy the secret"), "ok");
    EXPECT_EQ(command("games", "guest-copy other text"), "ok");
    EXPECT_EQ(seats_->show_vm("left", "games"), "");
    EXPECT_EQ(seats_->show_vm("left", "work"), "");
    for (const char *vm : {"work", "games", "mail"}) {
        EXPECT_EQ(command(vm, "clipboard-calls"), "ok") << vm;
        EXPECT_EQ(command(vm, "guest-paste").rfind("error", 0), 0u) << vm;
    }
    EXPECT_TRUE(seats_->clipboard().buffers().empty());
    EXPECT_TRUE(compositor_.banners.empty());
}

TEST_F(ClipboardSeats, TakeThenGiveMovesTextToTheVmShownNow)
{
    EXPECT_EQ(command("work", "guest-copy " + std::string(2150, 'w')), "ok");
    EXPECT_EQ(chord("left", Kind::ClipboardTake), "Copied 2.1 KiB of text from work");
    EXPECT_EQ(compositor_.banners["DP-2"].back(), "Copied 2.1 KiB of text from work");
    EXPECT_TRUE(compositor_.banners["HDMI-A-1"].empty());
    EXPECT_EQ(command("work", "clipboard-calls"), "ok request:0,text/plain;charset=utf-8");
    ASSERT_EQ(seats_->clipboard().buffers().size(), 1u);
    EXPECT_EQ(seats_->clipboard().buffers()[0].bytes, 2150u);
    EXPECT_EQ(seats_->clipboard().buffers()[0].from_vm, "work");

    // The seat switches to mail and gives: mail's guest pastes the text.
    EXPECT_EQ(seats_->show_vm("left", "mail"), "");
    EXPECT_EQ(chord("left", Kind::ClipboardGive), "Pasted 2.1 KiB into mail");
    settle_offer("mail");
    EXPECT_EQ(command("mail", "clipboard-calls"), "ok grab:0,1,text/plain;charset=utf-8");
    const std::string pasted = command("mail", "guest-paste");
    EXPECT_EQ(pasted.rfind("ok text/plain;charset=utf-8 2150 7777", 0), 0u) << pasted.substr(0, 80);
    // work and games saw nothing more.
    EXPECT_EQ(command("work", "clipboard-calls"), "ok");
    EXPECT_EQ(command("games", "clipboard-calls"), "ok");
}

TEST_F(ClipboardSeats, BannersNameSizesNeverContent)
{
    EXPECT_EQ(command("work", "guest-copy hunter2"), "ok");
    EXPECT_EQ(chord("left", Kind::ClipboardTake), "Copied 7 bytes of text from work");
    for (const auto &[output, texts] : compositor_.banners)
        for (const std::string &text : texts)
            EXPECT_EQ(text.find("hunter2"), std::string::npos) << output;
}

TEST_F(ClipboardSeats, AcrossSeatsIsRefusedUnlessTheSettingAllowsIt)
{
    EXPECT_EQ(command("work", "guest-copy from the left"), "ok");
    EXPECT_EQ(chord("left", Kind::ClipboardTake), "Copied 13 bytes of text from work");
    EXPECT_EQ(chord("right", Kind::ClipboardGive), "Nothing to paste on this seat");
    EXPECT_EQ(command("games", "clipboard-calls"), "ok");

    config_.session.clipboard_across_seats = true;
    // The rule changed: what was taken under the old one is gone.
    EXPECT_EQ(chord("right", Kind::ClipboardGive), "Nothing to paste on this seat");
    EXPECT_EQ(chord("left", Kind::ClipboardTake), "Copied 13 bytes of text from work");
    EXPECT_EQ(chord("right", Kind::ClipboardGive), "Pasted 13 bytes into games");
    settle_offer("games");
    EXPECT_EQ(command("games", "clipboard-calls"), "ok grab:0,1,text/plain;charset=utf-8");
    EXPECT_EQ(command("games", "guest-paste").rfind("ok text/plain;charset=utf-8 13 ", 0), 0u);
}

TEST_F(ClipboardSeats, FailuresSayWhyAndKeepTheBuffer)
{
    EXPECT_EQ(chord("left", Kind::ClipboardGive), "Nothing to paste on this seat");
    EXPECT_EQ(chord("left", Kind::ClipboardTake),
              "Nothing copied from work: nothing was copied in the VM");
    EXPECT_EQ(command("work", "guest-copy-bytes 1048577"), "ok");
    const std::string too_big = chord("left", Kind::ClipboardTake);
    EXPECT_EQ(too_big.rfind("Nothing copied from work: the text is larger than 1.0 MiB", 0), 0u)
        << too_big;
    EXPECT_EQ(command("work", "guest-copy-hex 80"), "ok");
    EXPECT_EQ(chord("left", Kind::ClipboardTake),
              "Nothing copied from work: the text is not valid UTF-8");
    EXPECT_TRUE(seats_->clipboard().buffers().empty());
    EXPECT_EQ(command("work", "guest-copy fine"), "ok");
    EXPECT_EQ(chord("left", Kind::ClipboardTake), "Copied 4 bytes of text from work");
    EXPECT_EQ(command("work", "clipboard-answer-mime text/html"), "ok");
    EXPECT_EQ(chord("left", Kind::ClipboardTake).rfind("Nothing copied from work: the answer", 0),
              0u);
    ASSERT_TRUE(seats_->clipboard().buffer_for("left", false));
    EXPECT_EQ(seats_->clipboard().buffer_for("left", false)->bytes, 4u);
}

} // namespace
} // namespace phyllome::test
