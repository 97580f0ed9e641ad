#include "input/scroll.hpp"

#include <cmath>

#include "input/vm_input.hpp"

namespace phyllome::input {

namespace {

constexpr double kStep = 120.0; // v120 per detent

} // namespace

int ScrollAccumulator::add(double value, ScrollUnit unit)
{
    if (!std::isfinite(value) || value == 0.0)
        return 0;
    // Bounded first, so that one event makes at most kMaxStepsPerEvent steps.
    const double per_step = unit == ScrollUnit::Pixels ? kPixelsPerStep : kStep;
    const double limit = kMaxStepsPerEvent * per_step;
    const double v120 = std::fmax(-limit, std::fmin(limit, value)) * (kStep / per_step);
    if ((v120 > 0.0) != (pending_ > 0.0) && pending_ != 0.0)
        pending_ = 0.0; // direction changed
    pending_ += v120;
    const double steps = std::trunc(pending_ / kStep);
    pending_ -= steps * kStep;
    return static_cast<int>(steps); // at most kMaxStepsPerEvent either way
}

std::uint32_t wheel_button(ScrollAxis axis, bool positive)
{
    if (axis == ScrollAxis::Vertical)
        return positive ? qemu_button::kWheelDown : qemu_button::kWheelUp;
    return positive ? qemu_button::kWheelRight : qemu_button::kWheelLeft;
}

} // namespace phyllome::input
