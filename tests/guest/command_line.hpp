// What the test guest's programs read from the kernel command line.
// Header only: each program is one static file built on its own
// (tests/meson.build).
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstring>

// The value of `key=` on the kernel command line, or "".
inline void command_line_value(const char *key, char *out, std::size_t size)
{
    out[0] = '\0';
    FILE *file = fopen("/proc/cmdline", "r");
    if (!file)
        return;
    char line[4096] = {};
    const std::size_t n = fread(line, 1, sizeof line - 1, file);
    fclose(file);
    line[n] = '\0';
    char pattern[64];
    snprintf(pattern, sizeof pattern, "%s=", key);
    const char *found = strstr(line, pattern);
    if (!found)
        return;
    found += strlen(pattern);
    std::size_t i = 0;
    while (found[i] && found[i] != ' ' && found[i] != '\n' && i + 1 < size) {
        out[i] = found[i];
        ++i;
    }
    out[i] = '\0';
}
