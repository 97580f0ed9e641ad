// What the fake console currently shows: a 2D surface, a DMA-BUF stand-in,
// the guest cursor. Re-sent to every newly registered listener.
#pragma once

#include "pixels.hpp"
#include "shm.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fake_qemu {

inline constexpr uint32_t kBackground = 0x203040;
inline constexpr uint8_t kPadding = 0xab;

// A 2D console surface, kept in a memfd as QEMU 9.2+ allocates shareable
// surfaces, so the same surface can go out by Scanout or by ScanoutMap.
struct Surface {
    std::unique_ptr<SharedMemory> memory;
    uint32_t offset = 0; // where the image starts in the memfd
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t stride = 0;
    uint32_t format = 0; // pixman code

    uint8_t *pixels() const { return memory->data() + offset; }
    size_t bytes() const { return size_t(stride) * height; }
};

// Padding (beyond width in each row, and before offset) is 0xAB.
std::unique_ptr<Surface> make_surface(uint32_t width, uint32_t height, uint32_t format,
                                      uint32_t stride, uint32_t offset, const Quadrants &colours,
                                      std::string *error);

// A memfd standing in for a DMA-BUF (the session's pixman renderer mmaps it).
struct Dmabuf {
    std::unique_ptr<SharedMemory> memory;
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t stride = 0;
    uint32_t fourcc = 0;
    uint64_t modifier = 0;
    bool y0_top = false; // memory row 0 is the bottom row of the picture
};

std::unique_ptr<Dmabuf> make_dmabuf(uint32_t width, uint32_t height, uint32_t fourcc,
                                    const Quadrants &colours, bool y0_top, uint64_t modifier,
                                    std::string *error);

struct Rect {
    int32_t x, y, width, height;
};
// Paints a rectangle given in picture coordinates (top-left origin) and
// returns it in buffer coordinates, the ones UpdateDMABUF carries.
Rect paint_dmabuf(Dmabuf &buffer, const Rect &picture, uint32_t rgb);

struct Cursor {
    int32_t width = 0, height = 0, hot_x = 0, hot_y = 0;
    std::vector<uint8_t> data; // ARGB8888 words, host order
};
Cursor make_cursor(int32_t width, int32_t height, int32_t hot_x, int32_t hot_y, uint32_t rgb);

struct MousePosition {
    int32_t x = 0, y = 0, on = 0;
};

} // namespace fake_qemu
