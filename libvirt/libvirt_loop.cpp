#include "libvirt/libvirt_loop.hpp"

#include <cstdio>
#include <map>
#include <mutex>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "base/log.hpp"

namespace phyllome::libvirt {
namespace {

// libvirt's interface is process-wide, so this state is too. libvirt may
// add, change and remove its handles and timeouts from any thread (a call
// made by a worker thread, say), but a wl_event_loop belongs to one thread:
// the wanted state is kept here under a lock, and the loop's thread makes
// its sources match it, woken through an eventfd when another thread
// changed something.
//
// The sources below stay raw wl_event_source pointers, not base/ owners:
// they sit in process-wide records that outlive any one loop (libvirt's
// handles move to the next LibvirtLoop), so an owner there would be
// destroyed with the statics at exit, after its loop. ~LibvirtLoop removes
// them by hand instead, under the lock, on the loop's thread.
struct Handle {
    int fd = -1;
    int events = 0;
    virEventHandleCallback callback = nullptr;
    void *opaque = nullptr;
    virFreeCallback free = nullptr;
    bool removed = false;
    wl_event_source *source = nullptr; // loop thread only
    int applied_events = -1;           // loop thread only
};

struct Timeout {
    int frequency_ms = -1; // -1: disabled; 0: as soon as possible, again and again
    virEventTimeoutCallback callback = nullptr;
    void *opaque = nullptr;
    virFreeCallback free = nullptr;
    bool removed = false;
    bool changed = true;
    wl_event_source *source = nullptr; // loop thread only
};

std::mutex g_mutex;
wl_event_loop *g_loop = nullptr;
std::thread::id g_loop_thread;
int g_wakeup = -1;
std::map<int, Handle> g_handles;
std::map<int, Timeout> g_timeouts;
int g_next_id = 1;

uint32_t to_wayland(int events)
{
    uint32_t mask = 0;
    if (events & VIR_EVENT_HANDLE_READABLE)
        mask |= WL_EVENT_READABLE;
    if (events & VIR_EVENT_HANDLE_WRITABLE)
        mask |= WL_EVENT_WRITABLE;
    return mask;
}

int to_libvirt(uint32_t mask)
{
    int events = 0;
    if (mask & WL_EVENT_READABLE)
        events |= VIR_EVENT_HANDLE_READABLE;
    if (mask & WL_EVENT_WRITABLE)
        events |= VIR_EVENT_HANDLE_WRITABLE;
    if (mask & WL_EVENT_HANGUP)
        events |= VIR_EVENT_HANDLE_HANGUP;
    if (mask & WL_EVENT_ERROR)
        events |= VIR_EVENT_HANDLE_ERROR;
    return events;
}

void *id_data(int id)
{
    return reinterpret_cast<void *>(static_cast<intptr_t>(id));
}
int data_id(void *data)
{
    return static_cast<int>(reinterpret_cast<intptr_t>(data));
}

// libvirt's free callbacks must run from a clean stack, never inside the
// remove call that released them: an idle source runs them. Kept in a list
// so that those still waiting when the loop goes are run then, not lost.
struct PendingFree {
    virFreeCallback free;
    void *opaque;
};
std::vector<PendingFree> g_pending_frees; // guarded by g_mutex
wl_event_source *g_frees_idle = nullptr;  // guarded by g_mutex

void run_pending_frees()
{
    std::vector<PendingFree> frees;
    {
        std::lock_guard lock(g_mutex);
        frees.swap(g_pending_frees);
        g_frees_idle = nullptr;
    }
    // Outside the lock: a free callback may call back into this event loop.
    for (const PendingFree &pending : frees)
        pending.free(pending.opaque);
}

// With g_mutex held, on the loop's thread.
void free_later(virFreeCallback free, void *opaque)
{
    if (!free)
        return;
    g_pending_frees.push_back({free, opaque});
    if (!g_frees_idle)
        g_frees_idle = wl_event_loop_add_idle(
            g_loop, [](void *) { run_pending_frees(); }, nullptr);
}

// The handle or timeout `id` unless libvirt removed it; null otherwise.
// With g_mutex held.
template <typename Entry> Entry *live(std::map<int, Entry> &entries, int id)
{
    const auto it = entries.find(id);
    return it == entries.end() || it->second.removed ? nullptr : &it->second;
}

int on_handle(int fd, uint32_t mask, void *data)
{
    virEventHandleCallback callback = nullptr;
    void *opaque = nullptr;
    {
        std::lock_guard lock(g_mutex);
        const Handle *handle = live(g_handles, data_id(data));
        if (!handle)
            return 0;
        callback = handle->callback;
        opaque = handle->opaque;
    }
    // Without the lock: the callback may update or remove handles.
    callback(data_id(data), fd, to_libvirt(mask), opaque);
    return 0;
}

void arm(Timeout &timeout)
{
    const int ms =
        timeout.frequency_ms < 0 ? 0 : (timeout.frequency_ms == 0 ? 1 : timeout.frequency_ms);
    wl_event_source_timer_update(timeout.source, ms);
}

int on_timeout(void *data)
{
    virEventTimeoutCallback callback = nullptr;
    void *opaque = nullptr;
    {
        std::lock_guard lock(g_mutex);
        Timeout *timeout = live(g_timeouts, data_id(data));
        if (!timeout)
            return 0;
        arm(*timeout); // before the callback, which may change it
        callback = timeout->callback;
        opaque = timeout->opaque;
    }
    callback(data_id(data), opaque);
    return 0;
}

// On the loop's thread, with the lock held: the sources follow the state.
void apply_locked()
{
    for (auto it = g_handles.begin(); it != g_handles.end();) {
        Handle &handle = it->second;
        if (handle.removed) {
            if (handle.source)
                wl_event_source_remove(handle.source);
            free_later(handle.free, handle.opaque);
            it = g_handles.erase(it);
            continue;
        }
        if (!handle.source) {
            handle.source = wl_event_loop_add_fd(g_loop, handle.fd, to_wayland(handle.events),
                                                 on_handle, id_data(it->first));
            handle.applied_events = handle.events;
        } else if (handle.applied_events != handle.events) {
            wl_event_source_fd_update(handle.source, to_wayland(handle.events));
            handle.applied_events = handle.events;
        }
        ++it;
    }
    for (auto it = g_timeouts.begin(); it != g_timeouts.end();) {
        Timeout &timeout = it->second;
        if (timeout.removed) {
            if (timeout.source)
                wl_event_source_remove(timeout.source);
            free_later(timeout.free, timeout.opaque);
            it = g_timeouts.erase(it);
            continue;
        }
        if (!timeout.source)
            timeout.source = wl_event_loop_add_timer(g_loop, on_timeout, id_data(it->first));
        if (timeout.changed && timeout.source) {
            arm(timeout);
            timeout.changed = false;
        }
        ++it;
    }
}

// After a change: applied now on the loop's thread, else the loop is woken.
void changed_locked()
{
    if (!g_loop)
        return; // applied when a loop attaches
    if (std::this_thread::get_id() == g_loop_thread) {
        apply_locked();
    } else {
        const uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = write(g_wakeup, &one, sizeof one);
    }
}

void on_wakeup()
{
    uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = read(g_wakeup, &count, sizeof count);
    std::lock_guard lock(g_mutex);
    apply_locked();
}

int add_handle(int fd, int events, virEventHandleCallback callback, void *opaque,
               virFreeCallback free)
{
    std::lock_guard lock(g_mutex);
    const int watch = g_next_id++;
    Handle &handle = g_handles[watch];
    handle.fd = fd;
    handle.events = events;
    handle.callback = callback;
    handle.opaque = opaque;
    handle.free = free;
    changed_locked();
    return watch;
}

// Removes a handle or timeout: its source and free callback go on the
// loop's thread. -1 when libvirt has no such one.
template <typename Entry> int remove_entry(std::map<int, Entry> &entries, int id)
{
    std::lock_guard lock(g_mutex);
    Entry *entry = live(entries, id);
    if (!entry)
        return -1;
    entry->removed = true;
    changed_locked();
    return 0;
}

void update_handle(int watch, int events)
{
    std::lock_guard lock(g_mutex);
    if (Handle *handle = live(g_handles, watch)) {
        handle->events = events;
        changed_locked();
    }
}

int remove_handle(int watch)
{
    return remove_entry(g_handles, watch);
}

int add_timeout(int frequency_ms, virEventTimeoutCallback callback, void *opaque,
                virFreeCallback free)
{
    std::lock_guard lock(g_mutex);
    const int timer = g_next_id++;
    Timeout &timeout = g_timeouts[timer];
    timeout.frequency_ms = frequency_ms;
    timeout.callback = callback;
    timeout.opaque = opaque;
    timeout.free = free;
    changed_locked();
    return timer;
}

void update_timeout(int timer, int frequency_ms)
{
    std::lock_guard lock(g_mutex);
    if (Timeout *timeout = live(g_timeouts, timer)) {
        timeout->frequency_ms = frequency_ms;
        timeout->changed = true;
        changed_locked();
    }
}

int remove_timeout(int timer)
{
    return remove_entry(g_timeouts, timer);
}

} // namespace

LibvirtLoop::LibvirtLoop(wl_event_loop *loop)
{
    std::lock_guard lock(g_mutex);
    static bool registered = false;
    if (g_loop) {
        base::log_info("libvirt's events already go to another loop; not moving them");
        return;
    }
    g_loop = loop;
    g_loop_thread = std::this_thread::get_id();
    if (g_wakeup < 0)
        g_wakeup = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    wakeup_source_ =
        base::FdSource(loop, g_wakeup, WL_EVENT_READABLE, [](uint32_t) { on_wakeup(); });
    owner_ = true;
    if (!registered) {
        virInitialize();
        // The session logs libvirt's errors itself, once, where it handles them.
        virSetErrorFunc(nullptr, [](void *, virErrorPtr) {});
        virEventRegisterImpl(add_handle, update_handle, remove_handle, add_timeout, update_timeout,
                             remove_timeout);
        registered = true;
    }
    // Handles and timeouts libvirt made while no loop served it.
    for (auto &[id, timeout] : g_timeouts)
        timeout.changed = true;
    apply_locked();
}

LibvirtLoop::~LibvirtLoop()
{
    if (!owner_)
        return;
    {
        std::lock_guard lock(g_mutex);
        // libvirt's records stay; only this loop's sources go with it.
        for (auto &[id, handle] : g_handles) {
            if (handle.source)
                wl_event_source_remove(handle.source);
            handle.source = nullptr;
        }
        for (auto &[id, timeout] : g_timeouts) {
            if (timeout.source)
                wl_event_source_remove(timeout.source);
            timeout.source = nullptr;
        }
        wakeup_source_ = {};
        if (g_frees_idle)
            wl_event_source_remove(g_frees_idle);
        g_frees_idle = nullptr;
        g_loop = nullptr;
    }
    // What libvirt asked to free and the idle source had not run yet.
    run_pending_frees();
}

} // namespace phyllome::libvirt
