#include "vmview/audio_listener.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#include "base/log.hpp"

namespace phyllome::vmview {
namespace {

constexpr const char *kOutPath = "/org/qemu/Display1/AudioOutListener";
constexpr const char *kOutInterface = "org.qemu.Display1.AudioOutListener";
constexpr const char *kInPath = "/org/qemu/Display1/AudioInListener";
constexpr const char *kInInterface = "org.qemu.Display1.AudioInListener";
constexpr const char *kErrorInvalid = "org.qemu.Display1.Error.Invalid";

// What silence is in `format`: zero, except unsigned samples, whose middle
// value is the top bit alone.
void fill_silence(const AudioFormat &format, std::span<uint8_t> bytes)
{
    if (format.is_signed || format.is_float) {
        std::fill(bytes.begin(), bytes.end(), 0);
        return;
    }
    const std::size_t width = format.bits / 8u;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const std::size_t in_sample = i % width;
        const bool top = format.big_endian ? in_sample == 0 : in_sample == width - 1;
        bytes[i] = top ? 0x80 : 0x00;
    }
}

} // namespace

const sd_bus_vtable AudioListener::kOutVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Init", "tybbuyuub", "", on_init, 0),
    SD_BUS_METHOD("Fini", "t", "", on_fini, 0),
    SD_BUS_METHOD("SetEnabled", "tb", "", on_set_enabled, 0),
    SD_BUS_METHOD("SetVolume", "tbay", "", on_set_volume, 0),
    SD_BUS_METHOD("Write", "tay", "", on_write, 0),
    SD_BUS_PROPERTY("Interfaces", "as", get_interfaces, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_VTABLE_END,
};

const sd_bus_vtable AudioListener::kInVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Init", "tybbuyuub", "", on_init, 0),
    SD_BUS_METHOD("Fini", "t", "", on_fini, 0),
    SD_BUS_METHOD("SetEnabled", "tb", "", on_set_enabled, 0),
    SD_BUS_METHOD("SetVolume", "tbay", "", on_set_volume, 0),
    SD_BUS_METHOD("Read", "tt", "ay", on_read, 0),
    SD_BUS_PROPERTY("Interfaces", "as", get_interfaces, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_VTABLE_END,
};

AudioListener::AudioListener(wl_event_loop *loop, Direction direction, std::string vm_name,
                             base::UniqueFd fd, std::function<void()> closed)
    : loop_(loop), direction_(direction), vm_name_(std::move(vm_name)), closed_(std::move(closed))
{
    const bool out = direction_ == Direction::Out;
    int r = sd_bus_new(&bus_);
    if (r >= 0)
        r = sd_bus_set_fd(bus_, fd.get(), fd.get());
    if (r >= 0)
        fd.release(); // the bus owns it now
    if (r >= 0)
        r = sd_bus_add_object_vtable(bus_, nullptr, out ? kOutPath : kInPath,
                                     out ? kOutInterface : kInInterface,
                                     out ? kOutVtable : kInVtable, this);
    if (r >= 0)
        r = sd_bus_start(bus_);
    if (r < 0) {
        base::log_info("VM %s: cannot set up the %s connection: %s", vm_name_.c_str(), label(),
                       std::strerror(-r));
        connected_ = false;
        return;
    }
    source_ = std::make_unique<BusSource>(loop_, bus_, [this](int error) {
        base::log_info("VM %s: %s connection closed (%s)", vm_name_.c_str(), label(),
                       std::strerror(error));
        connected_ = false;
        const auto voices = std::move(voices_);
        voices_.clear();
        if (observer_)
            for (const auto &[id, voice] : voices)
                observer_->voice_removed(*this, id);
        if (closed_)
            closed_();
    });
}

AudioListener::~AudioListener()
{
    source_.reset();
    if (bus_)
        sd_bus_flush_close_unref(bus_);
}

const char *AudioListener::label() const
{
    return direction_ == Direction::Out ? "sound output" : "sound input";
}

int AudioListener::reject(sd_bus_error *error, const char *message_name, const std::string &reason)
{
    ++messages_rejected_;
    // A guest can make QEMU send nonsense as fast as it likes: the first
    // few and then powers of two are logged.
    if (std::has_single_bit(messages_rejected_) || messages_rejected_ < 4)
        base::log_info("VM %s: %s: %s rejected: %s (%llu rejected so far)", vm_name_.c_str(),
                       label(), message_name, reason.c_str(),
                       static_cast<unsigned long long>(messages_rejected_));
    return sd_bus_error_set(error, kErrorInvalid, reason.c_str());
}

AudioVoice *AudioListener::find_voice(uint64_t id, const char *message_name, sd_bus_error *error)
{
    auto it = voices_.find(id);
    if (it == voices_.end()) {
        reject(error, message_name, "no Init for voice " + std::to_string(id));
        return nullptr;
    }
    return &it->second;
}

