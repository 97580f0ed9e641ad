// libFuzzer entry point: a hostile QEMU calling every Listener method of a
// real vmview::Console. Each input is a sequence of method calls with
// fuzzer-chosen arguments (sizes, strides, formats, rectangles, offsets,
// modifiers, pixel data) and file descriptors of every kind QEMU could pass:
// memfds of chosen size and content (shrink-sealed or not, truncated after
// sending), a pipe, /dev/null, a directory, a socket, an eventfd (an
// anonymous inode, like a DMA-BUF). The console runs exactly as in the
// session: served on its end of a socketpair by sd-bus, driven from a
// wl_event_loop through BusSource; this process is QEMU on the other end
// (the authentication server), sending calls and waiting for each reply.
// Nothing here waits on real time: both ends are dispatched without
// blocking until the reply is in.
//
// After every call the console must hold together: every call answered, a
// rejected call changes nothing, the frame lies within its buffer (its
// pixels are read as a renderer would, so the sanitizers see any
// out-of-bounds read), a cursor image matches its size.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <systemd/sd-bus.h>
#include <wayland-server-core.h>

#include "tests/fuzz/fuzz_input.hpp"
#include "vmview/console.hpp"

namespace {

using namespace phyllome::vmview;
using phyllome::fuzz::check;
using phyllome::fuzz::Input;

constexpr const char *kPath = "/org/qemu/Display1/Listener";
constexpr const char *kListener = "org.qemu.Display1.Listener";
constexpr const char *kMap = "org.qemu.Display1.Listener.Unix.Map";
constexpr const char *kDmabuf2 = "org.qemu.Display1.Listener.Unix.ScanoutDMABUF2";

// Calls per input: enough for scanout-update-resize sequences, few enough
// to keep inputs fast.
constexpr int kMaxCalls = 24;
// Largest memfd or pixel array sent (sparse memfds cost nothing until read).
constexpr uint32_t kMaxBytes = 4u << 20;
// The shadow buffer may legitimately grow to kMaxSide x kMaxSide (1 GiB) from
// a few small Updates. That is a bound by design, not a bug, but it would
// make most inputs slow and run into libFuzzer's memory limit, so calls that
// could grow it beyond this many pixels are not sent.
constexpr uint64_t kMaxShadowPixels = 4096 * 4096;

// Records what the console tells the compositor.
class Observer final : public ConsoleObserver {
public:
    void frame_replaced(Console &) override { replaced++; }
    void frame_damaged(Console &console, std::span<const phyllome::base::Rect> damage) override
    {
        const Frame &frame = console.frame();
        check(frame.kind != Frame::Kind::None);
        for (const phyllome::base::Rect &r : damage) {
            check(!r.empty());
            // CPU frames are damaged inside what is shown; DMA-BUF damage
            // is in the whole buffer's coordinates, which the view clips.
            if (frame.kind == Frame::Kind::Memory)
                check(r.x >= 0 && r.y >= 0 && int64_t{r.x} + r.width <= frame.width &&
                      int64_t{r.y} + r.height <= frame.height);
        }
    }
    void cursor_changed(Console &) override {}
    int replaced = 0;
};

struct CallState {
    bool done = false;
    bool failed = false;
};

int on_reply(sd_bus_message *m, void *data, sd_bus_error *)
{
    auto *state = static_cast<CallState *>(data);
    state->done = true;
    state->failed = sd_bus_message_is_method_error(m, nullptr);
    return 0;
}

// What a rejected call must leave untouched.
struct Snapshot {
    Frame::Kind kind;
    const void *memory, *dmabuf;
    uint32_t x, y, width, height;
    const void *cursor_pixels;
    int32_t cursor_width, cursor_height, hot_x, hot_y;

