// High-resolution scrolling turned into the whole wheel steps QEMU takes
// (a press and a release of button 3/4 or 7/8 per step).
#pragma once

#include <cstdint>

namespace phyllome::input {

enum class ScrollAxis { Vertical, Horizontal };

// How an axis value is measured, as libinput reports it.
enum class ScrollUnit {
    V120,   // wheels: 120 per detent, fractions from high-resolution wheels
    Pixels, // touchpads and other continuous sources
};

// Continuous scrolling this far (libinput's legacy value of one detent)
// makes one step.
inline constexpr double kPixelsPerStep = 15.0;
// More steps than this from one event are bad input; the excess is dropped
// rather than flooding the guest.
inline constexpr int kMaxStepsPerEvent = 32;

// One axis of one device. Positive values are down or right, as in
// libinput and Wayland (natural scrolling is already applied there).
class ScrollAccumulator {
public:
    // Whole steps to send now, signed like the input; the remainder is kept
    // for the next event in the same direction and dropped on a reversal,
    // so a wheel turned back never first finishes the old step.
    int add(double value, ScrollUnit unit);
    void reset() { pending_ = 0.0; }

private:
    double pending_ = 0.0; // in v120 units: integers stay exact
};

// The QEMU wheel button for one step in this direction.
std::uint32_t wheel_button(ScrollAxis axis, bool positive);

} // namespace phyllome::input
