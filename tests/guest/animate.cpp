// Runs inside the test guest when its kernel command line says
// `phyllome.animate`: draws a square sliding across the framebuffer
// (/dev/fb0, VESA) at a fixed rate, so that a person sees a live VM and a
// benchmark gets a steady stream of small frame updates. Options on the
// kernel command line: phyllome.fps=N (default 30), phyllome.color=RRGGBB
// (the square's colour). Every 60 frames it prints "frames N" to stdout.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <linux/fb.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "command_line.hpp"

namespace {

constexpr int kSquare = 96;
constexpr uint32_t kBackground = 0x203040;

struct Framebuffer {
    uint8_t *pixels = nullptr;
    int width = 0, height = 0, stride = 0, bytes_per_pixel = 0;
    fb_var_screeninfo info{};

    void fill(int x0, int y0, int w, int h, uint32_t rgb) const
    {
        for (int y = y0; y < y0 + h && y < height; ++y) {
            uint8_t *row = pixels + static_cast<long>(y) * stride;
            for (int x = x0; x < x0 + w && x < width; ++x) {
                uint8_t *p = row + x * bytes_per_pixel;
                const uint32_t value = ((rgb >> 16 & 0xff) << info.red.offset) |
                                       ((rgb >> 8 & 0xff) << info.green.offset) |
                                       ((rgb & 0xff) << info.blue.offset);
                for (int i = 0; i < bytes_per_pixel; ++i)
                    p[i] = static_cast<uint8_t>(value >> (8 * i));
            }
        }
    }
};

void add_nanoseconds(timespec &t, long ns)
{
    t.tv_nsec += ns;
    while (t.tv_nsec >= 1000000000L) {
        t.tv_nsec -= 1000000000L;
        ++t.tv_sec;
    }
}

} // namespace

int main()
{
    char value[32];
    command_line_value("phyllome.fps", value, sizeof value);
    const int fps = value[0] ? atoi(value) : 30;
    command_line_value("phyllome.color", value, sizeof value);
    const uint32_t color = value[0] ? static_cast<uint32_t>(strtoul(value, nullptr, 16)) : 0xe0a020;
    if (fps <= 0 || fps > 1000) {
        printf("animate: phyllome.fps must be 1..1000\n");
        return 1;
    }

    const int fd = open("/dev/fb0", O_RDWR | O_CLOEXEC);
    Framebuffer fb;
    fb_fix_screeninfo fixed{};
    if (fd < 0 || ioctl(fd, FBIOGET_VSCREENINFO, &fb.info) != 0 ||
        ioctl(fd, FBIOGET_FSCREENINFO, &fixed) != 0) {
        printf("animate: no framebuffer (boot with vga=0x318): %s\n", strerror(errno));
        return 1;
    }
    fb.width = static_cast<int>(fb.info.xres);
    fb.height = static_cast<int>(fb.info.yres);
    fb.stride = static_cast<int>(fixed.line_length);
    fb.bytes_per_pixel = static_cast<int>(fb.info.bits_per_pixel / 8);
    void *mapped = mmap(nullptr, fixed.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mapped == MAP_FAILED || fb.bytes_per_pixel < 2 || fb.width <= kSquare) {
        printf("animate: cannot draw on this framebuffer\n");
        return 1;
    }
    fb.pixels = static_cast<uint8_t *>(mapped);
    printf("animate: %dx%d, %d bits, %d frames per second\n", fb.width, fb.height,
           fb.info.bits_per_pixel, fps);
    fflush(stdout);

    fb.fill(0, 0, fb.width, fb.height, kBackground);
    const int y = (fb.height - kSquare) / 2;
    int x = 0, step = 8;
    timespec next{};
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (unsigned long frame = 1;; ++frame) {
        fb.fill(x, y, kSquare, kSquare, kBackground);
        if (x + step < 0 || x + step + kSquare > fb.width)
            step = -step;
        x += step;
        fb.fill(x, y, kSquare, kSquare, color);
        if (frame % 60 == 0) {
            printf("frames %lu\n", frame);
            fflush(stdout);
        }
        add_nanoseconds(next, 1000000000L / fps);
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
    }
}
