#include "bench/listener_peer.hpp"

#include <cstring>
#include <stdexcept>
#include <sys/socket.h>

#include <systemd/sd-id128.h>

namespace phyllome::bench {

sd_bus *open_qemu_side(int fd)
{
    // QEMU is the authentication server on a listener connection.
    sd_id128_t id;
    sd_id128_randomize(&id);
    sd_bus *bus = nullptr;
    int r = sd_bus_new(&bus);
    if (r >= 0)
        r = sd_bus_set_fd(bus, fd, fd);
    if (r >= 0)
        r = sd_bus_set_server(bus, 1, id);
    if (r >= 0)
        r = sd_bus_negotiate_fds(bus, 1);
    if (r >= 0)
        r = sd_bus_start(bus);
    if (r < 0) {
        sd_bus_unref(bus);
        throw std::runtime_error(std::string("peer bus: ") + std::strerror(-r));
    }
    return bus;
}

ListenerPeer::ListenerPeer(uint32_t width, uint32_t height)
{
    loop_ = wl_event_loop_create();
    int pair[2];
    if (!loop_ || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) != 0)
        throw std::runtime_error("cannot create the listener socketpair");

    peer_ = open_qemu_side(pair[1]);
    peer_source_ = std::make_unique<vmview::BusSource>(loop_, peer_, [](int) {});

    vmview::Console::Info info;
    info.width = width;
    info.height = height;
    console_ = std::make_unique<vmview::Console>(loop_, info, "bench", base::UniqueFd(pair[0]),
                                                 vmview::Console::Handlers{});
    if (!console_->connected())
        throw std::runtime_error("the console did not connect");
    console_->set_observer(this);

    // As QEMU does after registration: read the Listener's properties. This
    // also finishes the handshake, so fd passing is negotiated before the
    // first message that carries an fd is sealed.
    sd_bus_message *get = nullptr;
    if (sd_bus_message_new_method_call(peer_, &get, nullptr, "/org/qemu/Display1/Listener",
                                       "org.freedesktop.DBus.Properties", "GetAll") < 0 ||
        sd_bus_message_append(get, "s", kListenerInterface) < 0)
        throw std::runtime_error("cannot build GetAll");
    std::string error;
    if (!call(get, error))
        throw std::runtime_error("GetAll: " + error);
}

ListenerPeer::~ListenerPeer()
{
    console_.reset();
    peer_source_.reset();
    sd_bus_flush_close_unref(peer_);
    wl_event_loop_destroy(loop_);
}

sd_bus_message *ListenerPeer::new_call(const char *interface, const char *member)
{
    sd_bus_message *m = nullptr;
    if (sd_bus_message_new_method_call(peer_, &m, nullptr, "/org/qemu/Display1/Listener", interface,
                                       member) < 0)
        throw std::runtime_error("cannot build a Listener call");
    return m;
}

void ListenerPeer::frame_damaged(vmview::Console &, std::span<const base::Rect>)
{
    damage_events_++;
    present_pending_ = true;
}

bool ListenerPeer::call(sd_bus_message *message, std::string &error)
{
    struct Result {
        bool done = false;
        std::string error;
    } result;
    const int r = sd_bus_call_async(
        peer_, nullptr, message,
        [](sd_bus_message *reply, void *data, sd_bus_error *) {
            auto *res = static_cast<Result *>(data);
            res->done = true;
            if (const sd_bus_error *e = sd_bus_message_get_error(reply))
                res->error = e->message ? e->message : e->name;
            return 0;
        },
        &result, 0);
    sd_bus_message_unref(message);
    if (r < 0) {
        error = std::string("send: ") + std::strerror(-r);
        return false;
    }
    peer_source_->update();
    while (!result.done) {
        if (!console_->connected()) {
            error = "the console's connection closed";
            return false;
        }
        // An UpdateDMABUF is answered once its frame is on screen: present
        // at once, as an output that is always ready would.
        if (present_pending_) {
            present_pending_ = false;
            console_->frame_presented();
            continue;
        }
        if (wl_event_loop_dispatch(loop_, -1) < 0) {
            error = "loop failed";
            return false;
        }
    }
    present_pending_ = false;
    error = result.error;
    return error.empty();
}

} // namespace phyllome::bench
