#include "session/usb_attacher.hpp"

#include "libvirt/usb_hostdev.hpp"

namespace phyllome {

namespace {

libvirt::UsbHostdev hostdev_of(const usb::UsbDevice &device)
{
    return {device.sysname, device.busnum, device.devnum, device.vendor, device.product};
}

std::string id_of_hostdev(const libvirt::UsbHostdev &hostdev)
{
    return libvirt::usb_hostdev_alias(hostdev.sysname).value_or("");
}

} // namespace

std::string LibvirtUsbAttacher::id_of(const usb::UsbDevice &device) const
{
    return libvirt::usb_hostdev_alias(device.sysname).value_or("");
}

void LibvirtUsbAttacher::attach(const std::string &vm, const usb::UsbDevice &device, Done done)
{
    libvirt::VmLink *link = fleet_.link(vm);
    if (!link)
        return done("VM '" + vm + "' is not followed through libvirt");
    (*held_)[vm].erase(id_of(device));
    link->attach_usb(hostdev_of(device), [done](const std::string &error) { done(error); });
}

void LibvirtUsbAttacher::detach(const std::string &vm, const usb::UsbDevice &device, Done done)
{
    libvirt::VmLink *link = fleet_.link(vm);
    if (!link)
        return done("VM '" + vm + "' is not followed through libvirt");
    const auto &found = (*held_)[vm];
    const auto it = found.find(id_of(device));
    detach_hostdev(*link, vm, it != found.end() ? it->second : hostdev_of(device), std::move(done));
}

void LibvirtUsbAttacher::detach_held(const std::string &vm, const std::string &id, Done done)
{
    libvirt::VmLink *link = fleet_.link(vm);
    if (!link)
        return done("VM '" + vm + "' is not followed through libvirt");
    const auto &found = (*held_)[vm];
    const auto it = found.find(id);
    if (it == found.end())
        return done("VM '" + vm + "' was not found holding '" + id + "'");
    detach_hostdev(*link, vm, it->second, std::move(done));
}

void LibvirtUsbAttacher::detach_hostdev(libvirt::VmLink &link, const std::string &vm,
                                        const libvirt::UsbHostdev &hostdev, Done done)
{
    link.detach_usb(hostdev, [done, held = held_, vm,
                              alias = id_of_hostdev(hostdev)](const std::string &error) {
        if (error.empty())
            (*held)[vm].erase(alias);
        done(error);
    });
}

void LibvirtUsbAttacher::held(const std::string &vm, HeldDone done)
{
    libvirt::VmLink *link = fleet_.link(vm);
    if (!link)
        return done({}, ""); // holds nothing the session gave
    held_->erase(vm);
    link->usb_hostdevs([done, held = held_, vm](const std::vector<libvirt::UsbHostdev> &found,
                                                const std::string &error) {
        std::vector<std::string> ids;
        auto &kept = (*held)[vm];
        for (const libvirt::UsbHostdev &hostdev : found) {
            const std::string alias = id_of_hostdev(hostdev);
            kept[alias] = hostdev;
            ids.push_back(alias);
        }
        done(std::move(ids), error);
    });
}

} // namespace phyllome
