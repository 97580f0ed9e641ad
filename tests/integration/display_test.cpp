// The display path end to end, against the fake QEMU peer behaving as QEMU
// 7.2, 9.2 and 10.1: exact pixels on a headless output (captured by grim),
// every pixel format, partial updates, the 7.2 resize guard, shared memory
// and DMA-BUF paths, the cursor, and malformed messages refused without harm.
#include <algorithm>
#include <array>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "base/listener.hpp"
#include "compositor/output.hpp"
#include "compositor/status_card.hpp"
#include "compositor/wlr_compat.hpp"
#include "input/placement.hpp"
#include "session/control_status.hpp"
#include "tests/support/fake_qemu.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/process.hpp"
#include "tests/support/seated_vms.hpp"
#include "vmview/pixel_format.hpp"

namespace phyllome::test {
namespace {

constexpr int kOutputWidth = 320, kOutputHeight = 240;

// The colour a format can hold of `rgb`: channels of fewer than 8 bits keep
// their top bits and are widened again by repeating them.
uint32_t representable(const std::string &format, uint32_t rgb)
{
    static const std::map<std::string, std::array<int, 3>> kNarrow = {
        {"r5g6b5", {5, 6, 5}},
        {"b5g6r5", {5, 6, 5}},
        {"x1r5g5b5", {5, 5, 5}},
        {"a1r5g5b5", {5, 5, 5}},
    };
    auto it = kNarrow.find(format);
    if (it == kNarrow.end())
        return rgb;
    uint32_t result = 0;
    for (int channel = 0; channel < 3; ++channel) {
        const int shift = 16 - channel * 8;
        const int bits = it->second[static_cast<std::size_t>(channel)];
        const uint32_t value = ((rgb >> shift) & 0xff) >> (8 - bits);
        const uint32_t widened = (value << (8 - bits)) | (value >> (2 * bits - 8));
        result |= (widened & 0xff) << shift;
    }
    return result;
}

class Display : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override
    {
        config::Vm vm;
        vm.name = "test";
        vm.scaling = config::Scaling::None; // native size: exact pixels
        config::Seat seat;
        seat.name = "seat0";
        seat.vm = "test";
        seat.outputs = {"HEADLESS-1"};
        config_.vms = {vm};
        config_.seats = {seat};

        fake_ = std::make_unique<FakeQemu>(GetParam());
        Server::Settings settings;
        settings.headless = {{kOutputWidth, kOutputHeight}};
        settings.guest_display_off_delay_ms = guest_display_off_delay_ms_;
        connect_server(settings, side_);
        session_ = std::make_unique<InProcessSession>(std::move(settings));
        side_ = std::make_unique<SeatedVms>(session_->server(),
                                            [this]() -> const config::Config & { return config_; });
        fake_source_ = wl_event_loop_add_fd(session_->server().event_loop(), fake_->stdout_fd(),
                                            WL_EVENT_READABLE, on_fake_output, this);
        side_->fleet.attach("test", base::UniqueFd(fake_->take_client_fd()));
        ASSERT_TRUE(session_->dispatch_until([&] { return session_->ready(); }));
        const std::string listener = command("wait-listener");
        ASSERT_EQ(listener.rfind("ok", 0), 0u) << listener;
    }

    void TearDown() override
    {
        if (fake_source_)
            wl_event_source_remove(fake_source_);
        side_.reset();
        session_.reset();
        fake_.reset();
    }

    static int on_fake_output(int, uint32_t, void *data)
    {
        auto *self = static_cast<Display *>(data);
        while (auto line = self->fake_->poll_line())
            self->lines_.push_back(*line);
        return 0;
    }

    // One command to the fake QEMU; its answer, while the session runs.
    std::string command(const std::string &line)
    {
        fake_->send(line);
        if (!session_->dispatch_until([&] { return !lines_.empty(); }))
            return "(no answer from fake-qemu to: " + line + ")";
        std::string answer = lines_.front();
        lines_.erase(lines_.begin());
        return answer;
    }

