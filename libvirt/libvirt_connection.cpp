#include "libvirt/libvirt_connection.hpp"

#include <unistd.h>

#include <fstream>

#include <filesystem>

#include <algorithm>
#include <cstdio>
#include <vector>

#include <libvirt/virterror.h>

namespace phyllome::libvirt {
namespace {

// Reconnection waits double from the first to the last, never spinning and
// never waiting long once libvirt is back.
constexpr int kFirstRetryMs = 250;
constexpr int kLastRetryMs = 8000;

std::string last_libvirt_error()
{
    const virError *error = virGetLastError();
    return error && error->message ? error->message : "unknown libvirt error";
}

} // namespace

LibvirtConnection::LibvirtConnection(wl_event_loop *loop, base::OffLoop &off_loop, std::string uri)
    : loop_(loop), off_loop_(off_loop), uri_(std::move(uri))
{
    retry_ = wl_event_loop_add_timer(loop_, on_retry, this);
    open();
}

LibvirtConnection::~LibvirtConnection()
{
    wl_event_source_remove(retry_);
    if (conn_) {
        if (lifecycle_callback_ >= 0)
            virConnectDomainEventDeregisterAny(conn_, lifecycle_callback_);
        virConnectUnregisterCloseCallback(conn_, on_close);
        virConnectClose(conn_);
    }
}

void prepare_embedded_root(const std::string &uri)
{
    constexpr std::string_view kPrefix = "qemu:///embed?root=";
    if (uri.rfind(kPrefix, 0) != 0)
        return;
    const std::string root = uri.substr(kPrefix.size(), uri.find('&') - kPrefix.size());
    const std::filesystem::path conf = std::filesystem::path(root) / "etc" / "qemu.conf";
    std::error_code error;
    if (root.empty() || std::filesystem::exists(conf, error))
        return;
    std::filesystem::create_directories(conf.parent_path(), error);
    std::ofstream out(conf);
    out << "# Written by phyllome-session for libvirt's embedded QEMU driver.\n";
    if (geteuid() == 0)
        out << "user = \"root\"\ngroup = \"root\"\n";
    out << "security_driver = \"none\"\ncgroup_controllers = [ ]\nnamespaces = [ ]\n"
           "stdio_handler = \"file\"\n";
}

virConnectPtr open_libvirt(const std::string &uri)
{
    prepare_embedded_root(uri);
    return virConnectOpen(uri.c_str());
}

void LibvirtConnection::open()
{
    if (opening_ || conn_)
        return;
    opening_ = true;
    auto result = std::make_shared<std::pair<virConnectPtr, std::string>>(nullptr, "");
    // Opening can take seconds (a daemon that is starting, the embedded
    // driver probing QEMU): off the loop.
    off_loop_.run(
        [uri = uri_, result] {
            result->first = open_libvirt(uri);
            if (!result->first)
                result->second = last_libvirt_error();
        },
        [this, alive = std::weak_ptr<int>(alive_), result] {
            if (alive.expired()) {
                if (result->first)
                    virConnectClose(result->first);
                return;
            }
            opened(result->first, result->second);
        });
}

void LibvirtConnection::opened(virConnectPtr conn, std::string error)
{
    opening_ = false;
    if (!conn) {
        error_ = std::move(error);
        std::fprintf(stderr, "libvirt %s: %s\n", uri_.c_str(), error_.c_str());
        retry_ms_ = retry_ms_ ? std::min(retry_ms_ * 2, kLastRetryMs) : kFirstRetryMs;
        wl_event_source_timer_update(retry_, retry_ms_);
        notify_all(-1, 0);
        return;
    }
    conn_ = conn;
    error_.clear();
    retry_ms_ = 0;
    // Keepalive finds a daemon that hangs; the embedded driver has none.
    virConnectSetKeepAlive(conn_, 5, 3);
    virResetLastError();
    virConnectRegisterCloseCallback(conn_, on_close, this, nullptr);
    lifecycle_callback_ =
        virConnectDomainEventRegisterAny(conn_, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                         VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), this, nullptr);
    if (lifecycle_callback_ < 0)
        std::fprintf(stderr, "libvirt %s: no lifecycle events: %s\n", uri_.c_str(),
                     last_libvirt_error().c_str());
    std::fprintf(stderr, "libvirt %s: connected\n", uri_.c_str());
    notify_all(-1, 0);
}

void LibvirtConnection::lost(const std::string &why)
{
    if (!conn_)
        return;
    std::fprintf(stderr, "libvirt %s: connection lost (%s)\n", uri_.c_str(), why.c_str());
    if (lifecycle_callback_ >= 0)
        virConnectDomainEventDeregisterAny(conn_, lifecycle_callback_);
    lifecycle_callback_ = -1;
    virConnectUnregisterCloseCallback(conn_, on_close);
    virConnectClose(conn_);
    conn_ = nullptr;
    error_ = "connection lost: " + why;
    retry_ms_ = kFirstRetryMs;
    wl_event_source_timer_update(retry_, retry_ms_);
    notify_all(-1, 0);
}

int LibvirtConnection::on_retry(void *data)
{
    static_cast<LibvirtConnection *>(data)->open();
    return 0;
}

void LibvirtConnection::on_close(virConnectPtr, int reason, void *data)
{
    auto *self = static_cast<LibvirtConnection *>(data);
    const char *why = reason == VIR_CONNECT_CLOSE_REASON_EOF         ? "end of file"
                      : reason == VIR_CONNECT_CLOSE_REASON_KEEPALIVE ? "keepalive timeout"
                      : reason == VIR_CONNECT_CLOSE_REASON_CLIENT    ? "closed by client"
                                                                     : "error";
    // Not from inside libvirt's own callback: a zero-delay timer.
    struct Closed {
        LibvirtConnection *self;
        std::string why;
    };
    auto *closed = new Closed{self, why};
    wl_event_loop_add_idle(
        self->loop_,
        [](void *data) {
            auto *c = static_cast<Closed *>(data);
            c->self->lost(c->why);
            delete c;
        },
        closed);
}

void LibvirtConnection::on_lifecycle(virConnectPtr, virDomainPtr dom, int event, int detail,
                                     void *data)
{
    auto *self = static_cast<LibvirtConnection *>(data);
    const char *name = virDomainGetName(dom);
    if (!name)
        return;
    std::vector<std::function<void(int, int)>> callbacks;
    for (const auto &[id, subscriber] : self->subscribers_)
        if (subscriber.first == name)
            callbacks.push_back(subscriber.second);
    for (const auto &callback : callbacks)
        callback(event, detail);
}

void LibvirtConnection::notify_all(int event, int detail)
{
    std::vector<std::function<void(int, int)>> callbacks;
    for (const auto &[id, subscriber] : subscribers_)
        callbacks.push_back(subscriber.second);
    for (const auto &callback : callbacks)
        callback(event, detail);
}

int LibvirtConnection::subscribe(const std::string &domain, std::function<void(int, int)> callback)
{
    const int id = next_id_++;
    subscribers_[id] = {domain, std::move(callback)};
    return id;
}

void LibvirtConnection::unsubscribe(int id)
{
    subscribers_.erase(id);
}

} // namespace phyllome::libvirt
