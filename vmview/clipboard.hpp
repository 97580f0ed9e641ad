// The session's peer of one VM's QEMU D-Bus clipboard
// (org.qemu.Display1.Clipboard) on the display's main peer-to-peer
// connection. Both sides export the same interface: we announce text with
// Grab and QEMU fetches it with Request, and the other way round.
//
// Nothing moves on its own: QEMU's Grab and Release only record that the
// guest has text (and its serial), never the text. The text crosses only
// when the session asks (take: our Request to QEMU; offer: our Grab, after
// which QEMU's Request is answered from the offer, at once, because QEMU
// blocks the VM while it waits). Everything QEMU sends is checked first
// (vmview/clipboard_checks.hpp); every call is answered.
//
// Registration: our object is exported before Register is called, and the
// call is asynchronous, because QEMU's Register handler reads our
// properties synchronously (a blocking call would deadlock both). QEMU then
// calls our Register (the serial restarts at 0). Serials: the highest
// wins; on a tie the client (we) wins.
//
// QEMU 7.2 never forgets a peer-to-peer clipboard peer: after the display
// connection is opened again, Register fails with "Clipboard peer already
// registered!" until the VM restarts (fixed in 8.0).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <systemd/sd-bus.h>

namespace phyllome::vmview {

class Clipboard {
public:
    enum class State {
        Registering, // Register sent, not answered yet
        Registered,
        OldQemuStuck, // QEMU 7.2 kept the previous connection's registration
        Failed,       // Register refused or not sent (error() says why)
    };

    // `flush` sends what was queued on the bus (BusSource::update) after a
    // call made outside the bus's own callbacks. `changed` runs when the
    // state, the guest's text or our offer changed (for status).
    Clipboard(sd_bus *bus, std::string vm_name, std::function<void()> flush,
              std::function<void()> changed);
    ~Clipboard();
    Clipboard(const Clipboard &) = delete;
    Clipboard &operator=(const Clipboard &) = delete;

    State state() const { return state_; }
    const std::string &error() const { return error_; }
    // One line for status: "registered", "registering",
    // "QEMU 7.2: unavailable until the VM restarts", "error: ...".
    std::string status_text() const;

    // The guest announced text on the clipboard (QEMU's Grab), and its serial.
    bool guest_has_text() const { return guest_has_text_; }
    uint32_t serial() const { return serial_; }
    // Our offer stands (no newer grab by the guest); its size.
    bool offering() const { return offer_.has_value(); }
    std::size_t offer_bytes() const { return offer_ ? offer_->size() : 0; }
    // Our Grab is not answered yet (a refusal withdraws the offer).
    bool grab_pending() const { return grab_slot_ != nullptr; }

    // Asks QEMU for the guest's clipboard text (Request, asynchronously).
    // `done` gets the text, or nullopt and why. Runs once, possibly at once
    // (not registered, the guest has no text, a take already under way);
    // never after the Clipboard is gone.
    using TakeDone = std::function<void(std::optional<std::string> text, const std::string &error)>;
    void take(TakeDone done);

    // Offers `text` (checked as a reply would be) to the guest: Grab with the
    // next serial. Returns why not, empty when sent.
    std::string offer(std::string text);

    // Counters for tests and status.
    uint64_t calls_refused() const { return calls_refused_; }
    uint64_t requests_answered() const { return requests_answered_; }

private:
    struct TakeCall;
    static const sd_bus_vtable kVtable[];
    static int on_register(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_unregister(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_grab(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_release(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_request(sd_bus_message *m, void *data, sd_bus_error *error);
    static int get_interfaces(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *data,
                              sd_bus_error *error);
    static int on_registered(sd_bus_message *reply, void *data, sd_bus_error *error);
    static int on_take_reply(sd_bus_message *reply, void *data, sd_bus_error *error);
    static int on_grab_reply(sd_bus_message *reply, void *data, sd_bus_error *error);

    int refuse(sd_bus_error *error, const char *method, const std::string &why);
    void notify();
    void finish_take(std::optional<std::string> text, const std::string &error);

    sd_bus *bus_;
    std::string vm_name_;
    std::function<void()> flush_;
    std::function<void()> changed_;
    sd_bus_slot *object_slot_ = nullptr;
    sd_bus_slot *register_slot_ = nullptr;
    sd_bus_slot *take_slot_ = nullptr;
    sd_bus_slot *grab_slot_ = nullptr;
    TakeDone take_done_;
    State state_ = State::Registering;
    std::string error_;
    bool guest_has_text_ = false;
    uint32_t serial_ = 0;
    std::optional<std::string> offer_;
    uint64_t calls_refused_ = 0;
    uint64_t requests_answered_ = 0;
};

} // namespace phyllome::vmview
