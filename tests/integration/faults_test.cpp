// Faults the session must live through, in this process with fake QEMU
// peers on two seats: each checks that the session stays up, that the other
// seat is untouched, and that the faulty side recovers where it can.
#include <csignal>
#include <iomanip>
#include <linux/input-event-codes.h>
#include <sstream>

#include <gtest/gtest.h>

#include "compositor/input_devices.hpp"
#include "compositor/output.hpp"
#include "compositor/status_card.hpp"
#include "compositor/wlr_compat.hpp"
#include "tests/support/fake_qemu.hpp"
#include "tests/support/headless_input.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/seated_vms.hpp"

namespace phyllome::test {
namespace {

constexpr uint32_t kColourA = 0x8899aa, kColourB = 0x445566;

class Faults : public ::testing::Test {
protected:
    void SetUp() override
    {
        for (const char *name : {"a", "b"}) {
            config::Vm vm;
            vm.name = name;
            vm.follow_output = false;
            vm.scaling = config::Scaling::Stretch; // the frame fills the output
            config_.vms.push_back(vm);
        }
        std::string error;
        config::Seat a;
        a.name = "a";
        a.vm = "a";
        a.all_outputs = true; // every output seat b does not list, plugged later too
        a.devices = {*config::parse_device_rule("name:A *", error)};
        config::Seat b;
        b.name = "b";
        b.vm = "b";
        b.outputs = {"HEADLESS-2"};
        b.devices = {*config::parse_device_rule("name:B *", error)};
        config_.seats = {a, b};

        fake_a_ = std::make_unique<FakeQemu>("9.2");
        fake_b_ = std::make_unique<FakeQemu>("9.2");
        Server::Settings settings;
        settings.headless = {{320, 240}, {320, 240}};
        connect_server(settings, side_);
        session_ = std::make_unique<InProcessSession>(std::move(settings), [this](Server &server) {
            side_ = std::make_unique<SeatedVms>(
                server, [this]() -> const config::Config & { return config_; });
            // The devices come once the session's input devices listen.
            keyboard_a_ = add_named_device(server, InputDeviceKind::Keyboard, "A keyboard");
            keyboard_b_ = add_named_device(server, InputDeviceKind::Keyboard, "B keyboard");
        });
        side_->fleet.attach("a", base::UniqueFd(fake_a_->take_client_fd()));
        side_->fleet.attach("b", base::UniqueFd(fake_b_->take_client_fd()));
        ASSERT_TRUE(session_->dispatch_until([&] { return session_->ready(); }));
        ASSERT_EQ(fake_a_->command(*session_, "wait-listener").rfind("ok", 0), 0u);
        ASSERT_EQ(fake_b_->command(*session_, "wait-listener").rfind("ok", 0), 0u);
        ASSERT_EQ(fake_a_->command(*session_, "scanout 64 48 x8r8g8b8 8899aa"), "ok");
        ASSERT_EQ(fake_b_->command(*session_, "scanout 64 48 x8r8g8b8 445566"), "ok");
        ASSERT_TRUE(shows("HEADLESS-1", kColourA));
        ASSERT_TRUE(shows("HEADLESS-2", kColourB));
    }

    void TearDown() override
    {
        if (fake_a_)
            kill(fake_a_->pid(), SIGCONT);
        side_.reset();
        session_.reset();
        fake_a_.reset();
        fake_b_.reset();
    }

    // The output's middle pixel becomes `colour` (each capture waits for a
    // frame of the output).
    bool shows(const std::string &output, uint32_t colour)
    {
        return session_->shows(output, 160, 120, colour);
    }

    // The output shows its status card (no VM frame).
    bool shows_card(const std::string &output)
    {
        auto image = session_->capture_until(
            output, [&](const Image &i) { return i.at(1, 1) == kBackgroundColor; });
        return image && image->at(1, 1) == kBackgroundColor;
    }

    // Seat b's QEMU draws a frame of `colour`; the session must show it.
    void expect_seat_b_presents(uint32_t colour)
    {
        ASSERT_EQ(fake_b_->command(*session_, fill_update(colour)), "ok");
        EXPECT_TRUE(shows("HEADLESS-2", colour)) << "seat b stopped presenting its VM";
    }