    explicit Snapshot(const Console &c)
        : kind(c.frame().kind), memory(c.frame().memory.get()), dmabuf(c.frame().dmabuf.get()),
          x(c.frame().x), y(c.frame().y), width(c.frame().width), height(c.frame().height),
          cursor_pixels(c.cursor().pixels.get()), cursor_width(c.cursor().width),
          cursor_height(c.cursor().height), hot_x(c.cursor().hot_x), hot_y(c.cursor().hot_y)
    {
    }
    bool operator==(const Snapshot &) const = default;
};

// Reads the frame as a renderer would: each shown row of a CPU frame (a
// memcpy, so ASan checks the whole row), the DMA-BUF's geometry.
void check_frame(const Console &console, bool buffers_intact)
{
    const Frame &frame = console.frame();
    switch (frame.kind) {
    case Frame::Kind::None:
        check(!frame.memory && !frame.dmabuf && frame.width == 0 && frame.height == 0);
        break;
    case Frame::Kind::Memory: {
        check(frame.memory && frame.width > 0 && frame.height > 0);
        const PixelMemory &memory = *frame.memory;
        check(uint64_t{frame.x} + frame.width <= memory.width());
        check(uint64_t{frame.y} + frame.height <= memory.height());
        check(memory.stride() >= uint64_t{memory.width()} * 4);
        std::vector<uint8_t> row(size_t{frame.width} * 4);
        for (uint32_t y = frame.y; y < frame.y + frame.height; ++y)
            std::memcpy(row.data(),
                        memory.data() + size_t{y} * memory.stride() + size_t{frame.x} * 4,
                        row.size());
        break;
    }
    case Frame::Kind::DmaBuf: {
        check(frame.dmabuf && frame.width > 0 && frame.height > 0);
        const DmaBuf &buffer = *frame.dmabuf;
        check(fcntl(buffer.fd.get(), F_GETFD) >= 0);
        check(uint64_t{frame.x} + frame.width <= buffer.width);
        check(uint64_t{frame.y} + frame.height <= buffer.height);
        check(buffer.stride >= uint64_t{buffer.width} * 4);
        const uint64_t need = uint64_t{buffer.offset} +
                              uint64_t{buffer.stride} * (buffer.height - 1) +
                              uint64_t{buffer.width} * 4;
        // Unless this process shrank it since, the buffer holds the image.
        if (buffers_intact) {
            const off_t end = lseek(buffer.fd.get(), 0, SEEK_END);
            check(end >= 0 && static_cast<uint64_t>(end) >= need);
        }
        break;
    }
    }
    const Cursor &cursor = console.cursor();
    if (cursor.pixels) {
        check(cursor.width > 0 && cursor.height > 0);
        check(cursor.pixels->size() == size_t(cursor.width) * size_t(cursor.height));
        check(cursor.hot_x >= 0 && cursor.hot_x < cursor.width);
        check(cursor.hot_y >= 0 && cursor.hot_y < cursor.height);
    }
}

class Harness {
public:
    explicit Harness(Input &in) : in_(in) {}
    ~Harness()
    {
        // The console first: it flushes its replies, all of which were read.
        console_.reset();
        if (peer_)
            sd_bus_close_unref(peer_);
        for (int fd : fds_)
            close(fd);
        if (loop_)
            wl_event_loop_destroy(loop_);
    }

    bool start()
    {
        loop_ = wl_event_loop_create();
        int sv[2];
        if (!loop_ || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0)
            return false;
        Console::Info info;
        info.width = 640;
        info.height = 480;
        Console::Handlers handlers;
        handlers.size_check = [this] {
            size_check_asked_ = true;
        };
        console_ = std::make_unique<Console>(loop_, info, "fuzz", phyllome::base::UniqueFd(sv[0]),
                                             std::move(handlers));
        console_->set_observer(&observer_);
        // A fixed server id: the same input runs the same way every time.
        const sd_id128_t id = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
        if (sd_bus_new(&peer_) < 0 || sd_bus_set_fd(peer_, sv[1], sv[1]) < 0) {
            close(sv[1]);
            return false;
        }
        if (sd_bus_set_server(peer_, 1, id) < 0 || sd_bus_negotiate_fds(peer_, 1) < 0 ||
            sd_bus_start(peer_) < 0)
            return false;
        for (int round = 0; round < 1000 && sd_bus_is_ready(peer_) <= 0; ++round)
            pump();
        check(sd_bus_is_ready(peer_) > 0 && console_->connected());
        return true;
    }

    void run()
    {
        for (int i = 0; i < kMaxCalls && !in_.empty(); ++i) {
            step();
            check(console_->connected());
            check_frame(*console_, !shrunk_);
        }
    }

private:
    // Both ends, without waiting: what one wrote the other reads.
    void pump()
    {
        while (sd_bus_process(peer_, nullptr) > 0) {
        }
        wl_event_loop_dispatch(loop_, 0);
    }

    // Sends the call, runs both ends until its reply is in. Returns whether
    // it succeeded; a rejected call must have changed nothing.
    bool call(sd_bus_message *m)
    {
        CallState state;
        sd_bus_slot *slot = nullptr;
        const Snapshot before(*console_);
        const int r = sd_bus_call_async(peer_, &slot, m, on_reply, &state, UINT64_MAX - 1);
        sd_bus_message_unref(m);
        if (r < 0)
            return false;
        if (shrink_fd_ >= 0) {
            // QEMU shrinks a memfd of the call before the console reads it.
            check(ftruncate(shrink_fd_, shrink_to_) == 0);
            shrunk_ = true;
        }
        // Large arrays take many rounds through the socket buffers.
        for (int round = 0; round < 100000 && !state.done; ++round) {
            pump();
            // A held UpdateDMABUF is answered once its frame is on screen.
            if (round > 4)
                console_->frame_presented();
        }
        sd_bus_slot_unref(slot);
        check(state.done); // every call is answered
        if (state.failed)
            check(Snapshot(*console_) == before);
        return !state.failed;
    }

