// Commands that send valid frames and cursors: scanout, update,
// resize-silently, scanout-map, update-map, shrink-map, scanout-dmabuf[2], update-dmabuf,
// disable, cursor, mouse-set.
#include "calls.hpp"
#include "command.hpp"
#include "pixels.hpp"

#include <cstdio>
#include <unistd.h>

namespace fake_qemu {
namespace {

constexpr size_t kMaxSurfaceBytes = size_t(1) << 30;

// With no listener the new state is kept for the next one, as in QEMU.
constexpr const char *kNoListenerKept = "ok no-listener";

CallDone reply_to(Done done)
{
    return [done = std::move(done)](const CallResult &result) {
        done(result_line(result));
    };
}

// One colour fills the frame; four fill its quadrants.
Quadrants read_colours(const Words &words, size_t first)
{
    if (words.size() == first + 1) {
        const uint32_t c = arg_colour(words[first]);
        return {c, c, c, c};
    }
    if (words.size() != first + 4)
        throw UsageError{};
    return {arg_colour(words[first]), arg_colour(words[first + 1]), arg_colour(words[first + 2]),
            arg_colour(words[first + 3])};
}

uint32_t read_stride(const Arguments &args, uint32_t width, uint32_t height, uint32_t format)
{
    const uint32_t packed = width * bytes_per_pixel(format);
    const auto it = args.options.find("stride");
    const uint32_t stride = it == args.options.end() ? packed : arg_u32(it->second);
    if (stride < packed || size_t(stride) * height > kMaxSurfaceBytes)
        throw UsageError{};
    return stride;
}

Rect read_rect(const Words &words, size_t first)
{
    const uint32_t x = arg_coordinate(words[first]), y = arg_coordinate(words[first + 1]);
    const uint32_t w = arg_side(words[first + 2]), h = arg_side(words[first + 3]);
    return {int32_t(x), int32_t(y), int32_t(w), int32_t(h)};
}

bool inside(const Rect &rect, uint32_t width, uint32_t height)
{
    return uint32_t(rect.x + rect.width) <= width && uint32_t(rect.y + rect.height) <= height;
}

std::unique_ptr<Surface> new_surface(const Arguments &args, uint32_t offset, std::string *error)
{
    const auto &p = args.positional;
    if (p.size() < 4)
        throw UsageError{};
    const uint32_t width = arg_side(p[0]), height = arg_side(p[1]), format = arg_format(p[2]);
    const Quadrants colours = read_colours(p, 3);
    return make_surface(width, height, format, read_stride(args, width, height, format), offset,
                        colours, error);
}

void scanout(Fake &fake, const Words &words, Done done)
{
    std::string error;
    auto surface = new_surface(split_arguments(words, {"stride"}), 0, &error);
    if (!surface)
        return done("error local: " + error);
    fake.set_surface(std::move(surface));
    Listener *listener = fake.listener();
    if (!listener)
        return done(kNoListenerKept);
    send_surface(*listener, fake.surface(), reply_to(std::move(done)));
}

void update(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 7)
        throw UsageError{};
    const Rect rect = read_rect(words, 1);
    const uint32_t format = arg_format(words[5]), colour = arg_colour(words[6]);
    const uint32_t stride = uint32_t(rect.width) * bytes_per_pixel(format);
    std::vector<uint8_t> pixels(size_t(stride) * uint32_t(rect.height));
    fill_rect(pixels.data(), stride, format, 0, 0, uint32_t(rect.width), uint32_t(rect.height),
              colour);
    // The surface follows, so a later listener gets the same picture.
    Surface &surface = fake.surface();
    if (format == surface.format && inside(rect, surface.width, surface.height))
        fill_rect(surface.pixels(), surface.stride, format, uint32_t(rect.x), uint32_t(rect.y),
                  uint32_t(rect.width), uint32_t(rect.height), colour);
    Listener *listener = fake.listener();
    if (!listener)
        return done(kNoListenerKept);
    send_update(*listener, rect.x, rect.y, rect.width, rect.height, stride, format, pixels.data(),
                pixels.size(), reply_to(std::move(done)));
}

void resize_silently(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 3)
        throw UsageError{};
    std::string error;
    if (!fake.resize_silently(arg_side(words[1]), arg_side(words[2]), &error))
        return done("error local: " + error);
    done("ok");
}

