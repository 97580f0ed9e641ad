#include "audio_calls.hpp"

#include "calls.hpp"

#include <utility>

namespace fake_qemu {

const char *audio_listener_path(AudioDirection direction)
{
    return direction == AudioDirection::Out ? kAudioOutPath : kAudioInPath;
}

const char *audio_listener_interface(AudioDirection direction)
{
    return direction == AudioDirection::Out ? kAudioOutInterface : kAudioInInterface;
}

const char *audio_direction_name(AudioDirection direction)
{
    return direction == AudioDirection::Out ? "out" : "in";
}

void send_audio_init(Listener &listener, AudioDirection direction, uint64_t id,
                     const AudioFormat &format, CallDone done)
{
    listener.call(
        audio_listener_interface(direction), "Init",
        [&](sd_bus_message *m) {
            return sd_bus_message_append(m, "tybbuyuub", id, format.bits, int(format.is_signed),
                                         int(format.is_float), format.freq, format.nchannels,
                                         format.bytes_per_frame, format.bytes_per_second,
                                         int(format.be));
        },
        kReplyTimeoutUs, std::move(done));
}

void send_audio_fini(Listener &listener, AudioDirection direction, uint64_t id, CallDone done)
{
    listener.call(
        audio_listener_interface(direction), "Fini",
        [&](sd_bus_message *m) { return sd_bus_message_append(m, "t", id); }, kReplyTimeoutUs,
        std::move(done));
}

void send_audio_set_enabled(Listener &listener, AudioDirection direction, uint64_t id, bool enabled,
                            CallDone done)
{
    listener.call(
        audio_listener_interface(direction), "SetEnabled",
        [&](sd_bus_message *m) { return sd_bus_message_append(m, "tb", id, int(enabled)); },
        kReplyTimeoutUs, std::move(done));
}

void send_audio_set_volume(Listener &listener, AudioDirection direction, uint64_t id, bool mute,
                           const std::vector<uint8_t> &volume, CallDone done)
{
    listener.call(
        audio_listener_interface(direction), "SetVolume",
        [&](sd_bus_message *m) {
            int r = sd_bus_message_append(m, "tb", id, int(mute));
            return r < 0 ? r : sd_bus_message_append_array(m, 'y', volume.data(), volume.size());
        },
        kReplyTimeoutUs, std::move(done));
}

void send_audio_write(Listener &listener, uint64_t id, const uint8_t *data, size_t length,
                      CallDone done)
{
    listener.call(
        kAudioOutInterface, "Write",
        [&](sd_bus_message *m) {
            int r = sd_bus_message_append(m, "t", id);
            return r < 0 ? r : sd_bus_message_append_array(m, 'y', data, length);
        },
        kReplyTimeoutUs, std::move(done));
}

CallResult audio_read(Listener &listener, uint64_t id, uint64_t size, std::vector<uint8_t> *data)
{
    MessagePtr reply;
    CallResult result = listener.call_blocking(
        kAudioInInterface, "Read",
        [&](sd_bus_message *m) { return sd_bus_message_append(m, "tt", id, size); },
        kReplyTimeoutUs, &reply);
    if (!result.ok)
        return result;
    const char *signature = sd_bus_message_get_signature(reply.get(), 1);
    const void *bytes = nullptr;
    size_t length = 0;
    const std::string got = signature ? signature : "";
    if (got != "ay" || sd_bus_message_read_array(reply.get(), 'y', &bytes, &length) < 0) {
        // QEMU's generated proxy refuses such an answer as an error too.
        result.ok = false;
        result.error_name = "bad-reply";
        result.error_message = "Read answered \"" + got + "\", expected \"ay\"";
        return result;
    }
    const auto *first = static_cast<const uint8_t *>(bytes);
    data->assign(first, first + length);
    return result;
}

} // namespace fake_qemu
