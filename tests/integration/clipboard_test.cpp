// A VM's clipboard over QEMU's D-Bus display, against the fake QEMU peer
// with its Clipboard (--clipboard), as QEMU 7.2, 8.0 and 10.1: the session
// registers (asynchronously, its object served meanwhile), records what
// the guest copied without taking it, takes it only when asked, offers
// text that the guest's paste then gets from memory, follows the serial
// rules, ignores Primary, and refuses what is out of bounds. 7.2's stuck
// registration after a reconnect shows in the state.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <wayland-server-core.h>

#include "base/unique_fd.hpp"
#include "tests/support/fake_qemu.hpp"
#include "vmview/clipboard.hpp"
#include "vmview/display_client.hpp"

namespace phyllome::test {
namespace {

using vmview::Clipboard;

std::string hex(const std::string &data)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char byte : data) {
        out += digits[byte >> 4];
        out += digits[byte & 0xf];
    }
    return out;
}

class ClipboardTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {}

    void start(const std::string &args = "--clipboard")
    {
        loop_ = wl_event_loop_create();
        fake_ = std::make_unique<FakeQemu>(GetParam(), args);
        fake_source_ = wl_event_loop_add_fd(
            loop_, fake_->stdout_fd(), WL_EVENT_READABLE,
            [](int, uint32_t, void *data) {
                auto *self = static_cast<ClipboardTest *>(data);
                while (auto line = self->fake_->poll_line())
                    self->lines_.push_back(*line);
                return 0;
            },
            this);
        vmview::DisplayClient::Handlers handlers;
        handlers.clipboard_changed = [this] {
            ++changes_;
        };
        client_ = std::make_unique<vmview::DisplayClient>(
            loop_, base::UniqueFd(fake_->take_client_fd()), "test", std::move(handlers));
    }

    // Started and registered on both sides.
    Clipboard &registered()
    {
        start();
        expect_ok("wait-clipboard");
        Clipboard &clipboard = *client_->clipboard();
        EXPECT_TRUE(
            dispatch_until([&] { return clipboard.state() != Clipboard::State::Registering; }));
        EXPECT_EQ(clipboard.state(), Clipboard::State::Registered) << clipboard.status_text();
        EXPECT_EQ(command("clipboard-calls"), "ok register");
        return clipboard;
    }

    void TearDown() override
    {
        client_.reset();
        if (fake_source_)
            wl_event_source_remove(fake_source_);
        fake_.reset();
        if (loop_)
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

    std::string command(const std::string &line)
    {
        fake_->send(line);
        if (!dispatch_until([&] { return !lines_.empty(); }))
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

    struct Taken {
        std::optional<std::string> text;
        std::string error;
    };
    // Offers and waits for QEMU's answer to the Grab.
    std::string offer(Clipboard &clipboard, const std::string &text)
    {
        std::string error = clipboard.offer(text);
        if (error.empty()) {
            EXPECT_TRUE(dispatch_until([&] { return !clipboard.grab_pending(); }));
        }
        return error;
    }

    Taken take(Clipboard &clipboard)
    {
        std::optional<Taken> taken;
        clipboard.take([&](std::optional<std::string> text, const std::string &error) {
            taken = Taken{std::move(text), error};
        });
        EXPECT_TRUE(dispatch_until([&] { return taken.has_value(); }));
        return taken.value_or(Taken{std::nullopt, "no answer"});
    }

    wl_event_loop *loop_ = nullptr;
    std::unique_ptr<FakeQemu> fake_;
    wl_event_source *fake_source_ = nullptr;
    std::vector<std::string> lines_;
    std::unique_ptr<vmview::DisplayClient> client_;
    int changes_ = 0;
};

TEST_P(ClipboardTest, RegistersAndQemuRestartsTheSerial)
{
    Clipboard &clipboard = registered();
    EXPECT_EQ(clipboard.status_text(), "registered");
    EXPECT_EQ(command("clipboard-state"), "ok registered=1 serial=0 owner=none");
    EXPECT_EQ(clipboard.serial(), 0u);
    EXPECT_FALSE(clipboard.guest_has_text());
}

TEST_P(ClipboardTest, WhatTheGuestCopiesIsRecordedButNotTaken)
{
    Clipboard &clipboard = registered();
    expect_ok("guest-copy secret words");
    EXPECT_TRUE(clipboard.guest_has_text());
    EXPECT_EQ(clipboard.serial(), 1u);
    // Nothing was asked of QEMU, and nothing is offered back.
    EXPECT_EQ(command("clipboard-calls"), "ok");
    EXPECT_EQ(command("guest-paste").rfind("error org.qemu.Display1.Error.Failed", 0), 0u);
    expect_ok("guest-release");
    EXPECT_FALSE(clipboard.guest_has_text());
    EXPECT_EQ(take(clipboard).error, "nothing was copied in the VM");
    EXPECT_EQ(command("clipboard-calls"), "ok");
}

TEST_P(ClipboardTest, TakeAsksForTheGuestsText)
{
    Clipboard &clipboard = registered();
    expect_ok("guest-copy hello from the guest");
    const Taken taken = take(clipboard);
    ASSERT_TRUE(taken.text) << taken.error;
    EXPECT_EQ(*taken.text, "hello from the guest");
    EXPECT_EQ(command("clipboard-calls"), "ok request:0,text/plain;charset=utf-8");
}

TEST_P(ClipboardTest, OfferIsAnsweredFromMemoryWhenTheGuestPastes)
{
    Clipboard &clipboard = registered();
    const std::string text = "h\xc3\xa9llo";
    EXPECT_EQ(offer(clipboard, text), "");
    EXPECT_TRUE(clipboard.offering());
    EXPECT_EQ(command("clipboard-calls"), "ok grab:0,1,text/plain;charset=utf-8");
    EXPECT_EQ(command("guest-paste"),
              "ok text/plain;charset=utf-8 " + std::to_string(text.size()) + " " + hex(text));
    EXPECT_EQ(clipboard.requests_answered(), 1u);
    // Only the text type is offered; Primary is not ours.
    EXPECT_EQ(command("guest-paste 0 text/html").rfind("error org.qemu.Display1.Error.Invalid", 0),
              0u);
    EXPECT_EQ(command("guest-paste 1").rfind("error org.qemu.Display1.Error.Invalid", 0), 0u);
}

TEST_P(ClipboardTest, HighestSerialWinsAndTheClientWinsTies)
{
    Clipboard &clipboard = registered();
    EXPECT_EQ(offer(clipboard, "ours"), "");
    expect_ok("guest-grab 0 1 text/plain;charset=utf-8"); // a tie: our offer stays
    EXPECT_TRUE(clipboard.offering());
    EXPECT_EQ(command("guest-paste"), "ok text/plain;charset=utf-8 4 " + hex("ours"));
    expect_ok("guest-grab 0 2 text/plain;charset=utf-8");
    EXPECT_FALSE(clipboard.offering());
    EXPECT_TRUE(clipboard.guest_has_text());
    EXPECT_EQ(command("guest-paste").rfind("error", 0), 0u);
    // QEMU calls our Register again: the serial restarts, nothing stands.
    expect_ok("clipboard-reset");
    EXPECT_EQ(clipboard.serial(), 0u);
    EXPECT_FALSE(clipboard.guest_has_text());
    EXPECT_EQ(offer(clipboard, "again"), "");
    EXPECT_EQ(command("clipboard-calls"),
              "ok grab:0,1,text/plain;charset=utf-8 grab:0,1,text/plain;charset=utf-8");
}

TEST_P(ClipboardTest, PrimaryAndSecondaryAreIgnored)
{
    Clipboard &clipboard = registered();
    expect_ok("guest-grab 1 7 text/plain;charset=utf-8");
    expect_ok("guest-grab 2 8 text/plain;charset=utf-8");
    expect_ok("guest-release 1");
    EXPECT_FALSE(clipboard.guest_has_text());
    EXPECT_EQ(clipboard.serial(), 0u);
}

TEST_P(ClipboardTest, OutOfBoundsIsRefusedAndNothingIsKept)
{
    Clipboard &clipboard = registered();
    expect_ok("guest-copy-bytes 1048576");
    Taken taken = take(clipboard);
    ASSERT_TRUE(taken.text) << taken.error;
    EXPECT_EQ(taken.text->size(), 1048576u);

    expect_ok("guest-copy-bytes 1048577");
    taken = take(clipboard);
    EXPECT_FALSE(taken.text);
    EXPECT_NE(taken.error.find("larger than 1.0 MiB"), std::string::npos) << taken.error;

    expect_ok("guest-copy-hex 68c328");
    taken = take(clipboard);
    EXPECT_FALSE(taken.text);
    EXPECT_EQ(taken.error, "the text is not valid UTF-8");

    expect_ok("guest-copy plain");
    expect_ok("clipboard-answer-mime text/html");
    taken = take(clipboard);
    EXPECT_FALSE(taken.text);
    EXPECT_NE(taken.error.find("text/html"), std::string::npos) << taken.error;

    // More than 16 MIME types, or one too long: refused with an answer.
    std::string many = "a";
    for (int i = 1; i < 17; ++i)
        many += "|a";
    EXPECT_EQ(command("guest-grab 0 9 " + many).rfind("error org.qemu.Display1.Error.Invalid", 0),
              0u);
    EXPECT_EQ(command("guest-grab 0 9 " + std::string(256, 'm'))
                  .rfind("error org.qemu.Display1.Error.Invalid", 0),
              0u);
    EXPECT_EQ(clipboard.serial(), 4u);
    EXPECT_NE(clipboard.offer(std::string(1048577, 'x')).find("larger"), std::string::npos);
    EXPECT_NE(offer(clipboard, "\xff").find("UTF-8"), std::string::npos);
    EXPECT_FALSE(clipboard.offering());
}

TEST_P(ClipboardTest, AReconnectShowsWhetherQemuForgotThePreviousPeer)
{
    start("--clipboard --clipboard-reconnect");
    Clipboard &clipboard = *client_->clipboard();
    ASSERT_TRUE(dispatch_until([&] { return clipboard.state() != Clipboard::State::Registering; }));
    if (GetParam() == "7.2") {
        EXPECT_EQ(clipboard.state(), Clipboard::State::OldQemuStuck);
        EXPECT_EQ(clipboard.status_text(), "QEMU 7.2: unavailable until the VM restarts");
        EXPECT_EQ(take(clipboard).error,
                  "the clipboard is QEMU 7.2: unavailable until the VM restarts");
        EXPECT_NE(offer(clipboard, "x"), "");
        EXPECT_EQ(command("clipboard-calls"), "ok register!");
    } else {
        EXPECT_EQ(clipboard.state(), Clipboard::State::Registered);
    }
}

TEST_P(ClipboardTest, WithoutAClipboardObjectTheStateSaysSo)
{
    start("");
    Clipboard &clipboard = *client_->clipboard();
    ASSERT_TRUE(dispatch_until([&] { return clipboard.state() != Clipboard::State::Registering; }));
    EXPECT_EQ(clipboard.state(), Clipboard::State::Failed);
    EXPECT_EQ(clipboard.status_text().rfind("error: ", 0), 0u);
}

INSTANTIATE_TEST_SUITE_P(Versions, ClipboardTest, ::testing::Values("7.2", "8.0", "10.1"),
                         [](const auto &info) {
                             std::string name = info.param;
                             for (char &c : name)
                                 if (c == '.')
                                     c = '_';
                             return "qemu" + name;
                         });

} // namespace
} // namespace phyllome::test