    void expect_ok(const std::string &line)
    {
        const std::string answer = command(line);
        EXPECT_EQ(answer.rfind("ok", 0), 0u) << line << " -> " << answer;
    }

    vmview::Console &console() { return *side_->fleet.client("test")->consoles().front(); }

    // Where a frame of this size is on the output (native size, centred).
    static base::Rect frame_rect(int width, int height)
    {
        return input::place_frame(static_cast<uint32_t>(width), static_cast<uint32_t>(height),
                                  kOutputWidth, kOutputHeight, config::Scaling::None)
            .dest;
    }

    // Captures until the frame shows `expected(x, y)` at every pixel of
    // its rectangle; returns how many pixels still differ.
    int differing_until(int width, int height, const std::function<uint32_t(int, int)> &expected)
    {
        const base::Rect rect = frame_rect(width, height);
        int differing = -1;
        session_->capture_until("HEADLESS-1", [&](const Image &image) {
            differing = 0;
            for (int y = 0; y < rect.height; ++y)
                for (int x = 0; x < rect.width; ++x)
                    if (image.at(rect.x + x, rect.y + y) != expected(x, y))
                        ++differing;
            return differing == 0;
        });
        return differing;
    }

    // The usual 64x48 quadrants after an 8x8 white update at the top left.
    static std::function<uint32_t(int, int)> quadrants_with_white_corner()
    {
        const auto base = quadrants(64, 48, {0x112233, 0x445566, 0x778899, 0xaabbcc});
        return [base](int x, int y) {
            return x < 8 && y < 8 ? 0xffffffu : base(x, y);
        };
    }

    static std::function<uint32_t(int, int)> quadrants(int width, int height,
                                                       std::array<uint32_t, 4> colours)
    {
        return [=](int x, int y) {
            return colours[static_cast<std::size_t>((y >= height / 2 ? 2 : 0) +
                                                    (x >= width / 2 ? 1 : 0))];
        };
    }

