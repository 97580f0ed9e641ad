#include "vmview/clipboard_checks.hpp"

#include <cstdio>

namespace phyllome::vmview {

std::optional<std::string> check_clipboard_selection(std::uint32_t selection)
{
    if (selection == kClipboardSelection)
        return std::nullopt;
    return "selection " + std::to_string(selection) + " is not the clipboard (only 0 is taken)";
}

std::optional<std::string> check_clipboard_mimes(const std::vector<std::string> &mimes)
{
    if (mimes.size() > kMaxClipboardMimes)
        return "more than " + std::to_string(kMaxClipboardMimes) + " MIME types";
    for (const std::string &mime : mimes) {
        if (mime.empty())
            return std::string("an empty MIME type");
        if (mime.size() > kMaxClipboardMimeBytes)
            return "a MIME type longer than " + std::to_string(kMaxClipboardMimeBytes) + " bytes";
    }
    return std::nullopt;
}

bool lists_clipboard_text(const std::vector<std::string> &mimes)
{
    for (const std::string &mime : mimes)
        if (mime == kClipboardTextMime)
            return true;
    return false;
}

std::optional<std::string> check_clipboard_reply(std::string_view mime,
                                                 std::span<const std::uint8_t> data)
{
    if (mime != kClipboardTextMime) {
        // The type is the peer's text: quoted only when short and printable.
        std::string shown;
        for (char c : mime.substr(0, 64))
            shown += (c >= 0x20 && c < 0x7f) ? c : '?';
        return "the answer is of type \"" + shown + "\", not " + std::string(kClipboardTextMime);
    }
    if (data.size() > kMaxClipboardBytes)
        return "the text is larger than " + describe_size(kMaxClipboardBytes) + " (" +
               std::to_string(data.size()) + " bytes)";
    if (!is_valid_utf8(data))
        return std::string("the text is not valid UTF-8");
    return std::nullopt;
}

bool is_valid_utf8(std::span<const std::uint8_t> data)
{
    std::size_t i = 0;
    const std::size_t n = data.size();
    while (i < n) {
        const std::uint8_t b = data[i];
        if (b < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        std::uint32_t code = 0, minimum = 0;
        if ((b & 0xe0) == 0xc0) {
            length = 2, code = b & 0x1f, minimum = 0x80;
        } else if ((b & 0xf0) == 0xe0) {
            length = 3, code = b & 0x0f, minimum = 0x800;
        } else if ((b & 0xf8) == 0xf0) {
            length = 4, code = b & 0x07, minimum = 0x10000;
        } else {
            return false; // a continuation byte, or 0xf8..0xff
        }
        if (n - i < length)
            return false;
        for (std::size_t k = 1; k < length; ++k) {
            const std::uint8_t c = data[i + k];
            if ((c & 0xc0) != 0x80)
                return false;
            code = (code << 6) | (c & 0x3f);
        }
        if (code < minimum || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
            return false;
        i += length;
    }
    return true;
}

std::string describe_size(std::size_t bytes)
{
    if (bytes == 1)
        return "1 byte";
    if (bytes < 1024)
        return std::to_string(bytes) + " bytes";
    char text[32];
    if (bytes < 1024 * 1024)
        std::snprintf(text, sizeof(text), "%.1f KiB", double(bytes) / 1024.0);
    else
        std::snprintf(text, sizeof(text), "%.1f MiB", double(bytes) / (1024.0 * 1024.0));
    return text;
}

} // namespace phyllome::vmview
