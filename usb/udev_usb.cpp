#include "usb/udev_usb.hpp"

#include <libudev.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/log.hpp"

namespace phyllome::usb {

namespace {

constexpr const char *kSubsystem = "usb";
constexpr const char *kDeviceType = "usb_device";
constexpr const char *kInterfaceType = "usb_interface";

std::string attribute(udev_device *device, const char *name)
{
    const char *value = udev_device_get_sysattr_value(device, name);
    if (!value)
        return {};
    std::string text(value);
    // sysfs strings end with a newline; libudev strips one, not spaces.
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

std::string property(udev_device *device, const char *name)
{
    const char *value = udev_device_get_property_value(device, name);
    return value ? value : "";
}

// A number in `base` (16 for ids and classes, 10 for bus and device
// numbers); `fallback` when absent or not a number.
unsigned long number(const std::string &text, int base, unsigned long fallback = 0)
{
    if (text.empty())
        return fallback;
    char *end = nullptr;
    errno = 0;
    const unsigned long value = std::strtoul(text.c_str(), &end, base);
    if (errno != 0 || end == text.c_str() || *end != '\0')
        return fallback;
    return value;
}

bool is(udev_device *device, const char *devtype)
{
    const char *type = udev_device_get_devtype(device);
    return type && std::strcmp(type, devtype) == 0;
}

// The ID_PATH of the controller the device hangs off: the first ancestor
// outside the usb subsystem that has one, else the root hub's.
std::string controller_id_path(udev_device *device)
{
    std::string root_hub;
    for (udev_device *up = udev_device_get_parent(device); up; up = udev_device_get_parent(up)) {
        const char *subsystem = udev_device_get_subsystem(up);
        const std::string path = property(up, "ID_PATH");
        if (path.empty())
            continue;
        if (!subsystem || std::strcmp(subsystem, kSubsystem) != 0)
            return path;
        const char *name = udev_device_get_sysname(up);
        if (root_hub.empty() && name && std::strncmp(name, "usb", 3) == 0)
            root_hub = path;
    }
    return root_hub;
}

// The port path: sysfs `devpath`, else what follows the bus in the sysname.
std::string port_path(udev_device *device, const std::string &sysname)
{
    std::string devpath = attribute(device, "devpath");
    if (devpath.empty()) {
        if (const auto dash = sysname.find('-'); dash != std::string::npos)
            devpath = sysname.substr(dash + 1);
    }
    return devpath;
}

std::vector<std::uint8_t> interface_classes(udev *context, udev_device *device)
{
    std::vector<std::uint8_t> classes;
    udev_enumerate *e = udev_enumerate_new(context);
    if (!e)
        return classes;
    udev_enumerate_add_match_parent(e, device);
    udev_enumerate_add_match_subsystem(e, kSubsystem);
    udev_enumerate_scan_devices(e);
    udev_list_entry *entry = nullptr;
    udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e))
    {
        udev_device *child = udev_device_new_from_syspath(context, udev_list_entry_get_name(entry));
        if (!child)
            continue;
        if (is(child, kInterfaceType)) {
            const unsigned long c = number(attribute(child, "bInterfaceClass"), 16, 0x100);
            if (c <= 0xff)
                classes.push_back(static_cast<std::uint8_t>(c));
        }
        udev_device_unref(child);
    }
    udev_enumerate_unref(e);
    return classes;
}

// The device's input devices (inputN, which carry the name libinput
// reports), as device rules see them.
std::vector<config::DeviceIdentity> input_identities(udev *context, udev_device *device)
{
    std::vector<config::DeviceIdentity> inputs;
    udev_enumerate *e = udev_enumerate_new(context);
    if (!e)
        return inputs;
    udev_enumerate_add_match_parent(e, device);
    udev_enumerate_add_match_subsystem(e, "input");
    udev_enumerate_scan_devices(e);
    udev_list_entry *entry = nullptr;
    udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e))
    {
        udev_device *child = udev_device_new_from_syspath(context, udev_list_entry_get_name(entry));
        if (!child)
            continue;
        const std::string name = attribute(child, "name");
        if (!name.empty()) {
            config::DeviceIdentity identity;
            identity.name = name;
            identity.vendor =
                static_cast<std::uint16_t>(number(attribute(child, "id/vendor"), 16) & 0xffff);
            identity.product =
                static_cast<std::uint16_t>(number(attribute(child, "id/product"), 16) & 0xffff);
            identity.id_path = property(child, "ID_PATH");
            identity.wl_seat = property(child, "WL_SEAT");
            identity.id_seat = property(child, "ID_SEAT");
            if (const char *sysname = udev_device_get_sysname(child))
                identity.sysname = sysname;
            inputs.push_back(std::move(identity));
        }
        udev_device_unref(child);
    }
    udev_enumerate_unref(e);
    return inputs;
}

} // namespace