    // Longer than any test: only GuestDisplayPower waits for it.
    int guest_display_off_delay_ms_ = 600000;
    config::Config config_;
    std::unique_ptr<FakeQemu> fake_;
    std::unique_ptr<InProcessSession> session_;
    std::unique_ptr<SeatedVms> side_;
    wl_event_source *fake_source_ = nullptr;
    std::vector<std::string> lines_;
};

TEST_P(Display, InitialScanoutIsShownAtNativeSize)
{
    const auto info = console().info();
    EXPECT_EQ(differing_until(static_cast<int>(info.width), static_cast<int>(info.height),
                              [](int, int) { return 0x203040u; }),
              0);
}

TEST_P(Display, EveryPixelFormatShowsItsColours)
{
    const std::array<uint32_t, 4> colours = {0xff0000, 0x00ff00, 0x0000ff, 0x848408};
    for (const vmview::PixelFormat &format : vmview::all_pixel_formats()) {
        expect_ok("scanout 64 48 " + std::string(format.name) + " ff0000 00ff00 0000ff 848408");
        std::array<uint32_t, 4> expected{};
        for (std::size_t i = 0; i < 4; ++i)
            expected[i] = representable(format.name, colours[i]);
        EXPECT_EQ(differing_until(64, 48, quadrants(64, 48, expected)), 0) << format.name;
    }
}

TEST_P(Display, StrideWithPaddingIsHonoured)
{
    expect_ok("scanout 30 20 r8g8b8 112233 445566 778899 aabbcc stride=100");
    EXPECT_EQ(differing_until(30, 20, quadrants(30, 20, {0x112233, 0x445566, 0x778899, 0xaabbcc})),
              0);
}

TEST_P(Display, PartialUpdateChangesOnlyItsRectangle)
{
    expect_ok("scanout 64 48 x8r8g8b8 102030");
    const uint64_t copied = console().counters().pixel_bytes_copied;
    expect_ok("update 8 4 16 12 x8r8g8b8 f0e0d0");
    EXPECT_EQ(differing_until(64, 48,
                              [](int x, int y) {
                                  return x >= 8 && x < 24 && y >= 4 && y < 16 ? 0xf0e0d0u
                                                                              : 0x102030u;
                              }),
              0);
    // One copy of exactly the rectangle's bytes.
    EXPECT_EQ(console().counters().pixel_bytes_copied - copied, 16u * 12u * 4u);
}

TEST_P(Display, ResizeWithoutScanoutIsCaughtByTheGuard)
{
    // QEMU 7.2's bug (and later versions on this path): a mode switch
    // sends no Scanout, only updates of the new size.
    expect_ok("scanout 64 48 x8r8g8b8 102030");
    expect_ok("resize-silently 96 64");
    expect_ok("update 0 0 96 32 x8r8g8b8 405060");
    expect_ok("update 0 32 96 32 x8r8g8b8 708090");
    EXPECT_EQ(differing_until(96, 64, [](int, int y) { return y < 32 ? 0x405060u : 0x708090u; }),
              0);
    EXPECT_EQ(console().frame().width, 96u);
    EXPECT_EQ(console().frame().height, 64u);
}

TEST_P(Display, MalformedMessagesAreRefusedAndTheLastFrameStays)
{
    expect_ok("scanout 64 48 x8r8g8b8 102030");
    const uint64_t rejected = console().counters().messages_rejected;
    const std::vector<std::string> bad = {
        "bad-scanout 0 0 0 0x20020888 0",                             // empty
        "bad-scanout 64 48 256 0x20020888 100",                       // data shorter than declared
        "bad-scanout 64 48 256 0x12345678 12288",                     // unknown format
        "bad-scanout 64 48 8 0x20020888 12288",                       // stride below a row
        "bad-scanout 20000 10 80000 0x20020888 0",                    // wider than any screen
        "bad-scanout 4294967295 4294967295 4294967295 0x20020888 16", // overflow bait
        "bad-update -1 0 8 8 32 0x20020888 256",                      // negative position
        "bad-update 0 0 0 8 32 0x20020888 256",                       // empty
        "bad-update 0 0 8 8 32 0x20020888 255",                       // one byte short
        "bad-update 0 0 8 8 32 0x0 256",                              // no format
        "bad-update 16380 0 8 8 32 0x20020888 256",                   // beyond the largest screen
        "bad-cursor 0 0 0 0 0",
        "bad-cursor 4 4 9 0 64",       // hot spot outside
        "bad-cursor 4 4 0 0 63",       // data short
        "bad-cursor 4096 4096 0 0 16", // huge
        "bad-update-dmabuf 0 0 8 8",   // no DMA-BUF scanout first
        "bad-dmabuf-fd pipe 64 48",
        "bad-dmabuf-fd socket 64 48",
        "bad-dmabuf-fd dir 64 48",
        "bad-dmabuf 64 48 256 0x34325258 100",   // file shorter than the image
        "bad-dmabuf 64 48 256 0x3231564e 12288", // NV12: not a single-plane RGB format
    };
    for (const std::string &line : bad) {
        const std::string answer = command(line);
        EXPECT_EQ(answer.rfind("error", 0), 0u) << line << " -> " << answer;
    }
    if (GetParam() != "7.2") {
        for (const std::string line :
             {"bad-map 0 64 48 256 0x20020888 100", "bad-map 8192 64 48 256 0x20020888 12288",
              "bad-map 0 64 48 256 0x12345678 12288", "bad-map-fd pipe 64 48",
              "bad-map-fd socket 64 48", "bad-map-fd dir 64 48"}) {
            const std::string answer = command(line);
            EXPECT_EQ(answer.rfind("error", 0), 0u) << line << " -> " << answer;
        }
    }
    EXPECT_GE(console().counters().messages_rejected - rejected, bad.size());
    EXPECT_EQ(differing_until(64, 48, [](int, int) { return 0x102030u; }), 0);
    // And the connection still works.
    expect_ok("update 0 0 8 8 x8r8g8b8 ffffff");
    EXPECT_EQ(differing_until(64, 48,
                              [](int x, int y) { return x < 8 && y < 8 ? 0xffffffu : 0x102030u; }),
              0);
}

TEST_P(Display, CursorImageAtTheGuestsPosition)
{
    expect_ok("scanout 64 48 x8r8g8b8 102030");
    expect_ok("cursor 4 4 0 0 ff00ff");
    expect_ok("mouse-set 20 10 1");
    const base::Rect rect = frame_rect(64, 48);
    auto image = session_->capture_until(
        "HEADLESS-1", [&](const Image &i) { return i.at(rect.x + 21, rect.y + 11) == 0xff00ff; },
        100, true);
    ASSERT_TRUE(image);
    EXPECT_EQ(image->at(rect.x + 21, rect.y + 11), 0xff00ffu);
    EXPECT_EQ(image->at(rect.x + 19, rect.y + 11), 0x102030u);
    expect_ok("mouse-set 20 10 0");
    image = session_->capture_until(
        "HEADLESS-1", [&](const Image &i) { return i.at(rect.x + 21, rect.y + 11) == 0x102030; },
        100, true);
    ASSERT_TRUE(image);
    EXPECT_EQ(image->at(rect.x + 21, rect.y + 11), 0x102030u);
}

TEST_P(Display, DisableShowsTheStatusCardAgain)
{
    expect_ok("scanout 64 48 x8r8g8b8 102030");
    expect_ok("disable");
    auto image = session_->capture_until(
        "HEADLESS-1", [](const Image &i) { return i.at(1, 1) == kBackgroundColor; });
    ASSERT_TRUE(image);
    EXPECT_EQ(image->at(1, 1), kBackgroundColor);
    const CardGeometry card = status_card_geometry(kOutputWidth, kOutputHeight);
    EXPECT_EQ(image->at(card.x + card.width / 2, card.y + 2), kCardColor);
    // A new frame takes the output back.
    expect_ok("scanout 64 48 x8r8g8b8 405060");
    EXPECT_EQ(differing_until(64, 48, [](int, int) { return 0x405060u; }), 0);
}

// A guest that switches its display off puts its monitor to sleep, after a
// grace period (none here), and its next frame wakes it; a monitor the user
// switched stays as the user left it.
class GuestDisplayPower : public Display {
protected:
    GuestDisplayPower() { guest_display_off_delay_ms_ = 1; }

