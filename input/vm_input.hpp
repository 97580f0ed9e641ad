// Where the router sends input: one VM console's keyboard and mouse. The
// compositor implements it over QEMU's D-Bus display (org.qemu.Display1
// Keyboard and Mouse); tests implement it with recorders.
#pragma once

#include <cstdint>

namespace phyllome::input {

// QEMU's InputButton numbers, as Mouse.Press/Release take them. A wheel step
// is a press and a release of one of the wheel buttons.
namespace qemu_button {
inline constexpr std::uint32_t kLeft = 0;
inline constexpr std::uint32_t kMiddle = 1;
inline constexpr std::uint32_t kRight = 2;
inline constexpr std::uint32_t kWheelUp = 3;
inline constexpr std::uint32_t kWheelDown = 4;
inline constexpr std::uint32_t kSide = 5;
inline constexpr std::uint32_t kExtra = 6;
inline constexpr std::uint32_t kWheelLeft = 7;
inline constexpr std::uint32_t kWheelRight = 8;
} // namespace qemu_button

// The router only sends physical transitions: a press is always followed by
// its release before the same key or button is pressed again, and a release
// always follows its press. Implementations must not call back into the
// router.
class VmInput {
public:
    virtual ~VmInput() = default;

    virtual void key(std::uint32_t qnum, bool pressed) = 0;
    virtual void button(std::uint32_t qemu_button, bool pressed) = 0;
    // Console pixels, always inside the console's size as the placement the
    // compositor gave the router says.
    virtual void move_absolute(std::uint32_t x, std::uint32_t y) = 0;
    virtual void move_relative(std::int32_t dx, std::int32_t dy) = 0;
    // Which form the guest's pointer takes now; the router sends only that
    // one. The 7.2 fallback (QEMU misreports this at start) belongs here.
    virtual bool absolute() const = 0;
};

} // namespace phyllome::input
