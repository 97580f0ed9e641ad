// Images tests look at: binary PPM (P6), as `grim -t ppm` writes it, and
// PNG.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace phyllome::test {

struct Image {
    int width = 0, height = 0;
    std::vector<uint8_t> rgb; // width * height * 3

    uint32_t at(int x, int y) const; // 0xRRGGBB
};

std::optional<Image> read_ppm(const std::string &path);

// PNG, as libvirt's screenshots come (decoded with cairo).
std::optional<Image> read_png(const std::string &path);

// Counts the pixels of a rectangle whose colour differs from `rgb` by more
// than `tolerance` in any channel.
int count_differing(const Image &image, int x, int y, int width, int height, uint32_t rgb,
                    int tolerance = 8);

} // namespace phyllome::test
