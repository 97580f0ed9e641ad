// input/held: physical transitions only, releases go where the press went,
// and release_all / release_all_in leave nothing down.
#include <gtest/gtest.h>

#include "input/held.hpp"
#include "recording_vm.hpp"

namespace phyllome::input {
namespace {

using testing::RecordingVm;
using Log = std::vector<std::string>;

constexpr DeviceId kKbd = 1, kKbd2 = 2;

TEST(Held, PressAndRelease)
{
    HeldInput held;
    RecordingVm vm;
    held.press(kKbd, HeldKind::Key, 30, 0x1e, vm);
    EXPECT_TRUE(held.holds(kKbd));
    held.release(kKbd, HeldKind::Key, 30);
    EXPECT_EQ(vm.take(), (Log{"key 0x1e down", "key 0x1e up"}));
    EXPECT_FALSE(held.holds(kKbd));
}

TEST(Held, RepeatedPressIsNotSentAgain)
{
    HeldInput held;
    RecordingVm vm;
    held.press(kKbd, HeldKind::Key, 30, 0x1e, vm);
    held.press(kKbd, HeldKind::Key, 30, 0x1e, vm);
    held.release(kKbd, HeldKind::Key, 30);
    EXPECT_EQ(vm.take(), (Log{"key 0x1e down", "key 0x1e up"}));
}

TEST(Held, ReleaseOfWhatIsNotDownIsDropped)
{
    HeldInput held;
    RecordingVm vm;
    held.release(kKbd, HeldKind::Key, 30);
    held.press(kKbd, HeldKind::Key, 30, 0x1e, vm);
    held.release(kKbd, HeldKind::Button, 30); // same code, other kind
    held.release(kKbd2, HeldKind::Key, 30);   // same code, other device
    EXPECT_EQ(vm.take(), (Log{"key 0x1e down"}));
    held.release(kKbd, HeldKind::Key, 30);
    held.release(kKbd, HeldKind::Key, 30);
    EXPECT_EQ(vm.take(), (Log{"key 0x1e up"}));
}

TEST(Held, ReleaseGoesToTheVmOfThePress)
{
    HeldInput held;
    RecordingVm a("a"), b("b");
    held.press(kKbd, HeldKind::Key, 30, 0x1e, a);
    held.press(kKbd, HeldKind::Key, 31, 0x1f, b);
    held.release(kKbd, HeldKind::Key, 30);
    held.release(kKbd, HeldKind::Key, 31);
    EXPECT_EQ(a.take(), (Log{"key 0x1e down", "key 0x1e up"}));
    EXPECT_EQ(b.take(), (Log{"key 0x1f down", "key 0x1f up"}));
}

TEST(Held, ReleaseAllOfADeviceLastPressedFirst)
{
    HeldInput held;
    RecordingVm a("a"), b("b");
    held.press(kKbd, HeldKind::Key, 29, 0x1d, a);
    held.press(kKbd, HeldKind::Key, 46, 0x2e, a);
    held.press(kKbd, HeldKind::Button, 0x110, 0, b);
    held.press(kKbd2, HeldKind::Key, 30, 0x1e, a);
    held.release_all(kKbd);
    EXPECT_EQ(a.take(), (Log{"key 0x1d down", "key 0x2e down", "key 0x1e down", "key 0x2e up",
                             "key 0x1d up"}));
    EXPECT_EQ(b.take(), (Log{"button 0 down", "button 0 up"}));
    EXPECT_FALSE(held.holds(kKbd));
    EXPECT_TRUE(held.holds(kKbd2));
    // Its physical releases come later and are dropped.
    held.release(kKbd, HeldKind::Key, 46);
    EXPECT_TRUE(a.take().empty());
}

TEST(Held, ReleaseAllInAVm)
{
    HeldInput held;
    RecordingVm a("a"), b("b");
    held.press(kKbd, HeldKind::Key, 30, 0x1e, a);
    held.press(kKbd2, HeldKind::Button, 0x111, 2, a);
    held.press(kKbd2, HeldKind::Key, 31, 0x1f, b);
    EXPECT_EQ(held.count_in(a), 2u);
    held.release_all_in(a);
    EXPECT_EQ(held.count_in(a), 0u);
    EXPECT_EQ(held.count_in(b), 1u);
    EXPECT_TRUE(a.keys.empty());
    EXPECT_TRUE(a.buttons.empty());
    EXPECT_EQ(b.keys, std::set<std::uint32_t>{0x1f});
}

TEST(Held, TwoDevicesHoldingOneKeyMakeOnePressAndOneRelease)
{
    HeldInput held;
    RecordingVm vm;
    held.press(kKbd, HeldKind::Key, 42, 0x2a, vm);
    held.press(kKbd2, HeldKind::Key, 42, 0x2a, vm);
    held.release(kKbd, HeldKind::Key, 42);
    EXPECT_EQ(vm.take(), (Log{"key 0x2a down"})); // still held by the other
    held.release(kKbd2, HeldKind::Key, 42);
    EXPECT_EQ(vm.take(), (Log{"key 0x2a up"}));
}

TEST(Held, TwoCodesWithOneQnum)
{
    // KEY_SYSRQ (99) and code 84 are both qnum 0x54.
    HeldInput held;
    RecordingVm vm;
    held.press(kKbd, HeldKind::Key, 84, 0x54, vm);
    held.press(kKbd, HeldKind::Key, 99, 0x54, vm);
    held.release(kKbd, HeldKind::Key, 84);
    EXPECT_EQ(vm.take(), (Log{"key 0x54 down"}));
    held.release(kKbd, HeldKind::Key, 99);
    EXPECT_EQ(vm.take(), (Log{"key 0x54 up"}));
}

} // namespace
} // namespace phyllome::input
