// The checks on what QEMU's clipboard sends, before anything is kept.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vmview/clipboard_checks.hpp"

namespace phyllome::vmview {
namespace {

std::span<const uint8_t> bytes(const std::string &s)
{
    return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

TEST(ClipboardChecks, OnlyTheClipboardSelection)
{
    EXPECT_FALSE(check_clipboard_selection(0));
    EXPECT_TRUE(check_clipboard_selection(1));
    EXPECT_TRUE(check_clipboard_selection(2));
    EXPECT_TRUE(check_clipboard_selection(0xffffffff));
}

TEST(ClipboardChecks, MimeListsAreBounded)
{
    std::vector<std::string> mimes(kMaxClipboardMimes, "text/plain");
    EXPECT_FALSE(check_clipboard_mimes(mimes));
    mimes.push_back("text/html");
    EXPECT_TRUE(check_clipboard_mimes(mimes));
    EXPECT_FALSE(check_clipboard_mimes({std::string(kMaxClipboardMimeBytes, 'a')}));
    EXPECT_TRUE(check_clipboard_mimes({std::string(kMaxClipboardMimeBytes + 1, 'a')}));
    EXPECT_TRUE(check_clipboard_mimes({""}));
    EXPECT_TRUE(lists_clipboard_text({"text/html", "text/plain;charset=utf-8"}));
    EXPECT_FALSE(lists_clipboard_text({"text/plain", "TEXT/PLAIN;charset=utf-8"}));
}

TEST(ClipboardChecks, ReplyMustBeUtf8TextWithinOneMebibyte)
{
    EXPECT_FALSE(check_clipboard_reply("text/plain;charset=utf-8", bytes("héllo")));
    EXPECT_TRUE(check_clipboard_reply("text/plain", bytes("hello")));
    EXPECT_TRUE(check_clipboard_reply("text/plain;charset=utf-8 ", bytes("hello")));
    const std::string max(kMaxClipboardBytes, 'x');
    EXPECT_FALSE(check_clipboard_reply(kClipboardTextMime, bytes(max)));
    const std::string over(kMaxClipboardBytes + 1, 'x');
    EXPECT_TRUE(check_clipboard_reply(kClipboardTextMime, bytes(over)));
    EXPECT_TRUE(check_clipboard_reply(kClipboardTextMime, bytes("\xff")));
}

TEST(ClipboardChecks, Utf8)
{
    EXPECT_TRUE(is_valid_utf8(bytes("")));
    EXPECT_TRUE(is_valid_utf8(bytes("plain ascii")));
    EXPECT_TRUE(is_valid_utf8(bytes("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80")));
    EXPECT_TRUE(is_valid_utf8(bytes(std::string("a\0b", 3))));
    EXPECT_FALSE(is_valid_utf8(bytes("\x80")));             // lone continuation
    EXPECT_FALSE(is_valid_utf8(bytes("\xc0\xaf")));         // overlong '/'
    EXPECT_FALSE(is_valid_utf8(bytes("\xe0\x80\xaf")));     // overlong
    EXPECT_FALSE(is_valid_utf8(bytes("\xed\xa0\x80")));     // surrogate
    EXPECT_FALSE(is_valid_utf8(bytes("\xf4\x90\x80\x80"))); // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8(bytes("\xe2\x82")));         // truncated
    EXPECT_FALSE(is_valid_utf8(bytes("\xf8\x88\x80\x80\x80")));
}

TEST(ClipboardChecks, SizesAreDescribedNotShown)
{
    EXPECT_EQ(describe_size(0), "0 bytes");
    EXPECT_EQ(describe_size(1), "1 byte");
    EXPECT_EQ(describe_size(1023), "1023 bytes");
    EXPECT_EQ(describe_size(2150), "2.1 KiB");
    EXPECT_EQ(describe_size(kMaxClipboardBytes), "1.0 MiB");
}

} // namespace
} // namespace phyllome::vmview
