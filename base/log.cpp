#include "base/log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

namespace phyllome::base {
namespace {

std::atomic<LogLevel> max_level{LogLevel::Info};

const char *level_name(LogLevel level)
{
    switch (level) {
    case LogLevel::Error:
        return "ERROR";
    case LogLevel::Info:
        return "INFO";
    case LogLevel::Debug:
        return "DEBUG";
    }
    return "?";
}

} // namespace

void set_log_level(LogLevel level) { max_level = level; }

bool log_enabled(LogLevel level) { return level <= max_level.load(); }

void vlog(LogLevel level, const char *format, va_list args)
{
    if (!log_enabled(level))
        return;
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const long ms = now.tv_nsec / 1000000;
    const long s = now.tv_sec;
    // One write per message, so lines from libvirt's threads never interleave.
    char message[2048];
    std::vsnprintf(message, sizeof message, format, args);
    std::fprintf(stderr, "%02ld:%02ld:%02ld.%03ld [%s] %s\n", s / 3600 % 100, s / 60 % 60, s % 60,
                 ms, level_name(level), message);
}

void log(LogLevel level, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vlog(level, format, args);
    va_end(args);
}

#define PHYLLOME_LOG_AT(name, level)                                                               \
    void name(const char *format, ...)                                                             \
    {                                                                                              \
        va_list args;                                                                              \
        va_start(args, format);                                                                    \
        vlog(level, format, args);                                                                 \
        va_end(args);                                                                              \
    }
PHYLLOME_LOG_AT(log_error, LogLevel::Error)
PHYLLOME_LOG_AT(log_info, LogLevel::Info)
PHYLLOME_LOG_AT(log_debug, LogLevel::Debug)
#undef PHYLLOME_LOG_AT

} // namespace phyllome::base
