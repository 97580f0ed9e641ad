// The USB router's hands: a host USB device into a VM and out again,
// through the VM's libvirt link (a live <hostdev>, libvirt/usb_hostdev.hpp).
// A VM the session does not follow through libvirt (--vm-fd) takes none.
// Devices are named by their hostdev alias; the hostdevs a VM was found
// holding are kept, so that one is taken out as the VM's XML names it (a
// device plugged in again since has another address).
#pragma once

#include <map>
#include <memory>

#include "libvirt/usb_hostdev.hpp"
#include "session/usb_router.hpp"
#include "session/vm_fleet.hpp"

namespace phyllome {

class LibvirtUsbAttacher final : public UsbRouter::Attacher {
public:
    explicit LibvirtUsbAttacher(VmFleet &fleet) : fleet_(fleet) {}

    void attach(const std::string &vm, const usb::UsbDevice &device, Done done) override;
    void detach(const std::string &vm, const usb::UsbDevice &device, Done done) override;
    void held(const std::string &vm, HeldDone done) override;
    std::string id_of(const usb::UsbDevice &device) const override;
    void detach_held(const std::string &vm, const std::string &id, Done done) override;

private:
    // VM -> alias -> the hostdev as its live XML has it. Shared with the
    // answers, which may come after the attacher is gone.
    using Held = std::map<std::string, std::map<std::string, libvirt::UsbHostdev>>;
    void detach_hostdev(libvirt::VmLink &link, const std::string &vm,
                        const libvirt::UsbHostdev &hostdev, Done done);

    VmFleet &fleet_;
    std::shared_ptr<Held> held_ = std::make_shared<Held>();
};

} // namespace phyllome
