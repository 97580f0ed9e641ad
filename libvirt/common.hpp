// What every libvirt caller of the session shares: libvirt's last error in
// words, and the one retry policy (a failed connection, a display that would
// not open, a domain that could not be looked at are tried again after 250 ms,
// doubling up to 8 s, never spinning).
#pragma once

#include <string>

namespace phyllome::libvirt {

// The calling thread's last libvirt error message.
std::string last_libvirt_error();

constexpr int kFirstRetryMs = 250;
constexpr int kLastRetryMs = 8000;

// The wait before the next try, after waiting `previous_ms` (0: none yet).
constexpr int next_retry_ms(int previous_ms)
{
    return previous_ms ? (previous_ms * 2 < kLastRetryMs ? previous_ms * 2 : kLastRetryMs)
                       : kFirstRetryMs;
}

} // namespace phyllome::libvirt
