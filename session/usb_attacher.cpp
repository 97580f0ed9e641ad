#include "session/usb_attacher.hpp"

#include "libvirt/usb_hostdev.hpp"

namespace phyllome {

namespace {

libvirt::UsbHostdev hostdev_of(const usb::UsbDevice &device)
{
    return {device.sysname, device.busnum, device.devnum, device.vendor, device.product};
}

} // namespace

void LibvirtUsbAttacher::attach(const std::string &vm, const usb::UsbDevice &device, Done done)
{
    libvirt::VmLink *link = fleet_.link(vm);
    if (!link)
        return done("VM '" + vm + "' is not followed through libvirt");
    link->attach_usb(hostdev_of(device), [done](const std::string &error) { done(error); });
}

void LibvirtUsbAttacher::detach(const std::string &vm, const usb::UsbDevice &device, Done done)
{
    libvirt::VmLink *link = fleet_.link(vm);
    if (!link)
        return done("VM '" + vm + "' is not followed through libvirt");
    link->detach_usb(hostdev_of(device), [done](const std::string &error) { done(error); });
}

} // namespace phyllome
