// QEMU's side of one console's Listener connection, in process: a socketpair
// whose one end is a real vmview::Console and whose other end is an sd-bus
// server connection the benchmark sends Listener calls on. Both connections
// run on one wl_event_loop, so a call's round trip is: build and write the
// message, the Console's handler runs, its reply comes back.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <systemd/sd-bus.h>
#include <wayland-server-core.h>

#include "vmview/bus_source.hpp"
#include "vmview/console.hpp"

namespace phyllome::bench {

// QEMU's end of a listener's socketpair: an sd-bus connection that is the
// authentication server, as QEMU's is, started. Takes `fd`; throws
// std::runtime_error.
sd_bus *open_qemu_side(int fd);

class ListenerPeer final : public vmview::ConsoleObserver {
public:
    ListenerPeer(uint32_t width, uint32_t height);
    ~ListenerPeer() override;
    ListenerPeer(const ListenerPeer &) = delete;
    ListenerPeer &operator=(const ListenerPeer &) = delete;

    vmview::Console &console() { return *console_; }

    // Sends a built call and runs the loop until its reply; false (with
    // error set) when the Console answered with an error. Takes the message.
    bool call(sd_bus_message *message, std::string &error);
    // A new method call on the Listener object.
    sd_bus_message *new_call(const char *interface, const char *member);

    // Times the Console's observer was told of new damage since the last call.
    uint64_t take_damage_events() { return std::exchange(damage_events_, 0); }

    void frame_replaced(vmview::Console &) override {}
    void frame_damaged(vmview::Console &, std::span<const base::Rect>) override;
    void cursor_changed(vmview::Console &) override {}

private:
    wl_event_loop *loop_ = nullptr;
    sd_bus *peer_ = nullptr;
    std::unique_ptr<vmview::BusSource> peer_source_;
    std::unique_ptr<vmview::Console> console_;
    uint64_t damage_events_ = 0;
    bool present_pending_ = false;
};

inline constexpr const char *kListenerInterface = "org.qemu.Display1.Listener";
inline constexpr const char *kMapInterface = "org.qemu.Display1.Listener.Unix.Map";

} // namespace phyllome::bench
