// Validation of what QEMU's D-Bus clipboard (org.qemu.Display1.Clipboard)
// sends, done before anything is kept. Only the clipboard selection and
// UTF-8 text are taken: QEMU supports nothing else, and a text the person
// moves between VMs on purpose needs nothing more. Each check returns the
// reason for a refusal, or nullopt when the message is fine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace phyllome::vmview {

// The only MIME type QEMU's clipboard handles (and the only one taken).
inline constexpr std::string_view kClipboardTextMime = "text/plain;charset=utf-8";
// Selections: the clipboard is 0; Primary (1) and Secondary (2) are ignored.
inline constexpr std::uint32_t kClipboardSelection = 0;
// A Grab or Request lists a few types in practice.
inline constexpr std::size_t kMaxClipboardMimes = 16;
inline constexpr std::size_t kMaxClipboardMimeBytes = 255;
// QEMU's vdagent buffers at most 1 MiB (VDAGENT_BUFFER_LIMIT): more could
// never reach a guest anyway.
inline constexpr std::size_t kMaxClipboardBytes = std::size_t(1) << 20;

std::optional<std::string> check_clipboard_selection(std::uint32_t selection);

// A list of MIME types as Grab or Request carry it: at most
// kMaxClipboardMimes, each 1..kMaxClipboardMimeBytes bytes.
std::optional<std::string> check_clipboard_mimes(const std::vector<std::string> &mimes);
bool lists_clipboard_text(const std::vector<std::string> &mimes);

// The answer to our Request: exactly kClipboardTextMime, at most
// kMaxClipboardBytes of valid UTF-8.
std::optional<std::string> check_clipboard_reply(std::string_view mime,
                                                 std::span<const std::uint8_t> data);

// Well-formed UTF-8: no overlong forms, no surrogates, nothing above
// U+10FFFF, no truncated sequence. NUL bytes are allowed (valid UTF-8).
bool is_valid_utf8(std::span<const std::uint8_t> data);

// "2.1 KiB", "12 bytes", "1.0 MiB": sizes for banners and status, never
// the content.
std::string describe_size(std::size_t bytes);

} // namespace phyllome::vmview
