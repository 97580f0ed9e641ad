// QEMU's D-Bus audio (-audiodev dbus with -display dbus,audiodev=): the
// /org/qemu/Display1/Audio object on the main connection, one listener per
// direction, and the voices a newly registered listener is told about.
#pragma once

#include "listener.hpp"
#include "options.hpp"
#include "sdbus.hpp"

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace fake_qemu {

enum class AudioDirection { Out, In };

// What Init carries about a voice's samples.
struct AudioFormat {
    uint8_t bits = 16;
    bool is_signed = true;
    bool is_float = false;
    uint32_t freq = 48000;
    uint8_t nchannels = 2;
    uint32_t bytes_per_frame = 4;
    uint32_t bytes_per_second = 192000;
    bool be = false;
};

// A voice: QEMU's HWVoiceOut/HWVoiceIn, named on D-Bus by its address.
struct Voice {
    uint64_t id = 0;
    AudioFormat format;
    bool enabled = false;
    uint64_t ramp_bytes = 0; // bytes of the ramp already written (out voices)
};

class Audio {
public:
    Audio(sd_bus *bus, sd_event *event, const Options &options);
    ~Audio();
    Audio(const Audio &) = delete;
    Audio &operator=(const Audio &) = delete;

    int export_object(); // negative errno on failure

    // The registered listener of that direction if its connection is open.
    Listener *listener(AudioDirection direction);
    // Runs done once a listener of that direction is registered, its GetAll
    // answered and its initial calls replied to (at once if that is so).
    void when_listener_ready(AudioDirection direction, std::function<void()> done);

    // Newest first: QEMU keeps its voices in a list it prepends to, and
    // tells a new listener about them in that order.
    std::list<Voice> &voices(AudioDirection direction);
    Voice *voice(AudioDirection direction, uint64_t id);
    // A new voice (replacing one with the same id), state as QEMU starts it.
    Voice &add_voice(AudioDirection direction, uint64_t id, const AudioFormat &format);
    void remove_voice(AudioDirection direction, uint64_t id);

    // Handles what arrived on the listener connections (see Fake::on_post).
    void process_listeners();

private:
    struct Side {
        std::unique_ptr<Listener> listener;
        uint64_t generation = 0; // bumped per registration; stale replies are ignored
        int initial_pending = 0;
        bool ready = false;
        std::vector<std::function<void()>> waiters;
        std::list<Voice> voices;
    };

    Side &side(AudioDirection direction);
    static int on_register(sd_bus_message *m, void *userdata, sd_bus_error *error);
    static int get_property(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply, void *userdata,
                            sd_bus_error *error);
    void send_initial_calls(AudioDirection direction);
    void initial_call_done(AudioDirection direction, uint64_t generation);

    sd_bus *bus_;
    sd_event *event_;
    const Options &options_;
    Side sides_[2];
    std::vector<sd_bus_vtable> vtable_;
    SlotPtr slot_;
};

} // namespace fake_qemu
