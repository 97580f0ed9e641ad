// One direction of a VM's sound over QEMU's D-Bus display: the
// AudioOutListener (the guest plays: QEMU sends Write) or the
// AudioInListener (the guest records: QEMU calls Read and waits for the
// answer), each on its own peer-to-peer connection set up as the display's
// listener is. Voices come and go with Init and Fini; every message is
// checked before anything is kept or played, with bounded memory: at most
// kMaxAudioVoices voices, kMaxAudioBlockMs of audio per message, nothing
// queued here (the observer takes the samples as they come).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <systemd/sd-bus.h>
#include <wayland-server-core.h>

#include "base/unique_fd.hpp"
#include "vmview/audio_format.hpp"
#include "vmview/bus_source.hpp"

namespace phyllome::vmview {

// QEMU makes a voice per audio stream of the guest's sound card; a dozen is
// already more than any card has.
constexpr std::size_t kMaxAudioVoices = 16;

struct AudioVoice {
    AudioFormat format;
    bool enabled = false;
    bool muted = false;
    // Per channel, 0 (silent) to 255 (full), as QEMU sends it; QEMU may
    // send fewer or more values than the voice has channels.
    std::vector<uint8_t> volume;
    // Bytes of samples moved (Write or Read), and Read answers the
    // observer could not fill (silence was sent instead).
    uint64_t bytes = 0;
    uint64_t underruns = 0;
};

class AudioListener;

class AudioObserver {
public:
    virtual ~AudioObserver() = default;
    // Init: a voice exists (again, if its format changed), see voices().
    virtual void voice_added(AudioListener &listener, uint64_t voice) = 0;
    // Fini, or the connection ended: the voice is gone.
    virtual void voice_removed(AudioListener &listener, uint64_t voice) = 0;
    // SetEnabled or SetVolume.
    virtual void voice_changed(AudioListener &listener, uint64_t voice) = 0;
    // Out: samples the guest played, whole frames in the voice's format.
    virtual void played(AudioListener &listener, uint64_t voice,
                        std::span<const uint8_t> samples) = 0;
    // In: fill `into` (whole frames) with recorded samples; how many bytes
    // were filled. The rest is answered as silence. Must not block: QEMU
    // waits for the answer.
    virtual std::size_t record(AudioListener &listener, uint64_t voice,
                               std::span<uint8_t> into) = 0;
};

class AudioListener {
public:
    enum class Direction { Out, In };

    // Serves the listener object on `fd` (our end of the socketpair sent
    // with RegisterOutListener or RegisterInListener). `closed` runs when
    // the connection ends; the owner may destroy the listener from it.
    AudioListener(wl_event_loop *loop, Direction direction, std::string vm_name, base::UniqueFd fd,
                  std::function<void()> closed);
    ~AudioListener();
    AudioListener(const AudioListener &) = delete;
    AudioListener &operator=(const AudioListener &) = delete;

    Direction direction() const { return direction_; }
    const std::string &vm_name() const { return vm_name_; }
    bool connected() const { return connected_; }
    const std::map<uint64_t, AudioVoice> &voices() const { return voices_; }
    // Messages refused by a check (each answered with an error).
    uint64_t messages_rejected() const { return messages_rejected_; }

    void set_observer(AudioObserver *observer) { observer_ = observer; }

private:
    static int on_init(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_fini(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_set_enabled(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_set_volume(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_write(sd_bus_message *m, void *data, sd_bus_error *error);
    static int on_read(sd_bus_message *m, void *data, sd_bus_error *error);
    static int get_interfaces(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *data,
                              sd_bus_error *error);
    static const sd_bus_vtable kOutVtable[];
    static const sd_bus_vtable kInVtable[];

    int reject(sd_bus_error *error, const char *message_name, const std::string &reason);
    // The voice a message names; null (and `error` set) when there is none.
    AudioVoice *find_voice(uint64_t id, const char *message_name, sd_bus_error *error);
    const char *label() const;

    wl_event_loop *loop_;
    Direction direction_;
    std::string vm_name_;
    std::function<void()> closed_;
    sd_bus *bus_ = nullptr;
    std::unique_ptr<BusSource> source_;
    bool connected_ = true;
    AudioObserver *observer_ = nullptr;
    std::map<uint64_t, AudioVoice> voices_;
    uint64_t messages_rejected_ = 0;
    std::vector<uint8_t> read_buffer_; // reused for Read answers
};

} // namespace phyllome::vmview
