// Where a guest frame goes on an output, by the VM's `scaling` setting, and
// back (output coordinates to frame pixels, for pointer input). Pure integer
// geometry: no wlroots.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "base/rect.hpp"
#include "config/config.hpp"

namespace phyllome::input {

struct Placement {
    base::Rect dest;   // on the output, in output pixels
    base::Rect source; // the part of the frame shown there, in frame pixels

    bool operator==(const Placement &) const = default;
};

// Fit: the largest size with the frame's aspect ratio (rounded to the nearest
//   pixel) that fits, centred: letterbox or pillarbox.
// Stretch: the whole output.
// Integer: the largest whole multiple (>= 1) of the frame that fits,
//   centred; a frame larger than the output at 1x is placed as Fit.
// None: 1:1, centred; a frame larger than the output is cropped to its
//   centre through `source`.
// Centring rounds towards the top left. The source is the whole frame
// except for a cropped None. Both rectangles are empty when a frame or
// output side is 0 (or negative).
Placement place_frame(std::uint32_t frame_width, std::uint32_t frame_height,
                      std::int32_t output_width, std::int32_t output_height,
                      config::Scaling scaling);

// The frame pixel under output position (output_x, output_y), or nullopt
// outside placement.dest. Clamped to the shown source (so never past
// frame_width - 1, frame_height - 1).
std::optional<std::pair<std::uint32_t, std::uint32_t>>
output_to_frame(const Placement &placement, double output_x, double output_y);

} // namespace phyllome::input
