// The tests' side of fake-qemu: it starts the fake and plays the session's
// part with a tiny sd-bus client (the p2p main connection, RegisterListener,
// the Listener object and the audio listeners, which record every call they
// get).
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace fake_qemu_test {

inline constexpr const char *kConsolePath = "/org/qemu/Display1/Console_0";
inline constexpr const char *kMapInterface = "org.qemu.Display1.Listener.Unix.Map";
inline constexpr const char *kDmabuf2Interface = "org.qemu.Display1.Listener.Unix.ScanoutDMABUF2";
inline constexpr const char *kAudioPath = "/org/qemu/Display1/Audio";
inline constexpr const char *kAudioInterface = "org.qemu.Display1.Audio";
inline constexpr const char *kAudioOutInterface = "org.qemu.Display1.AudioOutListener";
inline constexpr const char *kAudioInInterface = "org.qemu.Display1.AudioInListener";

class UniqueFd {
public:
    explicit UniqueFd(int fd = -1) : fd_(fd) {}
    UniqueFd(UniqueFd &&other) noexcept : fd_(other.release()) {}
    UniqueFd &operator=(UniqueFd &&other) noexcept;
    ~UniqueFd() { reset(); }
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1);

private:
    int fd_;
};

// One call fake-qemu made on our Listener, its arguments flattened.
struct Call {
    std::string interface;
    std::string member;
    std::vector<int64_t> numbers; // every u, i, t, b, and the elements of au
    std::vector<uint8_t> data;    // the ay payload
    std::vector<UniqueFd> fds;    // h and ah
};

// length bytes at offset of a shared memory fd; empty if it cannot be mapped.
std::vector<uint8_t> read_fd(int fd, size_t offset, size_t length);

class FakeQemu {
public:
    // Starts $FAKE_QEMU --qemu-version version --fd 3 extra... and connects.
    explicit FakeQemu(const std::string &version, const std::vector<std::string> &extra = {});
    // Closes stdin and expects the fake to exit 0 (no sanitizer report).
    ~FakeQemu();
    FakeQemu(const FakeQemu &) = delete;
    FakeQemu &operator=(const FakeQemu &) = delete;

    // Sends one command and returns its one result line.
    std::string command(const std::string &line);
    // Sends a command without waiting for its result line.
    void send(const std::string &line);
    std::string next_line();

    // RegisterListener as the session does it: the call first, then the
    // client side of the handshake on our end, exporting the Listener.
    void register_listener(const std::vector<std::string> &interfaces);

    // RegisterOutListener (out) or RegisterInListener, then the handshake as
    // above, exporting the AudioOutListener or AudioInListener. "ok", or
    // "<error name>: <message>" (and no new connection) if the call failed.
    std::string register_audio_listener(bool out);

    // The first recorded call to member, taken out of the list.
    std::optional<Call> take(const std::string &member);
    std::vector<Call> &calls() { return calls_; }

    sd_bus *main_bus() { return main_; }
    sd_bus *listener_bus() { return listener_; }
    sd_bus *audio_bus(bool out) { return out ? audio_out_ : audio_in_; }
    void close_main();

    uint32_t console_u32(const char *property);
    // Calls a method on Console_0; "ok" or "<error name>: <message>".
    std::string call_console(const char *interface, const char *member, const char *types, ...);

    // Runs both connections and reads stdout until done() or the deadline.
    void dispatch_until(const std::function<bool()> &done);

    // Members whose calls we answer with an error, or never answer.
    std::vector<std::string> reject, hold;
    bool export_listener = true;      // false: no Listener (or audio listener) object at all
    std::vector<uint8_t> read_answer; // what the AudioInListener's Read answers
    // "Interface.Property" for every PropertiesChanged seen on Console_0.
    std::vector<std::string> changed;

    // Waits (bounded) for the fake to exit; its wait status.
    int wait_exit();

private:
    static int on_call(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int on_read(sd_bus_message *m, void *userdata, sd_bus_error *error);
    std::vector<sd_bus *> buses() const;
    static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int get_interfaces(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error);

    static const sd_bus_vtable kListener[];
    static const sd_bus_vtable kMap[];
    static const sd_bus_vtable kDmabuf2[];
    static const sd_bus_vtable kAudioOut[];
    static const sd_bus_vtable kAudioIn[];

    pid_t pid_ = -1;
    UniqueFd stdin_, stdout_;
    bool stdout_eof_ = false;
    std::string output_;
    sd_bus *main_ = nullptr;
    sd_bus *listener_ = nullptr;
    sd_bus *audio_out_ = nullptr;
    sd_bus *audio_in_ = nullptr;
    std::vector<sd_bus *> old_listeners_;
    std::vector<std::string> interfaces_;
    std::vector<Call> calls_;
};

} // namespace fake_qemu_test
