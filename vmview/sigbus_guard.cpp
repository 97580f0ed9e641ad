#include "vmview/sigbus_guard.hpp"

#include <array>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <mutex>
#include <sys/mman.h>

namespace phyllome::vmview::sigbus_guard {
namespace {

struct Range {
    std::atomic<std::uintptr_t> base{0}; // 0: free
    std::atomic<std::size_t> length{0};
    std::atomic<bool> tripped{false};
};

std::array<Range, kMaxRanges> ranges;
struct sigaction previous {};
std::once_flag installed;
std::mutex slots; // writers only; the handler never locks

// Only async-signal-safe work here: atomics and mmap.
void on_sigbus(int, siginfo_t *info, void *)
{
    const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
    for (Range &range : ranges) {
        const std::uintptr_t base = range.base.load();
        const std::size_t length = range.length.load();
        if (base == 0 || address < base || address - base >= length)
            continue;
        // Zero pages where the file's pages were: the faulting read resumes.
        if (mmap(reinterpret_cast<void *>(base), length, PROT_READ,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
            range.tripped.store(true);
            return;
        }
        break;
    }
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

int watch(const void *base, std::size_t length)
{
    std::call_once(installed, install);
    std::lock_guard lock(slots);
    for (int slot = 0; slot < kMaxRanges; ++slot) {
        Range &range = ranges[static_cast<std::size_t>(slot)];
        if (range.base.load() != 0)
            continue;
        // Base last: the handler takes a slot by its base.
        range.length.store(length);
        range.tripped.store(false);
        range.base.store(reinterpret_cast<std::uintptr_t>(base));
        return slot;
    }
    return -1;
}

void unwatch(int slot)
{
    std::lock_guard lock(slots);
    if (slot >= 0 && slot < kMaxRanges)
        ranges[static_cast<std::size_t>(slot)].base.store(0);
}

bool tripped(int slot)
{
    return slot >= 0 && slot < kMaxRanges && ranges[static_cast<std::size_t>(slot)].tripped.load();
}

} // namespace phyllome::vmview::sigbus_guard
