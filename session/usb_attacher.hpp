// The USB router's hands: a host USB device into a VM and out again,
// through the VM's libvirt link (a live <hostdev>, libvirt/usb_hostdev.hpp).
// A VM the session does not follow through libvirt (--vm-fd) takes none.
#pragma once

#include "session/usb_router.hpp"
#include "session/vm_fleet.hpp"

namespace phyllome {

class LibvirtUsbAttacher final : public UsbRouter::Attacher {
public:
    explicit LibvirtUsbAttacher(VmFleet &fleet) : fleet_(fleet) {}

    void attach(const std::string &vm, const usb::UsbDevice &device, Done done) override;
    void detach(const std::string &vm, const usb::UsbDevice &device, Done done) override;

private:
    VmFleet &fleet_;
};

} // namespace phyllome
