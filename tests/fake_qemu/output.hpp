// stdout carries exactly one line per command (plus "closed"); nothing else.
#pragma once

#include <string>

namespace fake_qemu {

void print_line(const std::string &line);
// After "closed" nothing more may appear, whatever is torn down afterwards.
void stop_output();

} // namespace fake_qemu
