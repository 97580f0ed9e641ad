#include "output.hpp"

#include <cstdio>

namespace fake_qemu {
namespace {
bool stopped = false;
}

void print_line(const std::string &line)
{
    if (stopped)
        return;
    fprintf(stdout, "%s\n", line.c_str());
    fflush(stdout);
}

void stop_output()
{
    stopped = true;
}

} // namespace fake_qemu
