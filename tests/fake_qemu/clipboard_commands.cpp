// Commands of the D-Bus clipboard (--clipboard): wait-clipboard,
// clipboard-calls, clipboard-state, clipboard-reset, clipboard-answer-mime,
// guest-copy, guest-copy-bytes, guest-copy-hex, guest-grab, guest-release,
// guest-paste.
#include "args.hpp"
#include "clipboard.hpp"
#include "command.hpp"

namespace fake_qemu {
namespace {

constexpr uint32_t kMaxCopy = uint32_t(1) << 26; // within D-Bus's 64 MiB array limit

CallDone reply_to(Done done)
{
    return [done = std::move(done)](const CallResult &result) {
        done(result_line(result));
    };
}

Clipboard *need_clipboard(Fake &fake, Done &done)
{
    Clipboard *clipboard = fake.clipboard();
    if (!clipboard)
        done("error unsupported: no Clipboard object; start fake-qemu with --clipboard");
    return clipboard;
}

std::vector<std::string> arg_mimes(std::string_view text)
{
    std::vector<std::string> out;
    if (text == "-")
        return out;
    size_t start = 0;
    while (true) {
        const size_t bar = text.find('|', start);
        out.emplace_back(text.substr(start, bar == std::string_view::npos ? bar : bar - start));
        if (bar == std::string_view::npos)
            return out;
        start = bar + 1;
    }
}

std::string from_hex(std::string_view text)
{
    if (text.size() % 2 != 0)
        throw UsageError{};
    std::string out;
    for (size_t i = 0; i < text.size(); i += 2) {
        const auto byte = parse_u32("0x" + std::string(text.substr(i, 2)));
        if (!byte || text[i] == '-' || text[i + 1] == '-')
            throw UsageError{};
        out += char(*byte);
    }
    return out;
}

std::string to_hex(const std::string &data)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char byte : data) {
        out += digits[byte >> 4];
        out += digits[byte & 0xf];
    }
    return out;
}

void wait_clipboard(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 1)
        throw UsageError{};
    if (Clipboard *clipboard = need_clipboard(fake, done))
        clipboard->when_registered([done = std::move(done)] { done("ok"); });
}

void clipboard_calls(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 1)
        throw UsageError{};
    if (Clipboard *clipboard = need_clipboard(fake, done))
        done("ok" + clipboard->take_calls());
}

void clipboard_state(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 1)
        throw UsageError{};
    if (Clipboard *clipboard = need_clipboard(fake, done))
        done(std::string("ok registered=") + (clipboard->registered() ? "1" : "0") +
             " serial=" + std::to_string(clipboard->serial()) + " owner=" + clipboard->owner());
}

void clipboard_reset(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 1)
        throw UsageError{};
    if (Clipboard *clipboard = need_clipboard(fake, done))
        clipboard->reset(reply_to(std::move(done)));
}

void clipboard_answer_mime(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 2)
        throw UsageError{};
    if (Clipboard *clipboard = need_clipboard(fake, done)) {
        clipboard->set_answer_mime(words[1]);
        done("ok");
    }
}

void guest_copy(Fake &fake, const Words &words, Done done)
{
    if (words.size() < 2)
        throw UsageError{};
    std::string text = words[1];
    for (size_t i = 2; i < words.size(); ++i)
        text += " " + words[i];
    if (Clipboard *clipboard = need_clipboard(fake, done))
        clipboard->guest_copy(std::move(text), reply_to(std::move(done)));
}

void guest_copy_bytes(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 2)
        throw UsageError{};
    const uint32_t size = arg_u32(words[1]);
    if (size > kMaxCopy)
        throw UsageError{};
    if (Clipboard *clipboard = need_clipboard(fake, done))
        clipboard->guest_copy(std::string(size, 'a'), reply_to(std::move(done)));
}

void guest_copy_hex(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 2)
        throw UsageError{};
    std::string data = from_hex(words[1]);
    if (Clipboard *clipboard = need_clipboard(fake, done))
        clipboard->guest_copy(std::move(data), reply_to(std::move(done)));
}

void guest_grab(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 4)
        throw UsageError{};
    const uint32_t selection = arg_bits32(words[1]);
    const uint32_t serial = arg_bits32(words[2]);
    const auto mimes = arg_mimes(words[3]);
    if (Clipboard *clipboard = need_clipboard(fake, done))
        clipboard->guest_grab(selection, serial, mimes, "grabbed", reply_to(std::move(done)));
}

void guest_release(Fake &fake, const Words &words, Done done)
{
    if (words.size() > 2)
        throw UsageError{};
    const uint32_t selection = words.size() == 2 ? arg_bits32(words[1]) : 0;
    if (Clipboard *clipboard = need_clipboard(fake, done))
        clipboard->guest_release(selection, reply_to(std::move(done)));
}

void guest_paste(Fake &fake, const Words &words, Done done)
{
    if (words.size() > 3)
        throw UsageError{};
    const uint32_t selection = words.size() >= 2 ? arg_bits32(words[1]) : 0;
    const auto mimes =
        words.size() == 3 ? arg_mimes(words[2]) : std::vector<std::string>{kClipboardText};
    Clipboard *clipboard = need_clipboard(fake, done);
    if (!clipboard)
        return;
    std::string mime, data;
    const CallResult result = clipboard->guest_paste(selection, mimes, &mime, &data);
    if (!result.ok)
        return done(result_line(result));
    done("ok " + mime + " " + std::to_string(data.size()) + " " + to_hex(data));
}

constexpr CommandSpec kCommands[] = {
    {"wait-clipboard", "wait-clipboard", wait_clipboard},
    {"clipboard-calls", "clipboard-calls", clipboard_calls},
    {"clipboard-state", "clipboard-state", clipboard_state},
    {"clipboard-reset", "clipboard-reset", clipboard_reset},
    {"clipboard-answer-mime", "clipboard-answer-mime MIME", clipboard_answer_mime},
    {"guest-copy", "guest-copy TEXT", guest_copy},
    {"guest-copy-bytes", "guest-copy-bytes N", guest_copy_bytes},
    {"guest-copy-hex", "guest-copy-hex HEX", guest_copy_hex},
    {"guest-grab", "guest-grab SELECTION SERIAL MIME|MIME...|-", guest_grab},
    {"guest-release", "guest-release [SELECTION]", guest_release},
    {"guest-paste", "guest-paste [SELECTION [MIME|MIME...|-]]", guest_paste},
};

} // namespace

std::span<const CommandSpec> clipboard_commands()
{
    return kCommands;
}

} // namespace fake_qemu
