// The session's one logger: every folder logs through it, and wlroots' own
// messages are routed into it (session/main.cpp), so the log has one format:
// "HH:MM:SS.mmm [LEVEL] message" on stderr (the time since the start), with
// every control character escaped.
#pragma once

#include <cstdarg>

namespace phyllome::base {

enum class LogLevel { Error = 1, Info = 2, Debug = 3 };

// Messages above `level` are dropped (default: Info).
void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);

void vlog(LogLevel level, const char *format, va_list args);
void log(LogLevel level, const char *format, ...) __attribute__((format(printf, 2, 3)));
void log_error(const char *format, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *format, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *format, ...) __attribute__((format(printf, 1, 2)));

} // namespace phyllome::base
