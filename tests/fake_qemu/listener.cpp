#include "listener.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <systemd/sd-id128.h>
#include <unistd.h>

namespace fake_qemu {
namespace {

constexpr const char *kTimedOutMessage = "Method call timed out"; // sd-bus's own wording

bool is_timeout(sd_bus_message *reply)
{
    if (!sd_bus_message_is_method_error(reply, SD_BUS_ERROR_NO_REPLY))
        return false;
    const sd_bus_error *error = sd_bus_message_get_error(reply);
    return error && error->message && strcmp(error->message, kTimedOutMessage) == 0;
}

// The "Interfaces" entry of a GetAll reply, if it is a string array.
std::vector<std::string> read_interfaces(sd_bus_message *reply)
{
    std::vector<std::string> out;
    if (sd_bus_message_enter_container(reply, 'a', "{sv}") <= 0)
        return out;
    while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
        const char *name = nullptr;
        char type = 0;
        const char *contents = nullptr;
        if (sd_bus_message_read(reply, "s", &name) < 0 ||
            sd_bus_message_peek_type(reply, &type, &contents) < 0)
            return out;
        if (strcmp(name, "Interfaces") == 0 && contents && strcmp(contents, "as") == 0) {
            char **strv = nullptr;
            if (sd_bus_message_enter_container(reply, 'v', "as") > 0 &&
                sd_bus_message_read_strv(reply, &strv) >= 0 && strv) {
                for (char **s = strv; *s; ++s) {
                    out.emplace_back(*s);
                    free(*s);
                }
                free(strv);
                sd_bus_message_exit_container(reply);
            }
        } else if (sd_bus_message_skip(reply, "v") < 0) {
            return out;
        }
        sd_bus_message_exit_container(reply);
    }
    return out;
}

CallResult local_error(const char *name, const std::string &message)
{
    CallResult result;
    result.error_name = name;
    result.error_message = message;
    return result;
}

} // namespace

// The handshake on fd (taken over) and the GetAll QEMU's proxy makes.
std::unique_ptr<Listener> Listener::handshake(int fd, const char *path, const char *interface,
                                              const char *description, uint64_t timeout_us,
                                              std::string *error)
{
    sd_bus *raw = nullptr;
    int r = sd_bus_new(&raw);
    if (r < 0) {
        close(fd);
        *error = std::string("sd_bus_new: ") + strerror(-r);
        return nullptr;
    }
    BusPtr bus(raw);
    sd_id128_t guid{};
    if ((r = sd_bus_set_fd(bus.get(), fd, fd)) < 0) {
        close(fd);
    } else if ((r = sd_id128_randomize(&guid)) >= 0 &&
               (r = sd_bus_set_server(bus.get(), 1, guid)) >= 0 &&
               (r = sd_bus_negotiate_fds(bus.get(), 1)) >= 0 &&
               (r = sd_bus_set_description(bus.get(), description)) >= 0) {
        r = sd_bus_start(bus.get());
    }
    if (r < 0) {
        *error = std::string(description) + " bus: " + strerror(-r);
        return nullptr;
    }

    std::unique_ptr<Listener> listener(new Listener(std::move(bus), path));
    listener->description_ = description;
    MessagePtr reply;
    r = listener->get_all(interface, timeout_us, &reply);
    if (sd_bus_is_ready(listener->bus_.get()) <= 0) {
        *error = r == -ETIMEDOUT ? "handshake timed out" : "handshake failed";
        return nullptr;
    }
    if (r == -ETIMEDOUT || (r >= 0 && is_timeout(reply.get())))
        listener->getall_error_ = "timeout";
    else if (r < 0)
        listener->getall_error_ = strerror(-r);
    else if (sd_bus_message_is_method_error(reply.get(), nullptr))
        listener->getall_error_ = sd_bus_message_get_error(reply.get())->name;
    else
        listener->advertised_ = read_interfaces(reply.get());
    if (!listener->getall_error_.empty())
        fprintf(stderr, "fake-qemu: GetAll(%s) failed: %s\n", interface,
                listener->getall_error_.c_str());
    return listener;
}