// Why the listener cannot take a Unix.Map or ScanoutDMABUF2 call, or "".
std::string unsupported(Fake &fake, bool needs_map)
{
    const Version &version = fake.options().version;
    const bool known = needs_map ? version.has_unix_map() : version.has_dmabuf2();
    const char *interface = needs_map ? kMapInterface : kDmabuf2Interface;
    if (!known)
        return "error unsupported: QEMU " + version.text() + " has no " + interface;
    Listener *listener = fake.listener();
    if (!listener)
        return kNoListener;
    if (!(needs_map ? listener->uses_map() : listener->uses_dmabuf2()))
        return std::string("error unsupported: the listener did not advertise ") + interface;
    return "";
}

void scanout_map(Fake &fake, const Words &words, Done done)
{
    const Arguments args = split_arguments(words, {"offset", "stride"});
    const auto it = args.options.find("offset");
    const uint32_t offset = it == args.options.end() ? 0 : arg_u32(it->second);
    if (offset > kMaxSurfaceBytes)
        throw UsageError{};
    std::string error;
    auto surface = new_surface(args, offset, &error);
    if (!surface)
        return done("error local: " + error);
    if (auto why = unsupported(fake, true); !why.empty())
        return done(why);
    fake.set_surface(std::move(surface));
    const uint64_t sent = fake.surface_serial();
    send_surface_map(*fake.listener(), fake.surface(),
                     [&fake, sent, done = std::move(done)](const CallResult &result) {
                         if (result.ok && sent == fake.surface_serial())
                             fake.set_surface_mapped();
                         done(result_line(result));
                     });
}

void update_map(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 6)
        throw UsageError{};
    const Rect rect = read_rect(words, 1);
    const uint32_t colour = arg_colour(words[5]);
    if (auto why = unsupported(fake, true); !why.empty())
        return done(why);
    Surface &surface = fake.surface();
    if (!fake.surface_mapped())
        return done("error unsupported: the listener holds no mapped surface; use scanout-map");
    if (!inside(rect, surface.width, surface.height))
        throw UsageError{};
    fill_rect(surface.pixels(), surface.stride, surface.format, uint32_t(rect.x), uint32_t(rect.y),
              uint32_t(rect.width), uint32_t(rect.height), colour);
    send_update_map(*fake.listener(), rect, reply_to(std::move(done)));
}

// A QEMU gone bad: truncates the mapped surface's memfd to nothing, then
// tells the client the whole surface changed. The surface is unusable
// afterwards (painting it would fault here too): send a new scanout-map.
void shrink_map(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 1)
        throw UsageError{};
    if (auto why = unsupported(fake, true); !why.empty())
        return done(why);
    if (!fake.surface_mapped())
        return done("error unsupported: the listener holds no mapped surface; use scanout-map");
    Surface &surface = fake.surface();
    if (ftruncate(surface.memory->fd(), 0) != 0)
        return done("error local: ftruncate failed");
    const Rect all{0, 0, int32_t(surface.width), int32_t(surface.height)};
    send_update_map(*fake.listener(), all, reply_to(std::move(done)));
}

void scanout_dmabuf_common(Fake &fake, const Words &words, Done done, bool version2)
{
    const Arguments args = split_arguments(words, {"y0_top", "modifier"});
    const auto &p = args.positional;
    if (p.size() < 4)
        throw UsageError{};
    const uint32_t width = arg_side(p[0]), height = arg_side(p[1]), code = arg_fourcc(p[2]);
    if (!pixman_format_for_fourcc(code))
        throw UsageError{};
    const Quadrants colours = read_colours(p, 3);
    const auto y0 = args.options.find("y0_top");
    const auto modifier = args.options.find("modifier");
    const bool y0_top = y0 != args.options.end() && arg_flag(y0->second);
    const uint64_t mod = modifier == args.options.end() ? 0 : arg_u64(modifier->second);
    if (version2) {
        if (auto why = unsupported(fake, false); !why.empty())
            return done(why);
    }
    std::string error;
    auto buffer = make_dmabuf(width, height, code, colours, y0_top, mod, &error);
    if (!buffer)
        return done("error local: " + error);
    fake.set_dmabuf(std::move(buffer));
    Listener *listener = fake.listener();
    if (!listener)
        return done(kNoListenerKept);
    send_dmabuf(*listener, *fake.dmabuf(), version2, reply_to(std::move(done)));
}

