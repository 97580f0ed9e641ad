#include "vmview/sigbus_guard.hpp"

#include <array>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace phyllome::vmview::sigbus_guard {
namespace {

struct Range {
    std::atomic<std::uintptr_t> base{0}; // 0: free
    std::atomic<std::size_t> length{0};
    std::atomic<int> fd{-1};                // a duplicate, to fstat
    std::atomic<std::uint64_t> file_end{0}; // the file size the mapping needs
    std::atomic<bool> tripped{false};
};

// Zero pages where the file's pages were: a faulting read resumes.
bool replace_with_zeros(Range &range, std::uintptr_t base, std::size_t length)
{
    if (mmap(reinterpret_cast<void *>(base), length, PROT_READ,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
        return false;
    range.tripped.store(true);
    return true;
}

std::array<Range, kMaxRanges> ranges;
struct sigaction previous {};
std::once_flag installed;
std::mutex slots; // writers only; the handler never locks

// Only async-signal-safe work here: atomics, fstat and mmap.
void on_sigbus(int, siginfo_t *info, void *)
{
    const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
    const bool fault = info->si_code > 0; // from the kernel: si_addr is the address
    bool handled = false;
    for (Range &range : ranges) {
        const std::uintptr_t base = range.base.load();
        const std::size_t length = range.length.load();
        if (base == 0 || range.tripped.load())
            continue;
        bool shrank;
        if (fault) {
            shrank = address >= base && address - base < length;
        } else {
            struct stat st {};
            const int fd = range.fd.load();
            shrank = fd >= 0 && fstat(fd, &st) == 0 &&
                     static_cast<std::uint64_t>(st.st_size) < range.file_end.load();
        }
        if (shrank && replace_with_zeros(range, base, length))
            handled = true;
    }
    if (handled)
        return;
    // Not ours: the fault happens again under the handler from before.
    sigaction(SIGBUS, &previous, nullptr);
}

void install()
{
    struct sigaction action {};
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &previous);
}

} // namespace

int watch(const void *base, std::size_t length, int fd, std::uint64_t file_offset)
{
    std::call_once(installed, install);
    std::lock_guard lock(slots);
    for (int slot = 0; slot < kMaxRanges; ++slot) {
        Range &range = ranges[static_cast<std::size_t>(slot)];
        if (range.base.load() != 0)
            continue;
        const int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (copy < 0)
            return -1;
        // Base last: the handler takes a slot by its base.
        range.length.store(length);
        range.fd.store(copy);
        range.file_end.store(file_offset + length);
        range.tripped.store(false);
        range.base.store(reinterpret_cast<std::uintptr_t>(base));
        return slot;
    }
    return -1;
}

void unwatch(int slot)
{
    std::lock_guard lock(slots);
    if (slot < 0 || slot >= kMaxRanges)
        return;
    Range &range = ranges[static_cast<std::size_t>(slot)];
    range.base.store(0);
    const int fd = range.fd.exchange(-1);
    if (fd >= 0)
        close(fd);
}

bool tripped(int slot)
{
    return slot >= 0 && slot < kMaxRanges && ranges[static_cast<std::size_t>(slot)].tripped.load();
}

} // namespace phyllome::vmview::sigbus_guard