    config::Config config_;
    std::unique_ptr<FakeQemu> fake_a_, fake_b_;
    std::unique_ptr<InProcessSession> session_;
    std::unique_ptr<SeatedVms> side_;
    wlr_input_device *keyboard_a_ = nullptr, *keyboard_b_ = nullptr;
};

TEST_F(Faults, SeatsOnlyOutputUnpluggedAndPluggedAgain)
{
    wlr_output *output_a = nullptr;
    for (const auto &output : session_->server().outputs())
        if (std::string(output->wlr()->name) == "HEADLESS-1")
            output_a = output->wlr();
    ASSERT_NE(output_a, nullptr);
    wlr_output_destroy(output_a); // seat a has no screen now
    // Seat a's keys still go to its VM without a screen; nothing breaks.
    tap(keyboard_a_, KEY_A);
    ASSERT_EQ(fake_b_->command(*session_, "update 0 0 64 48 x8r8g8b8 112233"), "ok");
    EXPECT_TRUE(shows("HEADLESS-2", 0x112233)) << "seat b stopped showing its VM";

    // A monitor comes back: seat a takes it (all_outputs) and shows VM a.
    wlr_headless_add_output(session_->server().backend(), 320, 240);
    EXPECT_TRUE(shows("HEADLESS-3", kColourA));
    EXPECT_TRUE(shows("HEADLESS-2", 0x112233));
}

TEST_F(Faults, FrozenQemuDoesNotHoldUpTheSessionOrTheOtherSeat)
{
    ASSERT_EQ(fake_a_->command(*session_, "scanout-dmabuf 64 48 XR24 8899aa"), "ok");
    // An update whose acknowledgement QEMU will not be there to read.
    fake_a_->send("update-dmabuf 0 0 8 8 ffffff");
    ASSERT_EQ(kill(fake_a_->pid(), SIGSTOP), 0);
    // Thousands of keys for the frozen VM: queued or dropped, never waited on.
    for (int i = 0; i < 5000; ++i)
        tap(keyboard_a_, KEY_A);
    for (uint32_t colour : {0x102030u, 0x203040u, 0x304050u}) {
        ASSERT_EQ(fake_b_->command(*session_, fill_update(colour)), "ok");
        EXPECT_TRUE(shows("HEADLESS-2", colour)) << "seat b waited on seat a's frozen QEMU";
    }
    // Thawed, QEMU a is answered again.
    ASSERT_EQ(kill(fake_a_->pid(), SIGCONT), 0);
    std::optional<std::string> pending;
    ASSERT_TRUE(
        session_->dispatch_until([&] { return (pending = fake_a_->poll_line()).has_value(); }));
    EXPECT_EQ(pending->rfind("ok", 0), 0u) << *pending; // the update-dmabuf's acknowledgement
    ASSERT_EQ(fake_a_->command(*session_, "scanout 64 48 x8r8g8b8 abcdef"), "ok");
    EXPECT_TRUE(shows("HEADLESS-1", 0xabcdef));
}

TEST_F(Faults, QemuKilledWhileItStreamsFrames)
{
    // QEMU a sends frames back to back, not waiting for the session.
    // Mid-stream (the first frames answered, hundreds still coming), QEMU
    // is killed: a crash, or the OOM killer. When QEMU keeps up with the
    // session, one pass of the session's loop may answer the whole stream
    // before the test sees the first answers: then it streams again.
    constexpr int kFrames = 500;
    int answered = kFrames;
    for (int attempt = 0; attempt < 5 && answered == kFrames; ++attempt) {
        for (int i = 0; i < kFrames; ++i)
            fake_a_->send(fill_update(0x000100 * static_cast<uint32_t>(i % 256) + 0x30));
        answered = 0;
        ASSERT_TRUE(session_->dispatch_until([&] {
            while (fake_a_->poll_line())
                ++answered;
            return answered >= 10;
        }));
    }
    ASSERT_LT(answered, kFrames);
    ASSERT_EQ(kill(fake_a_->pid(), SIGKILL), 0);

    // Seat a shows its status card, saying what happened.
    ASSERT_TRUE(session_->dispatch_until([&] {
        return side_->fleet.state_of("a") == "Display disconnected";
    })) << side_->fleet.state_of("a");
    EXPECT_TRUE(shows_card("HEADLESS-1"));
    // Seat b never noticed.
    expect_seat_b_presents(0x102030);
    expect_seat_b_presents(0x203040);
    tap(keyboard_a_, KEY_A); // keys for a VM with no display: dropped
    tap(keyboard_b_, KEY_B);
    // Each answer is "ok" and what arrived since the last one; the press and
    // the release may come in different answers.
    std::string events;
    for (int i = 0; i < 50 && events.find("key-release:48") == std::string::npos; ++i) {
        const std::string answer = fake_b_->command(*session_, "events");
        ASSERT_EQ(answer.rfind("ok", 0), 0u) << answer;
        if (answer.size() > 3)
            events += answer.substr(3) + " ";
    }
    EXPECT_NE(events.find("key-press:48 key-release:48"), std::string::npos) << events;
    EXPECT_EQ(events.find(":30"), std::string::npos) << events;

    // QEMU a again (libvirt hands the display over once it runs): shown.
    fake_a_ = std::make_unique<FakeQemu>("9.2");
    side_->fleet.attach("a", base::UniqueFd(fake_a_->take_client_fd()));
    ASSERT_EQ(fake_a_->command(*session_, "wait-listener").rfind("ok", 0), 0u);
    ASSERT_EQ(fake_a_->command(*session_, "scanout 64 48 x8r8g8b8 abcdef"), "ok");
    EXPECT_TRUE(shows("HEADLESS-1", 0xabcdef));
    EXPECT_TRUE(shows("HEADLESS-2", 0x203040));
}

TEST_F(Faults, DmabufShorterThanItsDeclaredSizeIsRefused)
{
    const uint64_t rejected =
        side_->fleet.client("a")->consoles().front()->counters().messages_rejected;
    // 64x48 XR24 with a 256-byte stride needs 12288 bytes; the fd has 100.
    const std::string answer = fake_a_->command(*session_, "bad-dmabuf 64 48 256 XR24 100");
    EXPECT_EQ(answer.rfind("error org.qemu.Display1.Error.Invalid", 0), 0u) << answer;
    EXPECT_EQ(side_->fleet.client("a")->consoles().front()->counters().messages_rejected,
              rejected + 1);
    // A shorter one still, an empty one, and one short by a single byte.
    for (const char *line : {"bad-dmabuf 64 48 256 XR24 0", "bad-dmabuf 64 48 256 XR24 12287",
                             "bad-dmabuf 16384 16384 65536 XR24 4096"}) {
        const std::string refused = fake_a_->command(*session_, line);
        EXPECT_EQ(refused.rfind("error org.qemu.Display1.Error.Invalid", 0), 0u)
            << line << " -> " << refused;
    }
    // Seat a keeps its last frame, seat b goes on, and QEMU a's next good
    // DMA-BUF is shown.
    EXPECT_TRUE(shows("HEADLESS-1", kColourA));
    expect_seat_b_presents(0x102030);
    ASSERT_EQ(fake_a_->command(*session_, "scanout-dmabuf 64 48 XR24 abcdef"), "ok");
    EXPECT_TRUE(shows("HEADLESS-1", 0xabcdef));
}

TEST_F(Faults, GuestResizingAThousandTimesInARow)
{
    for (int i = 0; i < 1000; ++i) {
        const int width = 1 + (i * 37) % 320, height = 1 + (i * 53) % 240;
        std::ostringstream scanout;
        scanout << "scanout " << width << " " << height << " x8r8g8b8 " << std::hex << std::setw(6)
                << std::setfill('0') << (0x010101 * static_cast<unsigned>(i % 200));
        ASSERT_EQ(fake_a_->command(*session_, scanout.str()), "ok") << i;
    }
    ASSERT_EQ(fake_a_->command(*session_, "scanout 64 48 x8r8g8b8 abcdef"), "ok");
    EXPECT_TRUE(shows("HEADLESS-1", 0xabcdef));
    EXPECT_TRUE(shows("HEADLESS-2", kColourB));
    EXPECT_EQ(side_->fleet.client("a")->consoles().front()->counters().messages_rejected, 0u);
}

} // namespace
} // namespace phyllome::test
