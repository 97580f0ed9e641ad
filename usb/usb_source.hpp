// Where the USB devices come from: udev (udev_usb.hpp) in the session, a
// plain list in tests.
#pragma once

#include <functional>
#include <vector>

#include "usb/usb_device.hpp"

namespace phyllome::usb {

class UsbSource {
public:
    struct Handlers {
        // A device appeared, or one known changed (read again after its
        // interfaces came): the new state, same sysname.
        std::function<void(const UsbDevice &)> added;
        // A device went; the last state known of it.
        std::function<void(const UsbDevice &)> removed;
    };

    virtual ~UsbSource() = default;
    // Every device present now, in the order they came.
    virtual const std::vector<UsbDevice> &devices() const = 0;
    void set_handlers(Handlers handlers) { handlers_ = std::move(handlers); }

protected:
    void raise_added(const UsbDevice &device) const
    {
        if (handlers_.added)
            handlers_.added(device);
    }
    void raise_removed(const UsbDevice &device) const
    {
        if (handlers_.removed)
            handlers_.removed(device);
    }

private:
    Handlers handlers_;
};

} // namespace phyllome::usb
