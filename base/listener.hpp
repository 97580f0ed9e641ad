// RAII for wl_listener: a Listener removes itself from its signal when it is
// destroyed, so an object that owns its listeners can never be called after
// it is gone.
#pragma once

#include <functional>
#include <utility>

#include <wayland-server-core.h>

namespace phyllome::base {

class Listener {
public:
    using Callback = std::function<void(void *data)>;

    Listener()
    {
        slot_.owner = this;
        slot_.listener.notify = &Listener::dispatch;
        wl_list_init(&slot_.listener.link);
    }
    ~Listener() { disconnect(); }

    Listener(const Listener &) = delete;
    Listener &operator=(const Listener &) = delete;

    void connect(wl_signal *signal, Callback callback)
    {
        disconnect();
        callback_ = std::move(callback);
        wl_signal_add(signal, &slot_.listener);
    }

    void disconnect()
    {
        wl_list_remove(&slot_.listener.link);
        wl_list_init(&slot_.listener.link);
    }

    bool connected() const { return !wl_list_empty(&slot_.listener.link); }

private:
    // Standard-layout, so wl_container_of (offsetof) is well defined on it;
    // Listener itself holds a std::function and is not.
    struct Slot {
        wl_listener listener;
        Listener *owner;
    };

    static void dispatch(wl_listener *listener, void *data)
    {
        Slot *slot = wl_container_of(listener, slot, listener);
        // The callback may destroy this Listener (a destroy handler deleting
        // its owner); nothing touches the Listener after the call.
        slot->owner->callback_(data);
    }

    Slot slot_{};
    Callback callback_;
};

} // namespace phyllome::base
