// Survives a sender that shrinks a file we mapped. QEMU's display memfds are
// not sealed against shrinking (F_SEAL_SHRINK), so a QEMU gone bad could
// truncate one while the renderer reads it, and the read would raise SIGBUS
// and end the session: every seat's VMs would go dark. A guarded range that
// faults is replaced by zero pages and marked tripped, so the read finishes
// (a black frame) and the console can drop the mapping. A SIGBUS anywhere
// else gets the handler that was there before (the default: the process
// ends, as without this guard).
//
// libwayland installs a SIGBUS handler of its own (for wl_shm pools) the
// first time a client's shm buffer is read, after this one; for faults not
// in its pools it re-raises SIGBUS, which then carries no fault address. So
// a SIGBUS without a guarded address is matched by the files instead: a
// guarded range whose file is now shorter than the mapping is the one.
#pragma once

#include <cstddef>
#include <cstdint>

namespace phyllome::vmview::sigbus_guard {

// How many ranges can be guarded at once (a handful per console).
inline constexpr int kMaxRanges = 256;

// Guards [base, base + length), mapped from `fd` at file offset
// `file_offset`; the slot, or -1 when every slot is taken. Keeps a
// duplicate of fd (to see whether the file shrank). Installs the handler on
// first use.
int watch(const void *base, std::size_t length, int fd, std::uint64_t file_offset);
// Stops guarding; call before unmapping the range.
void unwatch(int slot);
// Whether the range faulted (the file shrank) and now reads as zeros.
bool tripped(int slot);

} // namespace phyllome::vmview::sigbus_guard