int AudioListener::on_init(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<AudioListener *>(data);
    uint64_t id = 0;
    uint8_t bits = 0, channels = 0;
    int is_signed = 0, is_float = 0, big_endian = 0;
    uint32_t rate = 0, bytes_per_frame = 0, bytes_per_second = 0;
    int r = sd_bus_message_read(m, "tybbuyuub", &id, &bits, &is_signed, &is_float, &rate, &channels,
                                &bytes_per_frame, &bytes_per_second, &big_endian);
    if (r < 0)
        return self->reject(error, "Init", "unreadable arguments");
    std::string why;
    auto format = check_audio_init(bits, is_signed, is_float, rate, channels, bytes_per_frame,
                                   bytes_per_second, big_endian, &why);
    if (!format)
        return self->reject(error, "Init", why);
    auto it = self->voices_.find(id);
    if (it == self->voices_.end() && self->voices_.size() >= kMaxAudioVoices)
        return self->reject(error, "Init",
                            "more than " + std::to_string(kMaxAudioVoices) + " voices");
    if (it != self->voices_.end()) {
        // Init again: a new format for the same voice, its state kept.
        it->second.format = *format;
    } else {
        self->voices_[id].format = *format;
    }
    base::log_info("VM %s: %s voice %llu: %s", self->vm_name_.c_str(), self->label(),
                   static_cast<unsigned long long>(id), to_string(*format).c_str());
    if (self->observer_)
        self->observer_->voice_added(*self, id);
    return sd_bus_reply_method_return(m, "");
}

int AudioListener::on_fini(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<AudioListener *>(data);
    uint64_t id = 0;
    if (sd_bus_message_read(m, "t", &id) < 0)
        return self->reject(error, "Fini", "unreadable arguments");
    if (!self->find_voice(id, "Fini", error))
        return -EINVAL;
    self->voices_.erase(id);
    if (self->observer_)
        self->observer_->voice_removed(*self, id);
    return sd_bus_reply_method_return(m, "");
}

int AudioListener::on_set_enabled(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<AudioListener *>(data);
    uint64_t id = 0;
    int enabled = 0;
    if (sd_bus_message_read(m, "tb", &id, &enabled) < 0)
        return self->reject(error, "SetEnabled", "unreadable arguments");
    AudioVoice *voice = self->find_voice(id, "SetEnabled", error);
    if (!voice)
        return -EINVAL;
    voice->enabled = enabled;
    if (self->observer_)
        self->observer_->voice_changed(*self, id);
    return sd_bus_reply_method_return(m, "");
}

int AudioListener::on_set_volume(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<AudioListener *>(data);
    uint64_t id = 0;
    int mute = 0;
    const void *values = nullptr;
    size_t count = 0;
    if (sd_bus_message_read(m, "tb", &id, &mute) < 0 ||
        sd_bus_message_read_array(m, 'y', &values, &count) < 0)
        return self->reject(error, "SetVolume", "unreadable arguments");
    AudioVoice *voice = self->find_voice(id, "SetVolume", error);
    if (!voice)
        return -EINVAL;
    // QEMU's volume holds up to 16 channels; the sound card may send two
    // for a mono voice.
    if (count > 16)
        return self->reject(error, "SetVolume",
                            std::to_string(count) + " volume values (at most 16)");
    voice->muted = mute;
    const auto *bytes = static_cast<const uint8_t *>(values);
    voice->volume.assign(bytes, bytes + count);
    if (self->observer_)
        self->observer_->voice_changed(*self, id);
    return sd_bus_reply_method_return(m, "");
}

int AudioListener::on_write(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<AudioListener *>(data);
    uint64_t id = 0;
    const void *samples = nullptr;
    size_t size = 0;
    if (sd_bus_message_read(m, "t", &id) < 0 ||
        sd_bus_message_read_array(m, 'y', &samples, &size) < 0)
        return self->reject(error, "Write", "unreadable arguments");
    AudioVoice *voice = self->find_voice(id, "Write", error);
    if (!voice)
        return -EINVAL;
    if (auto problem = check_audio_block(voice->format, size))
        return self->reject(error, "Write", *problem);
    voice->bytes += size;
    if (self->observer_ && size > 0)
        self->observer_->played(*self, id, {static_cast<const uint8_t *>(samples), size});
    return sd_bus_reply_method_return(m, "");
}

int AudioListener::on_read(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<AudioListener *>(data);
    uint64_t id = 0, size = 0;
    if (sd_bus_message_read(m, "tt", &id, &size) < 0)
        return self->reject(error, "Read", "unreadable arguments");
    AudioVoice *voice = self->find_voice(id, "Read", error);
    if (!voice)
        return -EINVAL;
    if (auto problem = check_audio_block(voice->format, size))
        return self->reject(error, "Read", *problem);
    // Bounded by check_audio_block: at most one second of audio.
    std::vector<uint8_t> &buffer = self->read_buffer_;
    buffer.resize(size);
    std::size_t filled = 0;
    if (self->observer_ && size > 0)
        filled = std::min<std::size_t>(self->observer_->record(*self, id, buffer), size);
    filled -= filled % voice->format.bytes_per_frame();
    if (filled < size) {
        voice->underruns++;
        fill_silence(voice->format, std::span(buffer).subspan(filled));
    }
    voice->bytes += size;

    sd_bus_message *reply = nullptr;
    int r = sd_bus_message_new_method_return(m, &reply);
    if (r >= 0)
        r = sd_bus_message_append_array(reply, 'y', buffer.data(), buffer.size());
    if (r >= 0)
        r = sd_bus_send(nullptr, reply, nullptr);
    sd_bus_message_unref(reply);
    return r < 0 ? r : 1;
}

int AudioListener::get_interfaces(sd_bus *, const char *, const char *, const char *,
                                  sd_bus_message *reply, void *, sd_bus_error *)
{
    // No optional interfaces of QEMU's (8.1+) are implemented.
    return sd_bus_message_append(reply, "as", 0);
}

} // namespace phyllome::vmview
