// input/qnum: the generated table, checked row by row against the tsv it
// was generated from (path in PHYLLOME_QNUM_TSV), and nothing more.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "input/qnum.hpp"

namespace phyllome::input {
namespace {

std::map<std::uint32_t, std::uint32_t> read_tsv()
{
    const char *path = std::getenv("PHYLLOME_QNUM_TSV");
    if (path == nullptr) {
        ADD_FAILURE() << "PHYLLOME_QNUM_TSV is not set (meson test sets it)";
        return {};
    }
    std::ifstream in(path);
    EXPECT_TRUE(in) << "cannot read " << path;
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "evdev_code\tevdev_name\tqnum\tqemu_qcode");
    std::map<std::uint32_t, std::uint32_t> rows;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string code, name, qnum;
        std::getline(fields, code, '\t');
        std::getline(fields, name, '\t');
        std::getline(fields, qnum, '\t');
        EXPECT_TRUE(rows.emplace(std::stoul(code), std::stoul(qnum, nullptr, 16)).second) << line;
    }
    return rows;
}

TEST(Qnum, WholeTableMatchesTheTsv)
{
    const auto rows = read_tsv();
    ASSERT_EQ(rows.size(), 236u); // as the reference describes it
    for (const auto &[code, qnum] : rows)
        EXPECT_EQ(evdev_to_qnum(code), std::optional<std::uint32_t>(qnum)) << "evdev " << code;
    // Every other code up to well past KEY_MAX has none.
    for (std::uint32_t code = 0; code < 0x400; ++code) {
        if (!rows.contains(code)) {
            EXPECT_EQ(evdev_to_qnum(code), std::nullopt) << "evdev " << code;
        }
    }
}

TEST(Qnum, ReferenceExamples)
{
    EXPECT_EQ(evdev_to_qnum(1), 0x01u);   // KEY_ESC
    EXPECT_EQ(evdev_to_qnum(30), 0x1eu);  // KEY_A
    EXPECT_EQ(evdev_to_qnum(83), 0x53u);  // KEY_KPDOT: 1..83 are the identity
    EXPECT_EQ(evdev_to_qnum(96), 0x9cu);  // KEY_KPENTER
    EXPECT_EQ(evdev_to_qnum(99), 0x54u);  // KEY_SYSRQ
    EXPECT_EQ(evdev_to_qnum(100), 0xb8u); // KEY_RIGHTALT
    EXPECT_EQ(evdev_to_qnum(119), 0xc6u); // KEY_PAUSE
    EXPECT_EQ(evdev_to_qnum(125), 0xdbu); // KEY_LEFTMETA
}

TEST(Qnum, UnknownCodesHaveNone)
{
    for (std::uint32_t code : {0u, 170u, 174u, 175u, 240u, 0x2ffu, 0xffffu, 0xffffffffu})
        EXPECT_EQ(evdev_to_qnum(code), std::nullopt) << code;
}

} // namespace
} // namespace phyllome::input
