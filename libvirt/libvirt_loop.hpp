// libvirt's event loop, run by the compositor's wl_event_loop: libvirt's
// handles become fd sources and its timeouts become timers, so domain events
// arrive on the display loop with no second loop and no polling.
#pragma once

#include <wayland-server-core.h>

#include "base/event_source.hpp"

namespace phyllome::libvirt {

// While it lives, libvirt's events are served by `loop`. libvirt takes one
// implementation per process, registered by the first LibvirtLoop before
// any connection is opened; a later LibvirtLoop (a new loop, in tests) takes
// over libvirt's handles and timeouts once the previous one is gone. One at
// a time.
class LibvirtLoop {
public:
    explicit LibvirtLoop(wl_event_loop *loop);
    ~LibvirtLoop();
    LibvirtLoop(const LibvirtLoop &) = delete;
    LibvirtLoop &operator=(const LibvirtLoop &) = delete;

private:
    base::FdSource wakeup_source_; // another thread changed libvirt's handles
    bool owner_ = false;
};

} // namespace phyllome::libvirt
