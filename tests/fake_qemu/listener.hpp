// A listener connection: QEMU's side of the socket the client passed with
// RegisterListener (or the audio RegisterOutListener/RegisterInListener).
// QEMU is the authentication server and the caller here.
#pragma once

#include "options.hpp"
#include "sdbus.hpp"

#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace fake_qemu {

inline constexpr const char *kListenerPath = "/org/qemu/Display1/Listener";
inline constexpr const char *kListenerInterface = "org.qemu.Display1.Listener";
inline constexpr const char *kMapInterface = "org.qemu.Display1.Listener.Unix.Map";
inline constexpr const char *kDmabuf2Interface = "org.qemu.Display1.Listener.Unix.ScanoutDMABUF2";

struct CallResult {
    bool ok = false;
    bool timed_out = false;
    std::string error_name;
    std::string error_message;
    uint64_t elapsed_us = 0;
};
using CallDone = std::function<void(const CallResult &)>;
using Appender = std::function<int(sd_bus_message *)>;

class Listener {
public:
    // Runs the handshake on fd (taken over) and the GetAll calls QEMU makes at
    // registration, blocking as QEMU's main loop does, each bounded by
    // timeout_us. nullptr (and *error) if the handshake fails. A failed GetAll
    // is only recorded: QEMU accepts any answer.
    static std::unique_ptr<Listener> connect(int fd, sd_event *event, const Version &version,
                                             uint64_t timeout_us, std::string *error);
    // The same for another listener object (the audio ones): the handshake
    // and one GetAll(interface) on path, which QEMU's proxy makes.
    static std::unique_ptr<Listener> connect_object(int fd, sd_event *event, const char *path,
                                                    const char *interface, const char *description,
                                                    uint64_t timeout_us, std::string *error);
    ~Listener();
    Listener(const Listener &) = delete;
    Listener &operator=(const Listener &) = delete;

    // Interfaces the client listed in its Listener.Interfaces property.
    const std::vector<std::string> &advertised() const { return advertised_; }
    // Empty, or why the first GetAll failed ("timeout" or an error name).
    const std::string &getall_error() const { return getall_error_; }
    // Optional interfaces in effect: known to this version, advertised, and
    // their own GetAll answered (QEMU builds a proxy for each).
    bool uses_map() const { return uses_map_; }
    bool uses_dmabuf2() const { return uses_dmabuf2_; }
    bool connected() const;
    sd_bus *bus() const { return bus_.get(); }

    // Calls a method on the client's listener object. done runs exactly
    // once: with the reply, an error, a timeout, or when this listener goes
    // away first.
    void call(const char *interface, const char *member, const Appender &append,
              uint64_t timeout_us, CallDone done);
    // Calls a method and waits for the answer without returning to the event
    // loop, as QEMU's synchronous calls block its main loop. The result's
    // error fields say why it failed; *reply is the answer when ok.
    CallResult call_blocking(const char *interface, const char *member, const Appender &append,
                             uint64_t timeout_us, MessagePtr *reply);

private:
    struct Pending {
        Listener *owner;
        SlotPtr slot;
        CallDone done;
        uint64_t start_us;
    };

    Listener(BusPtr bus, const char *path) : bus_(std::move(bus)), path_(path) {}
    static std::unique_ptr<Listener> handshake(int fd, const char *path, const char *interface,
                                               const char *description, uint64_t timeout_us,
                                               std::string *error);
    bool attach(sd_event *event, std::string *error);
    int wait_reply(const char *interface, const char *member, const Appender &append,
                   uint64_t timeout_us, MessagePtr *reply);
    int get_all(const char *interface, uint64_t timeout_us, MessagePtr *reply);
    static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error);

    BusPtr bus_;
    const char *path_;
    std::string description_;
    SlotPtr disconnect_slot_;
    std::vector<std::string> advertised_;
    std::string getall_error_;
    bool uses_map_ = false;
    bool uses_dmabuf2_ = false;
    std::list<std::unique_ptr<Pending>> pending_;
};

} // namespace fake_qemu
