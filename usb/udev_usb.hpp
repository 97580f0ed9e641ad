// The USB devices as udev knows them: enumerated at start, then followed
// through a udev monitor whose socket is watched on the event loop.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <wayland-server-core.h>

#include "base/event_source.hpp"
#include "usb/usb_source.hpp"

struct udev;
struct udev_device;
struct udev_monitor;

namespace phyllome::usb {

class UdevUsb final : public UsbSource {
public:
    // Reads the devices present now. Without udev (no /sys, out of memory)
    // it has none and problem() says why; it never throws.
    explicit UdevUsb(wl_event_loop *loop);
    ~UdevUsb() override;
    UdevUsb(const UdevUsb &) = delete;
    UdevUsb &operator=(const UdevUsb &) = delete;

    const std::vector<UsbDevice> &devices() const override { return devices_; }
    // Why devices are not followed ("" when they are).
    const std::string &problem() const { return problem_; }

    // A usb_device as udev shows it (public for tests of the reading).
    static UsbDevice read(udev *context, udev_device *device);

private:
    void enumerate();
    void receive();
    void upsert(UsbDevice device);
    void remove(const std::string &syspath);

    struct UdevUnref {
        void operator()(udev *u) const;
    };
    struct MonitorUnref {
        void operator()(udev_monitor *m) const;
    };
    std::unique_ptr<udev, UdevUnref> udev_;
    std::unique_ptr<udev_monitor, MonitorUnref> monitor_;
    base::FdSource watch_;
    std::vector<UsbDevice> devices_;
    std::string problem_;
};

} // namespace phyllome::usb
