#include "display.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <unistd.h>

namespace fake_qemu {
namespace {

constexpr const char *kRoot = "/org/qemu/Display1";
constexpr const char *kVmPath = "/org/qemu/Display1/VM";
constexpr const char *kConsolePath = "/org/qemu/Display1/Console_0";
constexpr std::string_view kVm = "org.qemu.Display1.VM";
constexpr std::string_view kConsole = "org.qemu.Display1.Console";
constexpr std::string_view kKeyboard = "org.qemu.Display1.Keyboard";
constexpr std::string_view kMouse = "org.qemu.Display1.Mouse";
constexpr std::string_view kMultiTouch = "org.qemu.Display1.MultiTouch";
constexpr const char *kErrorInvalid = "org.qemu.Display1.Error.Invalid";
constexpr const char *kErrorUnsupported = "org.qemu.Display1.Error.Unsupported";
constexpr const char *kErrorFailed = "org.qemu.Display1.Error.Failed";
constexpr int32_t kMaxTouchSlots = 10;

// QEMU checks no caller privileges; sd-bus would otherwise want CAP_SYS_ADMIN
// from callers of another uid.
constexpr uint64_t kMethod = SD_BUS_VTABLE_UNPRIVILEGED;
constexpr uint64_t kProperty = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;

Display *self_of(void *userdata)
{
    return static_cast<Display *>(userdata);
}

} // namespace

Display::Display(sd_bus *bus, const Options &options, DisplayHooks &hooks)
    : bus_(bus), options_(options), hooks_(hooks), width_(options.width), height_(options.height)
{
}

int Display::export_objects()
{
    const bool interfaces = options_.version.has_interfaces();
    auto finish = [&](std::vector<sd_bus_vtable> table, bool with_interfaces) {
        if (with_interfaces)
            table.push_back(SD_BUS_PROPERTY("Interfaces", "as", get_property, 0, kProperty));
        table.push_back(SD_BUS_VTABLE_END);
        vtables_.push_back(std::move(table));
    };
    finish({SD_BUS_VTABLE_START(0), SD_BUS_PROPERTY("Name", "s", get_property, 0, kProperty),
            SD_BUS_PROPERTY("UUID", "s", get_property, 0, kProperty),
            SD_BUS_PROPERTY("ConsoleIDs", "au", get_property, 0, kProperty)},
           interfaces);
    finish({SD_BUS_VTABLE_START(0),
            SD_BUS_METHOD("RegisterListener", "h", "", on_register_listener, kMethod),
            SD_BUS_METHOD("SetUIInfo", "qqiiuu", "", on_set_ui_info, kMethod),
            SD_BUS_PROPERTY("Label", "s", get_property, 0, kProperty),
            SD_BUS_PROPERTY("Head", "u", get_property, 0, kProperty),
            SD_BUS_PROPERTY("Type", "s", get_property, 0, kProperty),
            SD_BUS_PROPERTY("Width", "u", get_property, 0, kProperty),
            SD_BUS_PROPERTY("Height", "u", get_property, 0, kProperty),
            SD_BUS_PROPERTY("DeviceAddress", "s", get_property, 0, kProperty)},
           interfaces);
    finish({SD_BUS_VTABLE_START(0), SD_BUS_METHOD("Press", "u", "", on_key, kMethod),
            SD_BUS_METHOD("Release", "u", "", on_key, kMethod),
            SD_BUS_PROPERTY("Modifiers", "u", get_property, 0, kProperty)},
           false);
    finish({SD_BUS_VTABLE_START(0), SD_BUS_METHOD("Press", "u", "", on_button, kMethod),
            SD_BUS_METHOD("Release", "u", "", on_button, kMethod),
            SD_BUS_METHOD("SetAbsPosition", "uu", "", on_set_abs_position, kMethod),
            SD_BUS_METHOD("RelMotion", "ii", "", on_rel_motion, kMethod),
            SD_BUS_PROPERTY("IsAbsolute", "b", get_property, 0, kProperty)},
           false);
    if (interfaces) {
        finish({SD_BUS_VTABLE_START(0), SD_BUS_METHOD("SendEvent", "utdd", "", on_touch, kMethod),
                SD_BUS_PROPERTY("MaxSlots", "i", get_property, 0, kProperty)},
               false);
    }

    const std::pair<const char *, std::string_view> objects[] = {
        {kVmPath, kVm},         {kConsolePath, kConsole},    {kConsolePath, kKeyboard},
        {kConsolePath, kMouse}, {kConsolePath, kMultiTouch},
    };
    for (size_t i = 0; i < vtables_.size(); ++i) {
        sd_bus_slot *slot = nullptr;
        const int r = sd_bus_add_object_vtable(bus_, &slot, objects[i].first,
                                               objects[i].second.data(), vtables_[i].data(), this);
        if (r < 0)
            return r;
        slots_.emplace_back(slot);
    }
    sd_bus_slot *slot = nullptr;
    const int r = sd_bus_add_object_manager(bus_, &slot, kRoot);
    if (r < 0)
        return r;
    slots_.emplace_back(slot);
    return 0;
}

void Display::emit(const char *interface, const char *property)
{
    const int r = sd_bus_emit_properties_changed(bus_, kConsolePath, interface, property, nullptr);
    if (r < 0)
        fprintf(stderr, "fake-qemu: PropertiesChanged %s: %s\n", property, strerror(-r));
}

void Display::set_size(uint32_t width, uint32_t height)
{
    if (width == width_ && height == height_)
        return;
    width_ = width;
    height_ = height;
    const int r = sd_bus_emit_properties_changed(bus_, kConsolePath, kConsole.data(), "Width",
                                                 "Height", nullptr);
    if (r < 0)
        fprintf(stderr, "fake-qemu: PropertiesChanged Width/Height: %s\n", strerror(-r));
}

void Display::set_mouse_absolute(bool absolute)
{
    const bool before = is_absolute_property();
    absolute_ = absolute;
    if (is_absolute_property() != before)
        emit(kMouse.data(), "IsAbsolute");
}

void Display::set_modifiers(uint32_t modifiers)
{
    if (modifiers == modifiers_)
        return;
    modifiers_ = modifiers;
    emit(kKeyboard.data(), "Modifiers");
}

std::string Display::take_events()
{
    std::string out;
    for (const auto &event : events_)
        out += " " + event;
    events_.clear();
    return out;
}

// 7.2 never initialises IsAbsolute (reference §7.2); the fake keeps it false
// so that clients must rely on the "not absolute/relative" errors there.
bool Display::is_absolute_property() const
{
    return options_.version.tracks_absolute_mode() && absolute_;
}

int Display::on_register_listener(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    Display *self = self_of(userdata);
    int fd = -1;
    int r = sd_bus_message_read(m, "h", &fd);
    if (r < 0)
        return r;
    const int listener_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (listener_fd < 0)
        return sd_bus_reply_method_errorf(m, kErrorFailed, "Couldn't get peer fd: %s",
                                          strerror(errno));
    r = sd_bus_reply_method_return(m, "");
    if (r < 0) {
        close(listener_fd);
        return r;
    }
    // QEMU answers before it starts its handshake; the answer must have left
    // before we block in ours, or a client waiting for it would never start.
    sd_bus_flush(self->bus_);
    self->hooks_.register_listener(listener_fd);
    return 1;
}

int Display::on_set_ui_info(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    Display *self = self_of(userdata);
    uint16_t width_mm = 0, height_mm = 0;
    int32_t x = 0, y = 0;
    uint32_t width = 0, height = 0;
    const int r = sd_bus_message_read(m, "qqiiuu", &width_mm, &height_mm, &x, &y, &width, &height);
    if (r < 0)
        return r;
    if (!self->options_.virtio)
        return sd_bus_reply_method_errorf(m, kErrorUnsupported, "SetUIInfo is not supported");
    char token[128];
    snprintf(token, sizeof(token), "uiinfo:%u,%u,%d,%d,%u,%u", unsigned(width_mm),
             unsigned(height_mm), x, y, width, height);
    self->events_.emplace_back(token);
    if (width > 0 && height > 0 && (width != self->width_ || height != self->height_))
        self->hooks_.guest_resized(width, height);
    return sd_bus_reply_method_return(m, "");
}

int Display::on_key(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    uint32_t keycode = 0;
    const int r = sd_bus_message_read(m, "u", &keycode);
    if (r < 0)
        return r;
    const bool press = std::string_view(sd_bus_message_get_member(m)) == "Press";
    self_of(userdata)->events_.push_back((press ? "key-press:" : "key-release:") +
                                         std::to_string(keycode));
    return sd_bus_reply_method_return(m, "");
}

int Display::on_button(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    uint32_t button = 0;
    const int r = sd_bus_message_read(m, "u", &button);
    if (r < 0)
        return r;
    const bool press = std::string_view(sd_bus_message_get_member(m)) == "Press";
    self_of(userdata)->events_.push_back((press ? "button-press:" : "button-release:") +
                                         std::to_string(button));
    return sd_bus_reply_method_return(m, "");
}

int Display::on_set_abs_position(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    Display *self = self_of(userdata);
    uint32_t x = 0, y = 0;
    const int r = sd_bus_message_read(m, "uu", &x, &y);
    if (r < 0)
        return r;
    // Same checks, same order as QEMU: the guest's mode, then the range.
    if (!self->absolute_)
        return sd_bus_reply_method_errorf(m, kErrorInvalid, "Mouse is not absolute");
    if (x >= self->width_ || y >= self->height_)
        return sd_bus_reply_method_errorf(m, kErrorInvalid, "Invalid mouse position");
    self->events_.push_back("abs:" + std::to_string(x) + "," + std::to_string(y));
    return sd_bus_reply_method_return(m, "");
}

int Display::on_rel_motion(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    Display *self = self_of(userdata);
    int32_t dx = 0, dy = 0;
    const int r = sd_bus_message_read(m, "ii", &dx, &dy);
    if (r < 0)
        return r;
    if (self->absolute_)
        return sd_bus_reply_method_errorf(m, kErrorInvalid, "Mouse is not relative");
    self->events_.push_back("rel:" + std::to_string(dx) + "," + std::to_string(dy));
    return sd_bus_reply_method_return(m, "");
}

int Display::on_touch(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    uint32_t kind = 0;
    uint64_t slot = 0;
    double x = 0, y = 0;
    const int r = sd_bus_message_read(m, "utdd", &kind, &slot, &x, &y);
    if (r < 0)
        return r;
    if (kind > 3)
        return sd_bus_reply_method_errorf(m, kErrorInvalid, "Invalid touch event kind");
    if (slot >= uint64_t(kMaxTouchSlots)) // QEMU prints the slot with "% " PRId64
        return sd_bus_reply_method_errorf(m, kErrorInvalid,
                                          "Unexpected touch slot number: % lld >= %d",
                                          (long long)slot, kMaxTouchSlots);
    char token[128];
    snprintf(token, sizeof(token), "touch:%u,%llu,%g,%g", kind, (unsigned long long)slot, x, y);
    self_of(userdata)->events_.emplace_back(token);
    return sd_bus_reply_method_return(m, "");
}

int Display::get_property(sd_bus *, const char *, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *)
{
    const Display *self = self_of(userdata);
    const std::string_view iface = interface, name = property;
    if (name == "Interfaces") {
        if (iface == kConsole)
            return sd_bus_message_append(reply, "as", 3, kKeyboard.data(), kMouse.data(),
                                         kMultiTouch.data());
        return sd_bus_message_append(reply, "as", 0);
    }
    if (name == "Name") {
        const std::string vm_name = self->options_.name.empty()
                                        ? "QEMU " + self->options_.version.text() + ".0"
                                        : self->options_.name;
        return sd_bus_message_append(reply, "s", vm_name.c_str());
    }
    if (name == "UUID")
        return sd_bus_message_append(reply, "s", "00000000-0000-0000-0000-000000000000");
    if (name == "ConsoleIDs")
        return sd_bus_message_append(reply, "au", 1, 0u);
    if (name == "Label")
        return sd_bus_message_append(reply, "s", self->options_.virtio ? "virtio-vga" : "VGA");
    if (name == "Head")
        return sd_bus_message_append(reply, "u", 0u);
    if (name == "Type")
        return sd_bus_message_append(reply, "s", "Graphic");
    if (name == "Width")
        return sd_bus_message_append(reply, "u", self->width_);
    if (name == "Height")
        return sd_bus_message_append(reply, "u", self->height_);
    if (name == "DeviceAddress")
        return sd_bus_message_append(reply, "s", "pci/0000/02.0");
    if (name == "Modifiers")
        return sd_bus_message_append(reply, "u", self->modifiers_);
    if (name == "IsAbsolute")
        return sd_bus_message_append(reply, "b", int(self->is_absolute_property()));
    if (name == "MaxSlots")
        return sd_bus_message_append(reply, "i", kMaxTouchSlots);
    return -ENOENT;
}

} // namespace fake_qemu
