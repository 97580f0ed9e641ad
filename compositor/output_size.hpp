// The size of a headless output to create (--headless WxH,...).
#pragma once

namespace phyllome {

struct OutputSize {
    int width = 0, height = 0;
    bool operator==(const OutputSize &) const = default;
};

} // namespace phyllome
