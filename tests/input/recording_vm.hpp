// A VmInput that writes down what it gets, as short readable lines
// ("key 0x1e down", "button 0 up", "abs 10 20", "rel 1 -2"), and fails the
// test on a press of something already down or a release of something up.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "input/vm_input.hpp"

namespace phyllome::input::testing {

class RecordingVm : public VmInput {
public:
    explicit RecordingVm(std::string name = "vm") : name_(std::move(name)) {}

    void key(std::uint32_t qnum, bool pressed) override
    {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", qnum);
        log.push_back(std::string("key ") + hex + (pressed ? " down" : " up"));
        track(keys, qnum, pressed);
    }
    void button(std::uint32_t b, bool pressed) override
    {
        log.push_back("button " + std::to_string(b) + (pressed ? " down" : " up"));
        track(buttons, b, pressed);
    }
    void move_absolute(std::uint32_t x, std::uint32_t y) override
    {
        log.push_back("abs " + std::to_string(x) + " " + std::to_string(y));
    }
    void move_relative(std::int32_t dx, std::int32_t dy) override
    {
        log.push_back("rel " + std::to_string(dx) + " " + std::to_string(dy));
    }
    bool absolute() const override { return is_absolute; }

    // The log so far, emptied.
    std::vector<std::string> take() { return std::exchange(log, {}); }

    bool is_absolute = true;
    std::vector<std::string> log;
    std::set<std::uint32_t> keys, buttons; // down now

private:
    void track(std::set<std::uint32_t> &down, std::uint32_t code, bool pressed)
    {
        if (pressed)
            EXPECT_TRUE(down.insert(code).second)
                << name_ << ": press of " << code << " while down";
        else
            EXPECT_EQ(down.erase(code), 1u) << name_ << ": release of " << code << " while up";
    }

    std::string name_;
};

} // namespace phyllome::input::testing
