// A rectangle in pixels: of a frame (damage, source) or of an output.
#pragma once

#include <cstdint>

namespace phyllome::base {

struct Rect {
    std::int32_t x = 0;
    std::int32_t y = 0;
    std::int32_t width = 0;
    std::int32_t height = 0;

    bool empty() const { return width <= 0 || height <= 0; }
    bool operator==(const Rect &) const = default;
};

} // namespace phyllome::base
