#include "input/placement.hpp"

#include <algorithm>
#include <cmath>

namespace phyllome::input {

namespace {

std::int32_t to_i32(std::int64_t v)
{
    return static_cast<std::int32_t>(std::clamp<std::int64_t>(v, 0, INT32_MAX));
}

// round(a / b) for a >= 0, b > 0, halves up.
std::int64_t div_round(std::int64_t a, std::int64_t b)
{
    return (a + b / 2) / b;
}

// A rect of size (w, h) centred on an output of size (ow, oh).
base::Rect centred(std::int64_t w, std::int64_t h, std::int64_t ow, std::int64_t oh)
{
    return base::Rect{to_i32((ow - w) / 2), to_i32((oh - h) / 2), to_i32(w), to_i32(h)};
}

Placement fit(std::int64_t fw, std::int64_t fh, std::int64_t ow, std::int64_t oh)
{
    std::int64_t w = ow;
    std::int64_t h = oh;
    // Which side limits: compare the aspect ratios fw/fh and ow/oh exactly.
    if (fw * oh >= fh * ow) {
        h = std::max<std::int64_t>(1, div_round(fh * ow, fw));
    } else {
        w = std::max<std::int64_t>(1, div_round(fw * oh, fh));
    }
    return Placement{centred(w, h, ow, oh), base::Rect{0, 0, to_i32(fw), to_i32(fh)}};
}

} // namespace

Placement place_frame(std::uint32_t frame_width, std::uint32_t frame_height,
                      std::int32_t output_width, std::int32_t output_height,
                      config::Scaling scaling)
{
    if (frame_width == 0 || frame_height == 0 || output_width <= 0 || output_height <= 0 ||
        frame_width > INT32_MAX || frame_height > INT32_MAX) {
        return Placement{};
    }
    const std::int64_t fw = frame_width;
    const std::int64_t fh = frame_height;
    const std::int64_t ow = output_width;
    const std::int64_t oh = output_height;
    const base::Rect whole{0, 0, to_i32(fw), to_i32(fh)};

    switch (scaling) {
    case config::Scaling::Stretch:
        return Placement{base::Rect{0, 0, output_width, output_height}, whole};
    case config::Scaling::Integer: {
        const std::int64_t k = std::min(ow / fw, oh / fh);
        if (k < 1)
            return fit(fw, fh, ow, oh);
        return Placement{centred(fw * k, fh * k, ow, oh), whole};
    }
    case config::Scaling::None: {
        Placement p;
        // Per axis: centred in the output when it fits, else centre-cropped.
        const auto axis = [](std::int64_t f, std::int64_t o, std::int32_t &dest_pos,
                             std::int32_t &dest_len, std::int32_t &src_pos, std::int32_t &src_len) {
            if (f <= o) {
                dest_pos = to_i32((o - f) / 2);
                dest_len = to_i32(f);
                src_pos = 0;
                src_len = to_i32(f);
            } else {
                dest_pos = 0;
                dest_len = to_i32(o);
                src_pos = to_i32((f - o) / 2);
                src_len = to_i32(o);
            }
        };
        axis(fw, ow, p.dest.x, p.dest.width, p.source.x, p.source.width);
        axis(fh, oh, p.dest.y, p.dest.height, p.source.y, p.source.height);
        return p;
    }
    case config::Scaling::Fit:
        break;
    }
    return fit(fw, fh, ow, oh);
}

std::optional<std::pair<std::uint32_t, std::uint32_t>>
output_to_frame(const Placement &placement, double output_x, double output_y)
{
    const base::Rect &d = placement.dest;
    const base::Rect &s = placement.source;
    if (d.empty() || s.empty())
        return std::nullopt;
    const double rx = output_x - d.x;
    const double ry = output_y - d.y;
    // Written so that NaN fails too.
    if (!(rx >= 0.0 && rx < d.width && ry >= 0.0 && ry < d.height))
        return std::nullopt;
    const auto map = [](double r, std::int32_t dest_len, std::int32_t src_pos,
                        std::int32_t src_len) {
        const double f = std::floor(r * src_len / dest_len);
        const auto v = static_cast<std::int64_t>(std::clamp(f, 0.0, double(src_len - 1)));
        return static_cast<std::uint32_t>(src_pos + v);
    };
    return std::pair{map(rx, d.width, s.x, s.width), map(ry, d.height, s.y, s.height)};
}

} // namespace phyllome::input