bool Listener::attach(sd_event *event, std::string *error)
{
    sd_bus *b = bus_.get();
    sd_bus_slot *slot = nullptr;
    int r;
    if ((r = sd_bus_attach_event(b, event, SD_EVENT_PRIORITY_NORMAL)) < 0 ||
        (r = sd_bus_match_signal(b, &slot, nullptr, "/org/freedesktop/DBus/Local",
                                 "org.freedesktop.DBus.Local", "Disconnected", on_disconnected,
                                 this)) < 0) {
        *error = description_ + " bus: " + strerror(-r);
        return false;
    }
    disconnect_slot_.reset(slot);
    return true;
}

std::unique_ptr<Listener> Listener::connect(int fd, sd_event *event, const Version &version,
                                            uint64_t timeout_us, std::string *error)
{
    auto listener = handshake(fd, kListenerPath, kListenerInterface, "listener", timeout_us, error);
    if (!listener)
        return nullptr;

    // QEMU builds a proxy (one more GetAll) for each optional interface it
    // knows and the client lists; 7.2 does not look at the list at all.
    auto proxy = [&](const char *interface) {
        const auto &names = listener->advertised_;
        if (std::find(names.begin(), names.end(), interface) == names.end())
            return false;
        MessagePtr answer;
        const int got = listener->get_all(interface, timeout_us, &answer);
        if (got >= 0 && !sd_bus_message_is_method_error(answer.get(), nullptr))
            return true;
        fprintf(stderr, "fake-qemu: GetAll(%s) failed; not using it\n", interface);
        return false;
    };
    if (version.has_unix_map())
        listener->uses_map_ = proxy(kMapInterface);
    if (version.has_dmabuf2())
        listener->uses_dmabuf2_ = proxy(kDmabuf2Interface);

    if (!listener->attach(event, error))
        return nullptr;
    return listener;
}

std::unique_ptr<Listener> Listener::connect_object(int fd, sd_event *event, const char *path,
                                                   const char *interface, const char *description,
                                                   uint64_t timeout_us, std::string *error)
{
    auto listener = handshake(fd, path, interface, description, timeout_us, error);
    if (!listener || !listener->attach(event, error))
        return nullptr;
    return listener;
}

Listener::~Listener()
{
    auto pending = std::move(pending_);
    for (auto &call : pending) {
        call->slot.reset();
        call->done(local_error("listener-gone", "the listener went away before it replied"));
    }
}

bool Listener::connected() const
{
    return sd_bus_is_open(bus_.get()) > 0;
}

int Listener::get_all(const char *interface, uint64_t timeout_us, MessagePtr *reply)
{
    return wait_reply(
        "org.freedesktop.DBus.Properties", "GetAll",
        [interface](sd_bus_message *m) { return sd_bus_message_append(m, "s", interface); },
        timeout_us, reply);
}

// Sends a call and processes this connection alone until its answer (or
// the deadline) comes: QEMU's main loop is blocked meanwhile.
int Listener::wait_reply(const char *interface, const char *member, const Appender &append,
                         uint64_t timeout_us, MessagePtr *reply)
{
    struct Wait {
        bool done = false;
        MessagePtr reply;
    } wait;
    sd_bus *bus = bus_.get();
    sd_bus_message *raw = nullptr;
    int r = sd_bus_message_new_method_call(bus, &raw, nullptr, path_, interface, member);
    if (r < 0)
        return r;
    MessagePtr call(raw);
    if ((r = append(call.get())) < 0)
        return r;
    sd_bus_slot *slot = nullptr;
    r = sd_bus_call_async(
        bus, &slot, call.get(),
        [](sd_bus_message *m, void *userdata, sd_bus_error *) {
            auto *w = static_cast<Wait *>(userdata);
            w->done = true;
            w->reply.reset(sd_bus_message_ref(m));
            return 0;
        },
        &wait, timeout_us);
    if (r < 0)
        return r;
    SlotPtr guard(slot);
    // Our own deadline: sd-bus applies call timeouts only once authenticated.
    const uint64_t deadline = monotonic_us() + timeout_us;
    while (!wait.done) {
        r = sd_bus_process(bus, nullptr);
        if (r < 0)
            return r;
        if (r > 0)
            continue;
        const uint64_t now = monotonic_us();
        if (now >= deadline)
            return -ETIMEDOUT;
        r = sd_bus_wait(bus, deadline - now);
        if (r < 0)
            return r;
    }
    *reply = std::move(wait.reply);
    return 0;
}

