// Malformed messages: every argument as the signature allows but with values
// a careful client must reject (sizes against data, formats, fd types).
#include "calls.hpp"
#include "command.hpp"
#include "pixels.hpp"
#include "shm.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fake_qemu {
namespace {

constexpr uint32_t kMaxPayload = uint32_t(1) << 28; // beyond D-Bus's 64 MiB array limit
constexpr uint64_t kMaxFileSize = uint64_t(1) << 40;
constexpr uint8_t kFiller = 0x5a;
constexpr uint32_t kXrgb = 0x20020888;

CallDone reply_to(Done done)
{
    return [done = std::move(done)](const CallResult &result) {
        done(result_line(result));
    };
}

int32_t arg_int(std::string_view text)
{
    return int32_t(arg_bits32(text));
}

uint32_t arg_length(std::string_view text)
{
    const uint32_t length = arg_u32(text);
    if (length > kMaxPayload)
        throw UsageError{};
    return length;
}

uint64_t arg_file_size(std::string_view text)
{
    const uint64_t size = arg_u64(text);
    if (size > kMaxFileSize)
        throw UsageError{};
    return size;
}

// A descriptor of the wrong kind where a memfd belongs; -1 and *error on failure.
int wrong_fd(std::string_view kind, std::string *error)
{
    int pair[2] = {-1, -1};
    int fd = -1;
    if (kind == "pipe" && pipe2(pair, O_CLOEXEC) == 0) {
        close(pair[1]);
        fd = pair[0];
    } else if (kind == "socket" && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0) {
        close(pair[1]);
        fd = pair[0];
    } else if (kind == "dir") {
        fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else if (kind != "pipe" && kind != "socket") {
        throw UsageError{};
    }
    if (fd < 0)
        *error = std::string(kind) + ": " + strerror(errno);
    return fd;
}

Listener *need_listener(Fake &fake, Done &done)
{
    Listener *listener = fake.listener();
    if (!listener)
        done(kNoListener);
    return listener;
}

// Unix.Map calls only go to listeners that took the interface, as in QEMU.
Listener *need_map_listener(Fake &fake, Done &done)
{
    Listener *listener = need_listener(fake, done);
    if (listener && !listener->uses_map()) {
        done(std::string("error unsupported: the listener does not use ") + kMapInterface);
        return nullptr;
    }
    return listener;
}

void bad_scanout(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 6)
        throw UsageError{};
    const uint32_t width = arg_bits32(words[1]), height = arg_bits32(words[2]),
                   stride = arg_bits32(words[3]), format = arg_format_code(words[4]);
    const std::vector<uint8_t> data(arg_length(words[5]), kFiller);
    if (Listener *listener = need_listener(fake, done))
        send_scanout(*listener, width, height, stride, format, data.data(), data.size(),
                     reply_to(std::move(done)));
}

void bad_update(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 8)
        throw UsageError{};
    const int32_t x = arg_int(words[1]), y = arg_int(words[2]), width = arg_int(words[3]),
                  height = arg_int(words[4]);
    const uint32_t stride = arg_bits32(words[5]), format = arg_format_code(words[6]);
    const std::vector<uint8_t> data(arg_length(words[7]), kFiller);
    if (Listener *listener = need_listener(fake, done))
        send_update(*listener, x, y, width, height, stride, format, data.data(), data.size(),
                    reply_to(std::move(done)));
}

void bad_map(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 7)
        throw UsageError{};
    const uint32_t offset = arg_bits32(words[1]), width = arg_bits32(words[2]),
                   height = arg_bits32(words[3]), stride = arg_bits32(words[4]),
                   format = arg_format_code(words[5]);
    const uint64_t size = arg_file_size(words[6]);
    Listener *listener = need_map_listener(fake, done);
    if (!listener)
        return;
    std::string error;
    const int fd = create_memfd("fake-qemu-bad-map", size, &error);
    if (fd < 0)
        return done("error local: " + error);
    send_scanout_map(*listener, fd, offset, width, height, stride, format,
                     reply_to(std::move(done)));
    close(fd); // the message holds its own copy
}