    // The seat's output as `phyllomectl status` reports it.
    nlohmann::json status_of_output()
    {
        const nlohmann::json status =
            status_json(config_, side_->seats, side_->fleet, session_->server(), side_->input);
        return status["seats"][0]["outputs"][0];
    }
};

TEST_P(GuestDisplayPower, DisableSwitchesTheMonitorOffAndTheNextFrameOn)
{
    Output &output = *session_->server().outputs().front();
    expect_ok("scanout 64 48 x8r8g8b8 102030");
    ASSERT_EQ(differing_until(64, 48, [](int, int) { return 0x102030u; }), 0);
    expect_ok("disable");
    if (!compat::kHeadlessOutputsSwitchOff) {
        // wlroots 0.15's headless outputs refuse to switch off: the card
        // stays, and the output with it.
        auto image = session_->capture_until(
            "HEADLESS-1", [](const Image &i) { return i.at(1, 1) == kBackgroundColor; });
        ASSERT_TRUE(image);
        EXPECT_EQ(image->at(1, 1), kBackgroundColor);
        EXPECT_TRUE(output.wlr()->enabled);
        EXPECT_FALSE(output.off_for_guest());
        return;
    }
    ASSERT_TRUE(session_->dispatch_until([&] { return !output.wlr()->enabled; }));
    EXPECT_TRUE(output.off_for_guest());
    const nlohmann::json status = status_of_output();
    EXPECT_EQ(status["enabled"], false) << status;
    EXPECT_EQ(status["off_for_guest"], true) << status;
    // Its mode and place are kept for when it wakes.
    EXPECT_EQ(output.wlr()->width, kOutputWidth);
    EXPECT_EQ(output.wlr()->height, kOutputHeight);

    expect_ok("scanout 64 48 x8r8g8b8 405060");
    ASSERT_TRUE(session_->dispatch_until([&] { return output.wlr()->enabled; }));
    EXPECT_FALSE(output.off_for_guest());
    EXPECT_EQ(differing_until(64, 48, [](int, int) { return 0x405060u; }), 0);
    EXPECT_EQ(status_of_output()["enabled"], true);
}

TEST_P(GuestDisplayPower, AMonitorTheUserSwitchedStaysAsTheUserLeftIt)
{
    Output &output = *session_->server().outputs().front();
    if (!compat::kHeadlessOutputsSwitchOff) {
        // wlroots 0.15 (no wlopm beside it): the user's switch is refused
        // and changes nothing.
        output.set_power_by_user(false);
        EXPECT_TRUE(output.wlr()->enabled);
        EXPECT_FALSE(output.off_for_guest());
        return;
    }
    const std::string wlopm = required_env("WLOPM");
    expect_ok("scanout 64 48 x8r8g8b8 102030");
    expect_ok("disable");
    ASSERT_TRUE(session_->dispatch_until([&] { return !output.wlr()->enabled; }));
    // The user wakes it while the guest's display is still off: it stays on.
    ASSERT_EQ(session_->run_client({wlopm, "--on", "HEADLESS-1"}, "wlopm.log"), 0);
    EXPECT_TRUE(output.wlr()->enabled);
    EXPECT_FALSE(output.off_for_guest());
    for (int i = 0; i < 3; ++i)
        expect_ok("wait-listener");
    EXPECT_TRUE(output.wlr()->enabled);
    // The user puts it to sleep: the guest's next frame does not wake it.
    ASSERT_EQ(session_->run_client({wlopm, "--off", "HEADLESS-1"}, "wlopm.log"), 0);
    EXPECT_FALSE(output.wlr()->enabled);
    expect_ok("scanout 64 48 x8r8g8b8 405060");
    for (int i = 0; i < 3; ++i)
        expect_ok("wait-listener");
    EXPECT_FALSE(output.wlr()->enabled);
    EXPECT_EQ(status_of_output()["off_for_guest"], false);
}

TEST_P(Display, SharedMemoryIsShownWithoutCopies)
{
    if (GetParam() == "7.2") {
        // 7.2 has no Unix.Map: the fake refuses as QEMU would not offer it.
        EXPECT_EQ(command("scanout-map 64 48 x8r8g8b8 102030").rfind("error", 0), 0u);
        return;
    }
    const uint64_t copied = console().counters().pixel_bytes_copied;
    expect_ok("scanout-map 64 48 x8r8g8b8 112233 445566 778899 aabbcc");
    EXPECT_EQ(differing_until(64, 48, quadrants(64, 48, {0x112233, 0x445566, 0x778899, 0xaabbcc})),
              0);
    expect_ok("update-map 0 0 8 8 ffffff");
    EXPECT_EQ(differing_until(64, 48, quadrants_with_white_corner()), 0);
    EXPECT_EQ(console().counters().pixel_bytes_copied, copied) << "the map path copied pixels";
}

TEST_P(Display, SharedMemoryShrunkUnderTheSessionShowsBlackInsteadOfCrashing)
{
    if (GetParam() == "7.2")
        return; // no Unix.Map
    expect_ok("scanout-map 64 48 x8r8g8b8 112233");
    EXPECT_EQ(differing_until(64, 48, quadrants(64, 48, {0x112233, 0x112233, 0x112233, 0x112233})),
              0);
    // The memfd is truncated under the session's mapping: drawing the next
    // frame reads it. Without the SIGBUS guard the session dies here.
    expect_ok("shrink-map");
    EXPECT_EQ(differing_until(64, 48, quadrants(64, 48, {0, 0, 0, 0})), 0);
    // Now the console knows: further updates of that mapping are refused.
    EXPECT_NE(command("shrink-map").find("shrank"), std::string::npos);
    // A new mapping shows again.
    expect_ok("scanout-map 64 48 x8r8g8b8 445566");
    EXPECT_EQ(differing_until(64, 48, quadrants(64, 48, {0x445566, 0x445566, 0x445566, 0x445566})),
              0);
}

// A format the renderers cannot show is copied from the mapping into the
// shadow buffer: every UpdateMap must still find the mapping (showing the
// shadow buffer once used to drop it, so the second one was refused).
TEST_P(Display, ConvertedSharedMemoryTakesEveryUpdate)
{
    if (GetParam() == "7.2")
        return; // no Unix.Map
    expect_ok("scanout-map 64 48 r5g6b5 000000");
    expect_ok("update-map 0 0 8 8 ffffff");
    expect_ok("update-map 8 0 8 8 ffffff");
    EXPECT_EQ(
        differing_until(64, 48, [](int x, int y) { return x < 16 && y < 8 ? 0xffffffu : 0u; }), 0);
}

TEST_P(Display, DmabufIsShownWithoutCopiesAndAcknowledged)
{
    const uint64_t copied = console().counters().pixel_bytes_copied;
    expect_ok("scanout-dmabuf 64 48 XR24 112233 445566 778899 aabbcc");
    EXPECT_EQ(differing_until(64, 48, quadrants(64, 48, {0x112233, 0x445566, 0x778899, 0xaabbcc})),
              0);
    const std::string ack = command("update-dmabuf 0 0 8 8 ffffff");
    EXPECT_EQ(ack.rfind("ok", 0), 0u) << ack;
    EXPECT_EQ(differing_until(64, 48, quadrants_with_white_corner()), 0);
    EXPECT_EQ(console().counters().pixel_bytes_copied, copied);
}

TEST_P(Display, DmabufStoredBottomUpIsShownTheRightWayUp)
{
    expect_ok("scanout-dmabuf 64 48 XR24 112233 445566 778899 aabbcc y0_top=1");
    EXPECT_EQ(differing_until(64, 48, quadrants(64, 48, {0x112233, 0x445566, 0x778899, 0xaabbcc})),
              0);
    // Damage is flipped too: the top-left corner changes, seen the right way up.
    expect_ok("update-dmabuf 0 0 8 8 ffffff");
    EXPECT_EQ(differing_until(64, 48, quadrants_with_white_corner()), 0);
}

TEST_P(Display, FullScreenDmabufIsScannedOutDirectly)
{
    expect_ok("scanout-dmabuf 320 240 XR24 336699");
    const uint64_t before = console().counters().direct_scanouts;
    // Each acknowledged update is an output commit of the frame itself.
    for (int i = 0; i < 3; ++i)
        expect_ok("update-dmabuf 0 0 8 8 ffffff");
    EXPECT_GT(console().counters().direct_scanouts, before);
    EXPECT_EQ(differing_until(320, 240,
                              [](int x, int y) { return x < 8 && y < 8 ? 0xffffffu : 0x336699u; }),
              0);
}

// A guest that shows a still screen costs no output commits: wlroots 0.15
// recommits a directly scanned-out buffer on every frame event, which on
// DRM would be a page flip per refresh for as long as the screen is still
// (0.18's scene checks for damage itself; the session checks on both).
TEST_P(Display, StillFullScreenFrameCommitsNothing)
{
    wlr_output *output = session_->server().outputs().front()->wlr();
    int frames = 0, commits = 0;
    base::Listener frame, commit;
    frame.connect(&output->events.frame, [&](void *) { ++frames; });
    commit.connect(&output->events.commit, [&](void *) { ++commits; });
    for (const char *scanout :
         {"scanout 320 240 x8r8g8b8 336699", "scanout-dmabuf 320 240 XR24 336699"}) {
        SCOPED_TRACE(scanout);
        expect_ok(scanout);
        ASSERT_EQ(differing_until(320, 240, [](int, int) { return 0x336699u; }), 0);
        // Still: not one commit while the output would take one.
        if (!compat::kFrameEventsOnlyAfterCommits) {
            // Ten frame events of the output, each answered with nothing.
            commits = 0;
            const int until = frames + 10;
            ASSERT_TRUE(session_->dispatch_until([&] { return frames >= until; }));
        } else {
            // Until the last commit's frame event has come and no frame is
            // scheduled (the session commits inside a frame event, so the
            // listeners cannot tell which came last), then ten round trips
            // with QEMU: nothing committed, no frame asked for.
            ASSERT_TRUE(session_->dispatch_until(
                [&] { return !output->frame_pending && !output->idle_frame; }));
            commits = 0;
            const int frames_when_idle = frames;
            for (int i = 0; i < 10; ++i)
                expect_ok("wait-listener");
            EXPECT_EQ(frames, frames_when_idle) << "a frame was asked for while still";
        }
        EXPECT_EQ(commits, 0) << "a still frame was committed again";
        // A change is committed at once.
        expect_ok(std::string(scanout).find("dmabuf") != std::string::npos
                      ? "update-dmabuf 0 0 8 8 ffffff"
                      : "update 0 0 8 8 x8r8g8b8 ffffff");
        EXPECT_TRUE(session_->dispatch_until([&] { return commits > 0; }));
    }
}

TEST_P(Display, MultiPlaneScanoutOnlyWhereQemuHasIt)
{
    const std::string answer = command("scanout-dmabuf2 64 48 XR24 445566");
    if (GetParam() != "10.1") {
        EXPECT_EQ(answer.rfind("error", 0), 0u) << answer;
        return;
    }
    EXPECT_EQ(answer.rfind("ok", 0), 0u) << answer;
    EXPECT_EQ(differing_until(64, 48, [](int, int) { return 0x445566u; }), 0);
}

// Keyboard and mouse input reach the console in order, in the form the
// guest's pointer takes (QEMU 7.2 misreports it: the refusal flips it).
TEST_P(Display, InputReachesTheConsoleInOrder)
{
    vmview::DisplayClient &client = *side_->fleet.client("test");
    const uint32_t id = console().info().id;
    std::string seen;
    auto wait_events = [&](const std::string &wanted, int attempts = 200) {
        for (int i = 0; i < attempts && seen.find(wanted) == std::string::npos; ++i) {
            std::istringstream tokens(command("events"));
            std::string token;
            tokens >> token; // "ok"
            while (tokens >> token)
                seen += token + " ";
        }
        return seen.find(wanted) != std::string::npos;
    };

    client.key(id, 0x1e, true);
    client.key(id, 0x1e, false);
    client.button(id, 0, true);
    client.button(id, 0, false);
    client.button(id, 42, true); // not a QEMU button: dropped
    EXPECT_TRUE(wait_events("key-press:30 key-release:30 button-press:0 button-release:0")) << seen;
    EXPECT_EQ(seen.find("button-press:42"), std::string::npos) << seen;

    expect_ok("mouse-mode abs");
    seen.clear();
    for (int i = 0; i < 50 && seen.find("abs:10,20") == std::string::npos; ++i) {
        client.motion(id, 10, 20, 1, 1);
        wait_events("abs:10,20", 5);
    }
    EXPECT_NE(seen.find("abs:10,20"), std::string::npos) << seen;

    expect_ok("mouse-mode rel");
    seen.clear();
    for (int i = 0; i < 50 && seen.find("rel:5,-3") == std::string::npos; ++i) {
        client.motion(id, 10, 20, 5, -3);
        wait_events("rel:5,-3", 5);
    }
    EXPECT_NE(seen.find("rel:5,-3"), std::string::npos) << seen;
}

// One VM on one headless output, for tests that need their own settings.
struct SingleVm {
    SingleVm(const config::Vm &vm, const std::string &version, const std::string &fake_args = "")
        : fake(version, fake_args)
    {
        config::Seat seat;
        seat.name = "seat0";
        seat.vm = vm.name;
        seat.outputs = {"HEADLESS-1"};
        config.vms = {vm};
        config.seats = {seat};
        Server::Settings settings;
        settings.headless = {{kOutputWidth, kOutputHeight}};
        connect_server(settings, side);
        session = std::make_unique<InProcessSession>(std::move(settings));
        side = std::make_unique<SeatedVms>(session->server(),
                                           [this]() -> const config::Config & { return config; });
        side->fleet.attach(vm.name, base::UniqueFd(fake.take_client_fd()));
    }
    ~SingleVm() { side.reset(); }

