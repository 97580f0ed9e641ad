// QEMU's D-Bus clipboard (org.qemu.Display1.Clipboard, with --clipboard):
// QEMU's object on the main connection, the client's peer object it calls
// back, and the guest side a test scripts (what the guest copied, a paste
// in the guest). Every call the client makes is recorded for
// `clipboard-calls`, so a test can check that nothing crossed.
#pragma once

#include "listener.hpp"
#include "options.hpp"
#include "sdbus.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fake_qemu {

inline constexpr const char *kClipboardPath = "/org/qemu/Display1/Clipboard";
inline constexpr const char *kClipboardInterface = "org.qemu.Display1.Clipboard";
inline constexpr const char *kClipboardText = "text/plain;charset=utf-8";

class Clipboard {
public:
    Clipboard(sd_bus *bus, const Options &options);
    Clipboard(const Clipboard &) = delete;
    Clipboard &operator=(const Clipboard &) = delete;

    int export_object(); // negative errno on failure

    bool registered() const { return registered_; }
    uint32_t serial() const { return serial_; }
    // Who owns the clipboard selection: "none", "guest" or "client".
    const char *owner() const;
    // Runs done once the client is registered (at once if it is).
    void when_registered(std::function<void()> done);
    // The client's calls since the last take, space-separated, each
    // "register", "unregister", "grab:SEL,SERIAL,MIME|MIME",
    // "release:SEL", "request:SEL,MIME|MIME" (refused ones too, with
    // "!" appended).
    std::string take_calls();

    // The guest copies: QEMU's Grab(0, serial+1, [text]) to the client.
    void guest_copy(std::string data, CallDone done);
    // A raw Grab to the client, any arguments (recorded as the owner only
    // for selection 0 with the text type).
    void guest_grab(uint32_t selection, uint32_t serial, const std::vector<std::string> &mimes,
                    std::string data, CallDone done);
    void guest_release(uint32_t selection, CallDone done);
    // QEMU calls the client's Register: the serial restarts (the guest's
    // agent connected again).
    void reset(CallDone done);
    // The guest pastes: Request(selection, mimes) to the client, blocking
    // like QEMU. *mime and *data hold the answer when ok.
    CallResult guest_paste(uint32_t selection, const std::vector<std::string> &mimes,
                           std::string *mime, std::string *data);
    // A hostile QEMU answers the client's Request with this type.
    void set_answer_mime(std::string mime) { answer_mime_ = std::move(mime); }

private:
    static int on_register(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_unregister(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_grab(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_release(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_request(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int get_property(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply, void *userdata,
                            sd_bus_error *error);
    // QEMU answers only its registered peer: "Unregistered caller".
    bool check_caller(sd_bus_message *m, const std::string &call);
    void record(const std::string &call) { calls_.push_back(call); }
    void call_client(const char *member, const Appender &append, CallDone done);

    sd_bus *bus_;
    const Options &options_;
    std::vector<sd_bus_vtable> vtable_;
    SlotPtr slot_;
    bool registered_ = false;
    // 7.2 keeps a p2p peer after its connection closed (--clipboard-reconnect).
    bool stale_peer_ = false;
    uint32_t serial_ = 0;
    enum class Owner { None, Guest, Client } owner_ = Owner::None;
    std::string guest_data_;
    std::string answer_mime_ = kClipboardText;
    std::vector<std::string> calls_;
    std::vector<std::function<void()>> waiters_;
};

} // namespace fake_qemu