CallResult Listener::call_blocking(const char *interface, const char *member,
                                   const Appender &append, uint64_t timeout_us, MessagePtr *reply)
{
    if (!connected())
        return local_error("no-listener", "the listener connection is closed");
    const uint64_t start = monotonic_us();
    MessagePtr answer;
    const int r = wait_reply(interface, member, append, timeout_us, &answer);
    CallResult result;
    if (r == -ETIMEDOUT || (r >= 0 && is_timeout(answer.get()))) {
        result.timed_out = true;
        result.error_name = "timeout";
    } else if (!connected()) {
        result = local_error("listener-gone", "the listener went away before it replied");
    } else if (r < 0) {
        result = local_error("send", std::string(member) + ": " + strerror(-r));
    } else if (sd_bus_message_is_method_error(answer.get(), nullptr)) {
        const sd_bus_error *error = sd_bus_message_get_error(answer.get());
        result.error_name = error->name;
        result.error_message = error->message ? error->message : "";
    } else {
        result.ok = true;
        *reply = std::move(answer);
    }
    result.elapsed_us = monotonic_us() - start;
    return result;
}

void Listener::call(const char *interface, const char *member, const Appender &append,
                    uint64_t timeout_us, CallDone done)
{
    if (!connected()) {
        done(local_error("no-listener", "the listener connection is closed"));
        return;
    }
    sd_bus *bus = bus_.get();
    sd_bus_message *raw = nullptr;
    int r = sd_bus_message_new_method_call(bus, &raw, nullptr, path_, interface, member);
    MessagePtr m(raw);
    if (r >= 0)
        r = append(m.get());
    auto pending =
        std::make_unique<Pending>(Pending{this, nullptr, std::move(done), monotonic_us()});
    sd_bus_slot *slot = nullptr;
    if (r >= 0)
        r = sd_bus_call_async(bus, &slot, m.get(), on_reply, pending.get(), timeout_us);
    if (r < 0) {
        pending->done(local_error("send", std::string(member) + ": " + strerror(-r)));
        return;
    }
    pending->slot.reset(slot);
    pending_.push_back(std::move(pending));
}

int Listener::on_reply(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    auto *raw = static_cast<Pending *>(userdata);
    auto &list = raw->owner->pending_;
    const auto it =
        std::find_if(list.begin(), list.end(), [raw](const auto &p) { return p.get() == raw; });
    if (it == list.end())
        return 0;
    std::unique_ptr<Pending> pending = std::move(*it);
    list.erase(it);

    CallResult result;
    result.elapsed_us = monotonic_us() - pending->start_us;
    if (!raw->owner->connected()) {
        // sd-bus answers the calls still pending on a closed connection
        // itself, by a name that depends on its version (NoReply up to
        // systemd 257, Disconnected in 262): one answer whatever the version.
        result = local_error("listener-gone", "the listener went away before it replied");
    } else if (sd_bus_message_is_method_error(m, nullptr)) {
        const sd_bus_error *error = sd_bus_message_get_error(m);
        result.error_name = error->name;
        result.error_message = error->message ? error->message : "";
        result.timed_out = is_timeout(m);
    } else {
        result.ok = true;
    }
    CallDone done = std::move(pending->done);
    pending.reset(); // sd-bus keeps its own reference to the slot while dispatching
    done(result);
    return 0;
}

int Listener::on_disconnected(sd_bus_message *, void *userdata, sd_bus_error *)
{
    const auto *self = static_cast<const Listener *>(userdata);
    fprintf(stderr, "fake-qemu: the %s connection closed\n", self->description_.c_str());
    return 0;
}

} // namespace fake_qemu