void bad_map_fd(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 4)
        throw UsageError{};
    const uint32_t width = arg_bits32(words[2]), height = arg_bits32(words[3]);
    std::string error;
    const int fd = wrong_fd(words[1], &error);
    if (fd < 0)
        return done("error local: " + error);
    if (Listener *listener = need_map_listener(fake, done))
        send_scanout_map(*listener, fd, 0, width, height, width * 4, kXrgb,
                         reply_to(std::move(done)));
    close(fd);
}

void bad_dmabuf(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 6)
        throw UsageError{};
    const uint32_t width = arg_bits32(words[1]), height = arg_bits32(words[2]),
                   stride = arg_bits32(words[3]), code = arg_fourcc(words[4]);
    const uint64_t size = arg_file_size(words[5]);
    Listener *listener = need_listener(fake, done);
    if (!listener)
        return;
    std::string error;
    const int fd = create_memfd("fake-qemu-bad-dmabuf", size, &error);
    if (fd < 0)
        return done("error local: " + error);
    send_scanout_dmabuf(*listener, fd, width, height, stride, code, 0, false,
                        reply_to(std::move(done)));
    close(fd);
}

void bad_dmabuf_fd(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 4)
        throw UsageError{};
    const uint32_t width = arg_bits32(words[2]), height = arg_bits32(words[3]);
    std::string error;
    const int fd = wrong_fd(words[1], &error);
    if (fd < 0)
        return done("error local: " + error);
    if (Listener *listener = need_listener(fake, done))
        send_scanout_dmabuf(*listener, fd, width, height, width * 4, fourcc('X', 'R', '2', '4'), 0,
                            false, reply_to(std::move(done)));
    close(fd);
}

void bad_cursor(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 6)
        throw UsageError{};
    const int32_t width = arg_int(words[1]), height = arg_int(words[2]), hot_x = arg_int(words[3]),
                  hot_y = arg_int(words[4]);
    const std::vector<uint8_t> data(arg_length(words[5]), kFiller);
    if (Listener *listener = need_listener(fake, done))
        send_cursor_define(*listener, width, height, hot_x, hot_y, data.data(), data.size(),
                           reply_to(std::move(done)));
}

void bad_update_dmabuf(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 5)
        throw UsageError{};
    const Rect rect{arg_int(words[1]), arg_int(words[2]), arg_int(words[3]), arg_int(words[4])};
    Listener *listener = need_listener(fake, done);
    if (!listener)
        return;
    send_update_dmabuf(*listener, rect, [done = std::move(done)](const CallResult &result) {
        done(result.timed_out ? "error timeout: no acknowledgement within one second"
                              : result_line(result));
    });
}

constexpr CommandSpec kCommands[] = {
    {"bad-scanout", "bad-scanout W H STRIDE FORMATCODE LEN", bad_scanout},
    {"bad-update", "bad-update X Y W H STRIDE FORMATCODE LEN", bad_update},
    {"bad-map", "bad-map OFFSET W H STRIDE FORMATCODE FILESIZE", bad_map},
    {"bad-map-fd", "bad-map-fd pipe|socket|dir W H", bad_map_fd},
    {"bad-dmabuf", "bad-dmabuf W H STRIDE FOURCC FILESIZE", bad_dmabuf},
    {"bad-dmabuf-fd", "bad-dmabuf-fd pipe|socket|dir W H", bad_dmabuf_fd},
    {"bad-cursor", "bad-cursor W H HOTX HOTY LEN", bad_cursor},
    {"bad-update-dmabuf", "bad-update-dmabuf X Y W H", bad_update_dmabuf},
};

} // namespace

std::span<const CommandSpec> bad_commands()
{
    return kCommands;
}

} // namespace fake_qemu