    sd_bus_message *new_call(const char *interface, const char *member)
    {
        sd_bus_message *m = nullptr;
        check(sd_bus_message_new_method_call(peer_, &m, nullptr, kPath, interface, member) >= 0);
        return m;
    }

    // An fd of a fuzzer-chosen kind, kept open here as QEMU keeps its own.
    int new_fd()
    {
        int fd = -1;
        switch (in_.byte() % 8) {
        case 0:
        case 1:
        case 2: {
            // A memfd, shrink-sealed or not, of chosen size and content.
            const uint8_t flags = in_.byte();
            fd = memfd_create("fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
            const uint32_t size = in_.value() % (kMaxBytes + 1);
            check(fd >= 0 && ftruncate(fd, size) == 0);
            const std::vector<uint8_t> content =
                in_.bytes(std::min<uint32_t>(size, in_.byte() * 16u));
            if (!content.empty())
                check(pwrite(fd, content.data(), content.size(), 0) ==
                      static_cast<ssize_t>(content.size()));
            if (flags & 1)
                check(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
            else if (flags & 2) {
                shrink_fd_ = fd;
                shrink_to_ = in_.value() % (size + 1);
            }
            break;
        }
        case 3: {
            int p[2];
            check(pipe2(p, O_CLOEXEC) == 0);
            close(p[1]);
            fd = p[0];
            break;
        }
        case 4:
            fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
            break;
        case 5:
            fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            break;
        case 6:
            fd = eventfd(0, EFD_CLOEXEC);
            break;
        default: {
            int sv[2];
            check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
            close(sv[1]);
            fd = sv[0];
            break;
        }
        }
        check(fd >= 0);
        fds_.push_back(fd);
        return fd;
    }

    // Pixel data of a chosen length (the content: the input's next bytes).
    void append_bytes(sd_bus_message *m)
    {
        const std::vector<uint8_t> data = in_.bytes(in_.value() % (kMaxBytes + 1));
        check(sd_bus_message_append_array(m, 'y', data.data(), data.size()) >= 0);
    }

    // Whether a buffer of right x bottom pixels stays within the budget
    // (see kMaxShadowPixels); remembers the largest sides asked for.
    bool shadow_fits(uint64_t right, uint64_t bottom)
    {
        const uint64_t w = std::max(widest_, right), h = std::max(tallest_, bottom);
        if (w * h > kMaxShadowPixels)
            return false;
        widest_ = w;
        tallest_ = h;
        return true;
    }

    void step()
    {
        sd_bus_message *m = nullptr;
        shrink_fd_ = -1;
        switch (in_.byte() % 15) {
        case 0: { // Scanout(u width, u height, u stride, u format, ay data)
            const uint32_t w = in_.value(), h = in_.value();
            if (w <= 16384 && h <= 16384 && !shadow_fits(w, h))
                return;
            m = new_call(kListener, "Scanout");
            const uint32_t stride = in_.value(), format = in_.u32();
            check(sd_bus_message_append(m, "uuuu", w, h, stride, format) >= 0);
            append_bytes(m);
            break;
        }
        case 1: { // Update(i x, i y, i width, i height, u stride, u format, ay data)
            const int32_t x = in_.ivalue(), y = in_.ivalue(), w = in_.ivalue(), h = in_.ivalue();
            if (x >= 0 && y >= 0 && w >= 0 && h >= 0 &&
                !shadow_fits(uint64_t(x) + uint64_t(w), uint64_t(y) + uint64_t(h)))
                return;
            m = new_call(kListener, "Update");
            const uint32_t stride = in_.value(), format = in_.u32();
            check(sd_bus_message_append(m, "iiiiuu", x, y, w, h, stride, format) >= 0);
            append_bytes(m);
            break;
        }
        case 2: { // ScanoutMap(h fd, u offset, u width, u height, u stride, u format)
            // Formats the renderers cannot take are copied into the shadow.
            const int fd = new_fd();
            const uint32_t offset = in_.value(), w = in_.value(), h = in_.value();
            if (w <= 16384 && h <= 16384 && !shadow_fits(w, h))
                return;
            m = new_call(kMap, "ScanoutMap");
            const uint32_t stride = in_.value(), format = in_.u32();
            check(sd_bus_message_append(m, "huuuuu", fd, offset, w, h, stride, format) >= 0);
            break;
        }
        case 3: // UpdateMap(i x, i y, i width, i height)
        case 5: // UpdateDMABUF(i x, i y, i width, i height)
        {
            const bool map = in_.byte() & 1;
            m = new_call(map ? kMap : kListener, map ? "UpdateMap" : "UpdateDMABUF");
            const int32_t x = in_.ivalue(), y = in_.ivalue(), w = in_.ivalue(), h = in_.ivalue();
            check(sd_bus_message_append(m, "iiii", x, y, w, h) >= 0);
            break;
        }
        case 4: { // ScanoutDMABUF(h fd, u width, u height, u stride, u fourcc, t modifier, b
                  // y0_top)
            const int fd = new_fd();
            m = new_call(kListener, "ScanoutDMABUF");
            const uint32_t w = in_.value(), h = in_.value(), stride = in_.value(),
                           fourcc = in_.u32();
            const uint64_t modifier = in_.u64();
            const int y0_top = in_.byte() & 1;
            check(sd_bus_message_append(m, "huuuutb", fd, w, h, stride, fourcc, modifier, y0_top) >=
                  0);
            break;
        }
        case 6: { // ScanoutDMABUF2(ah fds, u x, u y, u width, u height, au offsets,
                  // au strides, u planes, u fourcc, u width, u height, t modifier, b y0_top)
            m = new_call(kDmabuf2, "ScanoutDMABUF2");
            const int fds = in_.byte() % 4;
            check(sd_bus_message_open_container(m, 'a', "h") >= 0);
            for (int i = 0; i < fds; ++i)
                check(sd_bus_message_append(m, "h", new_fd()) >= 0);
            check(sd_bus_message_close_container(m) >= 0);
            const uint32_t x = in_.value(), y = in_.value(), w = in_.value(), h = in_.value();
            check(sd_bus_message_append(m, "uuuu", x, y, w, h) >= 0);
            for (int array = 0; array < 2; ++array) {
                uint32_t values[3];
                const int n = in_.byte() % 4;
                for (int i = 0; i < n; ++i)
                    values[i] = in_.value();
                check(sd_bus_message_append_array(m, 'u', values, n * sizeof(uint32_t)) >= 0);
            }
            const uint32_t planes = in_.value(), fourcc = in_.u32(), backing_w = in_.value(),
                           backing_h = in_.value();
            const uint64_t modifier = in_.u64();
            const int y0_top = in_.byte() & 1;
            check(sd_bus_message_append(m, "uuuutb", planes, fourcc, backing_w, backing_h, modifier,
                                        y0_top) >= 0);
            break;
        }
        case 7:
            m = new_call(kListener, "Disable");
            break;
        case 8: // MouseSet(i x, i y, i on)
            m = new_call(kListener, "MouseSet");
            {
                const int32_t x = in_.ivalue(), y = in_.ivalue(), on = in_.ivalue();
                check(sd_bus_message_append(m, "iii", x, y, on) >= 0);
            }
            break;
        case 9: // CursorDefine(i width, i height, i hot_x, i hot_y, ay data)
            m = new_call(kListener, "CursorDefine");
            {
                const int32_t w = in_.ivalue(), h = in_.ivalue(), hot_x = in_.ivalue(),
                              hot_y = in_.ivalue();
                check(sd_bus_message_append(m, "iiii", w, h, hot_x, hot_y) >= 0);
            }
            append_bytes(m);
            break;
        case 10: // QEMU shrinks (or grows) the last fd it sent, if it can.
            if (!fds_.empty() && ftruncate(fds_.back(), in_.value() % (kMaxBytes + 1)) == 0)
                shrunk_ = true;
            return;
        case 11: // The compositor showed the frame.
            console_->frame_presented();
            return;
        case 12: { // The Width/Height the display client reads back from QEMU.
            const uint32_t w = in_.value(), h = in_.value();
            if (shadow_fits(std::min(w, 16385u), std::min(h, 16385u)))
                console_->set_console_size(w, h);
            return;
        }
        case 13: // QEMU reads the Interfaces property at registration.
            m = new_call("org.freedesktop.DBus.Properties", "Get");
            check(sd_bus_message_append(m, "ss", kListener, "Interfaces") >= 0);
            break;
        default: { // A known method with the wrong arguments.
            static constexpr const char *kMembers[] = {"Scanout",      "Update",   "ScanoutDMABUF",
                                                       "UpdateDMABUF", "MouseSet", "CursorDefine"};
            m = new_call(kListener, kMembers[in_.byte() % std::size(kMembers)]);
            check(sd_bus_message_append(m, "su", "fuzz", in_.u32()) >= 0);
            break;
        }
        }
        call(m);
    }

    Input &in_;
    wl_event_loop *loop_ = nullptr;
    std::unique_ptr<Console> console_;
    sd_bus *peer_ = nullptr;
    Observer observer_;
    std::vector<int> fds_;
    int shrink_fd_ = -1; // a memfd of this call, shrunk once it is sent
    off_t shrink_to_ = 0;
    bool shrunk_ = false;
    bool size_check_asked_ = false;
    uint64_t widest_ = 0, tallest_ = 0;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Input in(data, size);
    Harness harness(in);
    if (harness.start())
        harness.run();
    return 0;
}