void UdevUsb::UdevUnref::operator()(udev *u) const
{
    udev_unref(u);
}

void UdevUsb::MonitorUnref::operator()(udev_monitor *m) const
{
    udev_monitor_unref(m);
}

UsbDevice UdevUsb::read(udev *context, udev_device *device)
{
    UsbDevice out;
    if (const char *name = udev_device_get_sysname(device))
        out.sysname = name;
    if (const char *path = udev_device_get_syspath(device))
        out.syspath = path;
    out.busnum = static_cast<unsigned>(number(attribute(device, "busnum"), 10));
    out.devnum = static_cast<unsigned>(number(attribute(device, "devnum"), 10));
    out.vendor = static_cast<std::uint16_t>(number(attribute(device, "idVendor"), 16) & 0xffff);
    out.product = static_cast<std::uint16_t>(number(attribute(device, "idProduct"), 16) & 0xffff);
    out.manufacturer = attribute(device, "manufacturer");
    out.product_name = attribute(device, "product");
    out.id_seat = property(device, "ID_SEAT");
    out.id_path = property(device, "ID_PATH");
    if (out.id_path.empty())
        out.id_path = usb_id_path(controller_id_path(device), port_path(device, out.sysname));
    const unsigned long device_class = number(attribute(device, "bDeviceClass"), 16, 0);
    out.classes = usb_classes(static_cast<std::uint8_t>(device_class & 0xff),
                              interface_classes(context, device));
    out.inputs = input_identities(context, device);
    return out;
}

UdevUsb::UdevUsb(wl_event_loop *loop) : udev_(udev_new())
{
    if (!udev_) {
        problem_ = std::string("udev is not available: ") + std::strerror(errno);
        base::log_info("USB devices are not followed: %s", problem_.c_str());
        return;
    }
    // The monitor first, so that nothing plugged in while enumerating is
    // missed (it is then read twice, which changes nothing).
    monitor_.reset(udev_monitor_new_from_netlink(udev_.get(), "udev"));
    if (monitor_ &&
        udev_monitor_filter_add_match_subsystem_devtype(monitor_.get(), kSubsystem, kDeviceType) ==
            0 &&
        udev_monitor_enable_receiving(monitor_.get()) == 0) {
        watch_ = base::FdSource(loop, udev_monitor_get_fd(monitor_.get()), WL_EVENT_READABLE,
                                [this](uint32_t) { receive(); });
    } else {
        monitor_.reset();
        problem_ = "no udev monitor: USB devices plugged in later are not seen";
        base::log_info("%s", problem_.c_str());
    }
    enumerate();
}

UdevUsb::~UdevUsb() = default;

void UdevUsb::enumerate()
{
    udev_enumerate *e = udev_enumerate_new(udev_.get());
    if (!e)
        return;
    udev_enumerate_add_match_subsystem(e, kSubsystem);
    udev_enumerate_scan_devices(e);
    udev_list_entry *entry = nullptr;
    udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e))
    {
        udev_device *device =
            udev_device_new_from_syspath(udev_.get(), udev_list_entry_get_name(entry));
        if (!device)
            continue;
        if (is(device, kDeviceType))
            devices_.push_back(read(udev_.get(), device));
        udev_device_unref(device);
    }
    udev_enumerate_unref(e);
}

void UdevUsb::receive()
{
    // The socket does not block: take every event waiting.
    while (udev_device *device = udev_monitor_receive_device(monitor_.get())) {
        const char *action = udev_device_get_action(device);
        const std::string what = action ? action : "";
        if (is(device, kDeviceType)) {
            if (what == "remove") {
                if (const char *path = udev_device_get_syspath(device))
                    remove(path);
            } else if (what == "add" || what == "change" || what == "bind") {
                // "bind" comes once the interfaces are there: read again.
                upsert(read(udev_.get(), device));
            }
        }
        udev_device_unref(device);
    }
}

void UdevUsb::upsert(UsbDevice device)
{
    auto it = std::find_if(devices_.begin(), devices_.end(),
                           [&](const UsbDevice &d) { return d.syspath == device.syspath; });
    if (it != devices_.end()) {
        if (*it == device)
            return;
        *it = device;
        raise_added(device);
        return;
    }
    devices_.push_back(std::move(device));
    // A copy: a handler may reach back and read the list.
    const UsbDevice added = devices_.back();
    raise_added(added);
}

void UdevUsb::remove(const std::string &syspath)
{
    auto it = std::find_if(devices_.begin(), devices_.end(),
                           [&](const UsbDevice &d) { return d.syspath == syspath; });
    if (it == devices_.end())
        return;
    const UsbDevice gone = std::move(*it);
    devices_.erase(it);
    raise_removed(gone);
}

} // namespace phyllome::usb