    bool start()
    {
        return session->dispatch_until([&] { return session->ready(); }) &&
               command("wait-listener").rfind("ok", 0) == 0;
    }
    std::string command(const std::string &line) { return fake.command(*session, line); }

    config::Config config;
    FakeQemu fake;
    std::unique_ptr<InProcessSession> session;
    std::unique_ptr<SeatedVms> side;
};

config::Vm vm_named(const std::string &name, config::Scaling scaling, bool follow_output)
{
    config::Vm vm;
    vm.name = name;
    vm.scaling = scaling;
    vm.follow_output = follow_output;
    return vm;
}

// follow_output: the guest is asked for the output's size once, when a
// virtio-vga console is shown (and not again for the same size).
TEST(FollowOutput, GuestIsAskedForTheOutputsSize)
{
    SingleVm vm(vm_named("test", config::Scaling::Fit, true), "9.2", "--virtio");
    ASSERT_TRUE(vm.start());
    vm.command("scanout 64 48 x8r8g8b8 102030");
    vm.side->seats.assign(); // again: the same size is not asked twice
    const std::string events = vm.command("events");
    EXPECT_NE(events.find("uiinfo:0,0,0,0,320,240"), std::string::npos) << events;
    EXPECT_EQ(events.find("uiinfo:"), events.rfind("uiinfo:")) << events;
}

// Scaled frames (fit, integer, stretch) on the pixman renderer, which
// wlroots 0.15 cannot scale itself: scaled on the CPU, each quadrant where
// it belongs, partial updates included.
TEST(Scaling, FitIntegerAndStretchPlaceTheFrameWhereThePlacementSays)
{
    for (const config::Scaling scaling :
         {config::Scaling::Fit, config::Scaling::Integer, config::Scaling::Stretch}) {
        SingleVm vm(vm_named("test", scaling, false), "7.2");
        ASSERT_TRUE(vm.start());
        ASSERT_EQ(vm.command("scanout 64 40 x8r8g8b8 ff0000 00ff00 0000ff ffffff").rfind("ok", 0),
                  0u);
        const base::Rect dest =
            input::place_frame(64, 40, kOutputWidth, kOutputHeight, scaling).dest;
        // The middle of each quadrant of the placed frame.
        auto at = [&](const Image &image, int qx, int qy) {
            return image.at(dest.x + dest.width * (1 + 2 * qx) / 4,
                            dest.y + dest.height * (1 + 2 * qy) / 4);
        };
        auto image = vm.session->capture_until("HEADLESS-1", [&](const Image &i) {
            return at(i, 0, 0) == 0xff0000 && at(i, 1, 0) == 0x00ff00 && at(i, 0, 1) == 0x0000ff &&
                   at(i, 1, 1) == 0xffffff;
        });
        ASSERT_TRUE(image);
        EXPECT_EQ(at(*image, 1, 1), 0xffffffu) << config::to_string(scaling);
        if (dest.x > 0) {
            EXPECT_EQ(image->at(dest.x - 1, dest.y + 1), 0x000000u) << "letterbox";
        }
        ASSERT_EQ(vm.command("update 0 0 32 20 x8r8g8b8 ffff00").rfind("ok", 0), 0u);
        image = vm.session->capture_until("HEADLESS-1",
                                          [&](const Image &i) { return at(i, 0, 0) == 0xffff00; });
        ASSERT_TRUE(image);
        EXPECT_EQ(at(*image, 0, 0), 0xffff00u) << config::to_string(scaling);
        EXPECT_EQ(at(*image, 1, 1), 0xffffffu) << config::to_string(scaling);
    }
}

std::string qemu_version_name(const ::testing::TestParamInfo<std::string> &info)
{
    std::string name = info.param;
    std::replace(name.begin(), name.end(), '.', '_');
    return "qemu_" + name;
}

INSTANTIATE_TEST_SUITE_P(QemuVersions, Display, ::testing::Values("7.2", "9.2", "10.1"),
                         qemu_version_name);
INSTANTIATE_TEST_SUITE_P(QemuVersions, GuestDisplayPower, ::testing::Values("7.2", "9.2", "10.1"),
                         qemu_version_name);

} // namespace
} // namespace phyllome::test
