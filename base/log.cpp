#include "base/log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

#include "base/text.hpp"

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
    static const timespec start = [] {
        timespec now{};
        clock_gettime(CLOCK_MONOTONIC, &now);
        return now;
    }();
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    char buffer[1024];
    va_list copy;
    va_copy(copy, args);
    const int size = std::vsnprintf(buffer, sizeof buffer, format, copy);
    va_end(copy);
    std::string message;
    if (size >= static_cast<int>(sizeof buffer)) {
        message.resize(static_cast<std::size_t>(size) + 1);
        std::vsnprintf(message.data(), message.size(), format, args);
        message.resize(static_cast<std::size_t>(size));
    } else if (size > 0) {
        message.assign(buffer, static_cast<std::size_t>(size));
    }
    // One write per line, so lines from libvirt's threads never interleave.
    std::fprintf(stderr, "%02ld:%02ld:%02ld.%03ld [%s] %s\n", ms / 3600000, ms / 60000 % 60,
                 ms / 1000 % 60, ms % 1000, level_name(level), printable(message).c_str());
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
