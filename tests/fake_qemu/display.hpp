// QEMU's objects on the main p2p connection: VM, Console_0 (Console,
// Keyboard, Mouse, and MultiTouch from 8.1), and the ObjectManager.
#pragma once

#include "options.hpp"
#include "sdbus.hpp"

#include <string>
#include <vector>

namespace fake_qemu {

class DisplayHooks {
public:
    // After RegisterListener has been answered; the callee owns listener_fd.
    virtual void register_listener(int listener_fd) = 0;
    // SetUIInfo on a virtio console: the guest switches to this size.
    virtual void guest_resized(uint32_t width, uint32_t height) = 0;

protected:
    ~DisplayHooks() = default;
};

class Display {
public:
    Display(sd_bus *bus, const Options &options, DisplayHooks &hooks);
    Display(const Display &) = delete;
    Display &operator=(const Display &) = delete;

    int export_objects(); // negative errno on failure

    uint32_t width() const { return width_; }
    uint32_t height() const { return height_; }
    // Each emits PropertiesChanged when the value changes.
    void set_size(uint32_t width, uint32_t height);
    void set_mouse_absolute(bool absolute);
    void set_modifiers(uint32_t modifiers);

    // Input calls accepted since the last call, as space-separated tokens.
    std::string take_events();

private:
    static int on_register_listener(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_set_ui_info(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_key(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_button(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_set_abs_position(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_rel_motion(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_touch(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int get_property(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply, void *userdata,
                            sd_bus_error *error);

    bool is_absolute_property() const;
    void emit(const char *interface, const char *property);

    sd_bus *bus_;
    const Options &options_;
    DisplayHooks &hooks_;
    uint32_t width_;
    uint32_t height_;
    bool absolute_ = false;
    uint32_t modifiers_ = 0;
    std::vector<std::string> events_;
    std::vector<std::vector<sd_bus_vtable>> vtables_;
    std::vector<SlotPtr> slots_;
};

} // namespace fake_qemu
