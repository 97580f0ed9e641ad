// libFuzzer entry point: arbitrary bytes from a control socket peer through
// the line framing (LineBuffer) and the request parser, as the session's
// control server reads them. Neither may crash, hang, leak or throw, and
// what they return must hold together (the invariants below trap if not).
//
// Input: byte 0 picks the line limit (small ones make overflow reachable
// with short inputs; 0 means the real kMaxRequestBytes), byte 1 seeds the
// read sizes; the rest is the stream the peer sends.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "control/line_buffer.hpp"
#include "control/reply.hpp"
#include "control/request.hpp"

namespace {

using namespace phyllome::control;

void check(bool condition)
{
    if (!condition)
        __builtin_trap();
}

// One line through the parser and into a reply, as the server does.
void parse_line(std::string_view line)
{
    const auto result = parse_request(line);
    if (const auto *error = std::get_if<ParseError>(&result)) {
        // The message goes back to the peer: it must serialise (to_line
        // must not throw on whatever the peer's bytes put in it).
        check(!error->message.empty());
        check(!to_line(phyllome::control::error(error->message)).empty());
        return;
    }
    // An accepted request survives the wire unchanged (phyllomectl sends
    // to_json's text).
    const Request &request = std::get<Request>(result);
    const auto again = parse_request(to_json(request).dump());
    check(std::holds_alternative<Request>(again) && std::get<Request>(again) == request);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 2)
        return 0;
    const std::size_t max_line = data[0] == 0 ? kMaxRequestBytes : data[0];
    unsigned chunk_seed = data[1];
    const std::string_view stream(reinterpret_cast<const char *>(data) + 2, size - 2);

    // The whole stream as one line, newlines and all.
    parse_line(stream);

    // The stream in reads of varying sizes, lines taken after each read.
    LineBuffer buffer(max_line);
    std::size_t fed = 0, taken = 0;
    bool overflowed = false;
    while (fed < stream.size() && !overflowed) {
        chunk_seed = chunk_seed * 1103515245u + 12345u;
        const std::size_t chunk = 1 + (chunk_seed >> 16) % 64;
        const std::string_view piece = stream.substr(fed, chunk);
        buffer.append(piece);
        fed += piece.size();
        while (!(overflowed = buffer.overflowed())) {
            const auto line = buffer.next_line();
            if (!line)
                break;
            check(line->size() <= max_line);
            check(line->find('\n') == std::string::npos);
            taken += line->size() + 1;
            parse_line(*line);
        }
    }
    // Nothing is lost or invented: every byte fed is in a line taken or
    // still buffered.
    check(taken + buffer.size() == fed);
    check(buffer.has_partial() == (buffer.size() > 0));
    if (!overflowed)
        check(buffer.size() <= max_line);
    return 0;
}
