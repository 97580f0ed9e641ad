#include "audio.hpp"

#include "audio_calls.hpp"
#include "fake.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <unistd.h>

namespace fake_qemu {
namespace {

constexpr const char *kErrorInvalid = "org.qemu.Display1.Error.Invalid";
constexpr const char *kErrorFailed = "org.qemu.Display1.Error.Failed";
constexpr uint32_t kNSamples = 480; // QEMU's default: 10 ms at 48 kHz

constexpr uint64_t kMethod = SD_BUS_VTABLE_UNPRIVILEGED;
constexpr uint64_t kProperty = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;

} // namespace

Audio::Audio(sd_bus *bus, sd_event *event, const Options &options)
    : bus_(bus), event_(event), options_(options)
{
}

Audio::~Audio()
{
    // Pending calls report into commands; end them while we still exist.
    for (Side &s : sides_)
        s.listener.reset();
}

int Audio::export_object()
{
    vtable_ = {SD_BUS_VTABLE_START(0),
               SD_BUS_METHOD("RegisterOutListener", "h", "", on_register, kMethod),
               SD_BUS_METHOD("RegisterInListener", "h", "", on_register, kMethod)};
    if (options_.version.has_interfaces())
        vtable_.push_back(SD_BUS_PROPERTY("Interfaces", "as", get_property, 0, kProperty));
    if (options_.version.has_audio_nsamples())
        vtable_.push_back(SD_BUS_PROPERTY("NSamples", "u", get_property, 0, kProperty));
    vtable_.push_back(SD_BUS_VTABLE_END);
    sd_bus_slot *slot = nullptr;
    const int r =
        sd_bus_add_object_vtable(bus_, &slot, kAudioPath, kAudioInterface, vtable_.data(), this);
    if (r < 0)
        return r;
    slot_.reset(slot);
    return 0;
}

Audio::Side &Audio::side(AudioDirection direction)
{
    return sides_[direction == AudioDirection::Out ? 0 : 1];
}

Listener *Audio::listener(AudioDirection direction)
{
    Side &s = side(direction);
    return s.listener && s.listener->connected() ? s.listener.get() : nullptr;
}

void Audio::when_listener_ready(AudioDirection direction, std::function<void()> done)
{
    Side &s = side(direction);
    if (s.ready && listener(direction))
        done();
    else
        s.waiters.push_back(std::move(done));
}

std::list<Voice> &Audio::voices(AudioDirection direction)
{
    return side(direction).voices;
}

Voice *Audio::voice(AudioDirection direction, uint64_t id)
{
    for (Voice &v : side(direction).voices) {
        if (v.id == id)
            return &v;
    }
    return nullptr;
}

Voice &Audio::add_voice(AudioDirection direction, uint64_t id, const AudioFormat &format)
{
    remove_voice(direction, id);
    auto &list = side(direction).voices;
    list.push_front(Voice{id, format, false, 0});
    return list.front();
}

void Audio::remove_voice(AudioDirection direction, uint64_t id)
{
    side(direction).voices.remove_if([id](const Voice &v) { return v.id == id; });
}

void Audio::process_listeners()
{
    for (Side &s : sides_) {
        while (s.listener && sd_bus_process(s.listener->bus(), nullptr) > 0) {
        }
    }
}

// RegisterOutListener / RegisterInListener, in QEMU's order: refuse a second
// listener of the same key, answer, then the blocking handshake and GetAll,
// then Init and SetEnabled for every voice.
int Audio::on_register(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    auto *self = static_cast<Audio *>(userdata);
    const bool out = std::string_view(sd_bus_message_get_member(m)) == "RegisterOutListener";
    const AudioDirection direction = out ? AudioDirection::Out : AudioDirection::In;
    Side &s = self->side(direction);
    int fd = -1;
    int r = sd_bus_message_read(m, "h", &fd);
    if (r < 0)
        return r;
    if (!self->options_.version.takes_p2p_audio_listeners()) {
        // What 7.2 most likely does (g_str_hash of a NULL sender): the
        // process dies, taking the VM with it.
        std::fprintf(stderr, "fake-qemu: QEMU %s cannot take a p2p audio listener: it crashes\n",
                     self->options_.version.text().c_str());
        std::_Exit(134);
    }
    // QEMU (8.0+) keys p2p listeners by "p2p" and drops one only when its
    // connection closes; a close that already arrived is noticed first.
    if (s.listener) {
        while (sd_bus_process(s.listener->bus(), nullptr) > 0) {
        }
        if (s.listener->connected())
            return sd_bus_reply_method_errorf(m, kErrorInvalid, "`%s` is already registered!",
                                              "p2p");
    }
    const int listener_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (listener_fd < 0)
        return sd_bus_reply_method_errorf(m, kErrorFailed, "Couldn't get peer fd: %s",
                                          strerror(errno));
    r = sd_bus_reply_method_return(m, "");
    if (r < 0) {
        close(listener_fd);
        return r;
    }
    // The answer must have left before we block in the handshake.
    sd_bus_flush(self->bus_);

    std::string error;
    auto listener = Listener::connect_object(
        listener_fd, self->event_, audio_listener_path(direction),
        audio_listener_interface(direction), out ? "audio out listener" : "audio in listener",
        kListenerSetupTimeoutUs, &error);
    if (!listener) {
        fprintf(stderr, "fake-qemu: audio %s listener not registered: %s\n",
                audio_direction_name(direction), error.c_str());
        return 1;
    }
    ++s.generation;
    s.ready = false;
    s.listener = std::move(listener);
    self->send_initial_calls(direction);
    return 1;
}

void Audio::send_initial_calls(AudioDirection direction)
{
    Side &s = side(direction);
    Listener &target = *s.listener;
    const uint64_t generation = s.generation;
    auto step = [this, direction, generation](const CallResult &) {
        initial_call_done(direction, generation);
    };
    s.initial_pending = 1; // held until every call below has been sent
    for (const Voice &v : s.voices) {
        s.initial_pending += 2;
        send_audio_init(target, direction, v.id, v.format, step);
        send_audio_set_enabled(target, direction, v.id, v.enabled, step);
    }
    initial_call_done(direction, generation);
}

void Audio::initial_call_done(AudioDirection direction, uint64_t generation)
{
    Side &s = side(direction);
    if (generation != s.generation || --s.initial_pending > 0)
        return;
    s.ready = true;
    auto waiters = std::move(s.waiters);
    s.waiters.clear();
    for (auto &done : waiters)
        done();
}

int Audio::get_property(sd_bus *, const char *, const char *, const char *property,
                        sd_bus_message *reply, void *, sd_bus_error *)
{
    const std::string_view name = property;
    if (name == "Interfaces")
        return sd_bus_message_append(reply, "as", 0);
    if (name == "NSamples")
        return sd_bus_message_append(reply, "u", kNSamples);
    return -ENOENT;
}

} // namespace fake_qemu
