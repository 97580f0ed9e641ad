// Linux evdev key codes to QEMU qnum codes, the codes Keyboard.Press and
// Release take (the XT set-1 make code, 0x80 set for 0xE0-prefixed keys).
// The table is generated at build time from linux-to-qnum.tsv.
#pragma once

#include <cstdint>
#include <optional>

namespace phyllome::input {

// nullopt for a code the table does not have (0, 170, 174, 175, above 239):
// such a key is not sent to the guest.
std::optional<std::uint32_t> evdev_to_qnum(std::uint32_t evdev_code);

} // namespace phyllome::input