void scanout_dmabuf(Fake &fake, const Words &words, Done done)
{
    scanout_dmabuf_common(fake, words, std::move(done), false);
}

void scanout_dmabuf2(Fake &fake, const Words &words, Done done)
{
    scanout_dmabuf_common(fake, words, std::move(done), true);
}

void update_dmabuf(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 6)
        throw UsageError{};
    const Rect rect = read_rect(words, 1);
    const uint32_t colour = arg_colour(words[5]);
    Dmabuf *buffer = fake.dmabuf();
    if (!buffer)
        return done("error unsupported: no DMA-BUF scanout; use scanout-dmabuf first");
    if (!inside(rect, buffer->width, buffer->height))
        throw UsageError{};
    const Rect damage = paint_dmabuf(*buffer, rect, colour);
    Listener *listener = fake.listener();
    if (!listener)
        return done(kNoListenerKept);
    send_update_dmabuf(*listener, damage, [done = std::move(done)](const CallResult &result) {
        if (result.timed_out)
            return done("error timeout: no acknowledgement within one second");
        if (!result.ok)
            return done(result_line(result));
        char line[64];
        snprintf(line, sizeof(line), "ok ack_ms=%.3f", double(result.elapsed_us) / 1000.0);
        done(line);
    });
}

void disable(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 1)
        throw UsageError{};
    fake.disable();
    Listener *listener = fake.listener();
    if (!listener)
        return done(kNoListenerKept);
    send_disable(*listener, reply_to(std::move(done)));
}

void cursor(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 6)
        throw UsageError{};
    const uint32_t width = arg_side(words[1]), height = arg_side(words[2]);
    const int32_t hot_x = arg_i32(words[3]), hot_y = arg_i32(words[4]);
    const uint32_t colour = arg_colour(words[5]);
    if (size_t(width) * height * 4 > kMaxSurfaceBytes)
        throw UsageError{};
    Cursor shape = make_cursor(int32_t(width), int32_t(height), hot_x, hot_y, colour);
    Listener *listener = fake.listener();
    if (listener)
        send_cursor(*listener, shape, reply_to(std::move(done)));
    fake.set_cursor(std::move(shape)); // re-sent to new listeners from 8.0
    if (!listener)
        done(kNoListenerKept);
}

void mouse_set(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 4)
        throw UsageError{};
    const MousePosition mouse{arg_i32(words[1]), arg_i32(words[2]), arg_i32(words[3])};
    fake.set_mouse(mouse);
    Listener *listener = fake.listener();
    if (!listener)
        return done(kNoListenerKept);
    send_mouse_set(*listener, mouse, reply_to(std::move(done)));
}

constexpr CommandSpec kCommands[] = {
    {"scanout", "scanout W H FORMAT C1 [C2 C3 C4] [stride=S]", scanout},
    {"update", "update X Y W H FORMAT COLOR", update},
    {"resize-silently", "resize-silently W H", resize_silently},
    {"scanout-map", "scanout-map W H FORMAT C1 [C2 C3 C4] [offset=O] [stride=S]", scanout_map},
    {"update-map", "update-map X Y W H COLOR (inside the mapped surface)", update_map},
    {"shrink-map", "shrink-map", shrink_map},
    {"scanout-dmabuf",
     "scanout-dmabuf W H XR24|AR24|XB24|AB24 C1 [C2 C3 C4] [y0_top=0|1] [modifier=M]",
     scanout_dmabuf},
    {"scanout-dmabuf2",
     "scanout-dmabuf2 W H XR24|AR24|XB24|AB24 C1 [C2 C3 C4] [y0_top=0|1] [modifier=M]",
     scanout_dmabuf2},
    {"update-dmabuf", "update-dmabuf X Y W H COLOR (inside the buffer)", update_dmabuf},
    {"disable", "disable", disable},
    {"cursor", "cursor W H HOTX HOTY COLOR", cursor},
    {"mouse-set", "mouse-set X Y ON", mouse_set},
};

} // namespace

std::span<const CommandSpec> frame_commands()
{
    return kCommands;
}

} // namespace fake_qemu
