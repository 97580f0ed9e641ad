#include "usb/usb_device.hpp"

#include <algorithm>

namespace phyllome::usb {

namespace {
constexpr std::uint8_t kPerInterface = 0x00;
constexpr std::uint8_t kMisc = 0xef;
constexpr std::uint8_t kHub = 0x09;
} // namespace

std::string UsbDevice::name() const
{
    if (manufacturer.empty())
        return product_name;
    if (product_name.empty())
        return manufacturer;
    return manufacturer + " " + product_name;
}

bool UsbDevice::hub() const
{
    // Root hubs are "usb1", "usb2": no port.
    return std::find(classes.begin(), classes.end(), kHub) != classes.end() ||
           sysname.starts_with("usb");
}

config::DeviceIdentity UsbDevice::identity() const
{
    config::DeviceIdentity identity;
    identity.name = name();
    identity.vendor = vendor;
    identity.product = product;
    identity.id_path = id_path;
    identity.id_seat = id_seat;
    identity.sysname = sysname;
    return identity;
}

std::vector<std::uint8_t> usb_classes(std::uint8_t device_class,
                                      const std::vector<std::uint8_t> &interface_classes)
{
    if (device_class != kPerInterface && device_class != kMisc)
        return {device_class};
    std::vector<std::uint8_t> classes;
    for (const std::uint8_t c : interface_classes)
        if (std::find(classes.begin(), classes.end(), c) == classes.end())
            classes.push_back(c);
    // A misc device without interfaces yet is still misc; a per-interface
    // one is unknown until they come.
    if (classes.empty() && device_class == kMisc)
        classes.push_back(kMisc);
    return classes;
}

std::string usb_id_path(std::string_view controller_id_path, std::string_view devpath)
{
    if (controller_id_path.empty() || devpath.empty())
        return {};
    return std::string(controller_id_path) + "-usb-0:" + std::string(devpath);
}

} // namespace phyllome::usb
