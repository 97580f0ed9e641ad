#include "libvirt/libvirt_connection.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include <libvirt/virterror.h>

#include "base/log.hpp"
#include "libvirt/common.hpp"

namespace phyllome::libvirt {
namespace {

// Reconnection waits double from the first to the last, never spinning and
// never waiting long once libvirt is back.

constexpr std::string_view kEmbedPrefix = "qemu:///embed?root=";

// libvirt's embedded driver in this process: loaded at most once, see
// open_libvirt.
struct EmbeddedDriver {
    std::mutex mutex;
    std::string root;             // the root it runs with, once started
    virConnectPtr conn = nullptr; // kept open for the process's life
    std::string failure;          // why it failed to start, for good
    int lock_fd = -1;             // its pid file lock, see take_driver_lock
};
EmbeddedDriver g_embedded;
// Set before the driver is first loaded: from then on local URIs need
// uri_beside_embedded_driver.
std::atomic<bool> g_embedded_loaded{false};

// The lock libvirt's driver takes on its pid file: a write lock on the
// first byte.
struct flock driver_lock()
{
    struct flock lock = {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = 0;
    lock.l_len = 1;
    return lock;
}

// libvirt's embedded QEMU driver holds ROOT/run/qemu/driver.pid with a POSIX
// write lock on its first byte for as long as it runs, and fails to start
// (for good, in that process) when it cannot take it. The session takes the
// same lock first: when another process holds it, nothing is loaded and
// `busy` says who; when the session gets it, the driver's own lock in this
// process cannot fail. POSIX locks belong to the process and go when any of
// its descriptors of the file closes, so the descriptor stays open for as
// long as the driver runs.
int take_driver_lock(const std::string &root, std::string &busy)
{
    const std::filesystem::path dir = std::filesystem::path(root) / "run" / "qemu";
    const std::string path = dir / "driver.pid";
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    // Whoever held it may remove the file as it lets go (libvirt does): the
    // lock counts only on the file that is there after taking it.
    for (int attempt = 0; attempt < 3; ++attempt) {
        const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            busy = "cannot open " + path + ": " + std::strerror(errno);
            return -1;
        }
        struct flock lock = driver_lock();
        if (fcntl(fd, F_SETLK, &lock) < 0) {
            close(fd);
            const pid_t holder = embedded_root_holder(root);
            busy = "the root is busy: " + (holder > 0 ? "in use by " + describe_process(holder)
                                                      : "another process holds " + path);
            return -1;
        }
        struct stat locked = {}, now = {};
        if (fstat(fd, &locked) == 0 && stat(path.c_str(), &now) == 0 &&
            locked.st_ino == now.st_ino && locked.st_dev == now.st_dev)
            return fd;
        close(fd);
    }
    busy = "the root is busy: its pid file keeps changing";
    return -1;
}

virConnectPtr open_embedded(const std::string &uri, const std::string &root, std::string &error)
{
    std::lock_guard lock(g_embedded.mutex);
    if (g_embedded.conn) {
        if (root == g_embedded.root) {
            virConnectRef(g_embedded.conn);
            return g_embedded.conn;
        }
        error = "libvirt's embedded driver already runs in this process with root " +
                g_embedded.root + "; another root needs another process";
        return nullptr;
    }
    if (!g_embedded.failure.empty()) {
        error = "libvirt's embedded driver failed to start (" + g_embedded.failure +
                ") and cannot start again in this process: restart the session";
        return nullptr;
    }
    prepare_embedded_root(uri);
    const int lock_fd = take_driver_lock(root, error);
    if (lock_fd < 0)
        return nullptr;
    g_embedded_loaded = true;
    virConnectPtr conn = virConnectOpen(uri.c_str());
    if (!conn) {
        error = last_libvirt_error();
        g_embedded.failure = error;
        close(lock_fd);
        return nullptr;
    }
    g_embedded.root = root;
    g_embedded.conn = conn;
    g_embedded.lock_fd = lock_fd;
    virConnectRef(conn); // one reference stays here
    return conn;
}

bool path_exists(const std::string &path)
{
    return access(path.c_str(), F_OK) == 0;
}

std::string escape_query_value(const std::string &value)
{
    std::string out;
    for (const unsigned char c : value) {
        if (std::isalnum(c) ||
            std::string_view("/-._~").find(static_cast<char>(c)) != std::string_view::npos) {
            out += static_cast<char>(c);
        } else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", c);
            out += hex;
        }
    }
    return out;
}

} // namespace

std::string uri_beside_embedded_driver(const std::string &uri, bool (*exists)(const std::string &))
{
    if (!exists)
        exists = path_exists;
    const auto scheme_end = uri.find("://");
    if (scheme_end == std::string::npos)
        return uri;
    const std::string scheme = uri.substr(0, scheme_end);
    const auto path_start = uri.find('/', scheme_end + 3);
    // A host (or user) is there: libvirt's remote driver takes it anyway.
    if (path_start != scheme_end + 3)
        return uri;
    const std::string rest = uri.substr(path_start); // path and query
    const std::string path = rest.substr(0, rest.find('?'));
    const std::string query =
        rest.find('?') == std::string::npos ? "" : rest.substr(path.size() + 1);
    const auto plus = scheme.find('+');
    const std::string driver = scheme.substr(0, plus);
    const std::string transport = plus == std::string::npos ? "" : scheme.substr(plus + 1);
    if (driver == "test" || driver == "remote" || path == "/embed")
        return uri;
    if (transport == "tcp" || transport == "tls" || transport == "ssh" || transport == "libssh" ||
        transport == "libssh2")
        return scheme + "://localhost" + rest;
    if (!transport.empty() && transport != "unix")
        return uri;
    const bool has_socket = ("&" + query).find("&socket=") != std::string::npos;
    if (has_socket)
        return driver + "+unix://" + rest;
    // The socket libvirt itself would choose: the user's daemons for
    // /session when not root, the modular daemon if it runs, else libvirtd.
    std::string dir = "/var/run/libvirt";
    if (path == "/session" && geteuid() != 0) {
        const char *runtime = std::getenv("XDG_RUNTIME_DIR");
        const char *home = std::getenv("HOME");
        dir = runtime && *runtime ? std::string(runtime) + "/libvirt"
                                  : std::string(home ? home : "") + "/.cache/libvirt";
    }
    const std::string direct = dir + "/virt" + driver + "d-sock";
    const std::string socket = exists(direct) ? direct : dir + "/libvirt-sock";
    return driver + "+unix://" + path + "?" + (query.empty() ? "" : query + "&") +
           "socket=" + escape_query_value(socket);
}

LibvirtConnection::LibvirtConnection(wl_event_loop *loop, base::OffLoop &off_loop, std::string uri)
    : loop_(loop), off_loop_(off_loop), uri_(std::move(uri))
{
    retry_ = base::TimerSource(loop_, [this] { open(); });
    open();
}

LibvirtConnection::~LibvirtConnection()
{
    if (conn_) {
        if (lifecycle_callback_ >= 0)
            virConnectDomainEventDeregisterAny(conn_, lifecycle_callback_);
        virConnectUnregisterCloseCallback(conn_, on_close);
        virConnectClose(conn_);
    }
}

std::string embedded_root(const std::string &uri)
{
    if (uri.rfind(kEmbedPrefix, 0) != 0)
        return {};
    return uri.substr(kEmbedPrefix.size(), uri.find('&') - kEmbedPrefix.size());
}

void prepare_embedded_root(const std::string &uri)
{
    const std::string root = embedded_root(uri);
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

pid_t embedded_root_holder(const std::string &root)
{
    const int fd = open((root + "/run/qemu/driver.pid").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct flock lock = driver_lock();
    const bool held = fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
    close(fd);
    return held ? lock.l_pid : 0;
}

std::string describe_process(pid_t pid)
{
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(comm, name);
    return "process " + std::to_string(pid) + (name.empty() ? "" : " (" + name + ")");
}

virConnectPtr open_libvirt(const std::string &uri, std::string *error)
{
    std::string why;
    virConnectPtr conn = nullptr;
    if (const std::string root = embedded_root(uri); !root.empty()) {
        conn = open_embedded(uri, root, why);
    } else {
        conn = virConnectOpen((g_embedded_loaded ? uri_beside_embedded_driver(uri) : uri).c_str());
        if (!conn)
            why = last_libvirt_error();
    }
    if (error)
        *error = why;
    return conn;
}

void LibvirtConnection::open()
{
    if (opening_ || conn_)
        return;
    opening_ = true;
    auto result = std::make_shared<std::pair<virConnectPtr, std::string>>(nullptr, "");
    // Opening can take seconds (a daemon that is starting, the embedded
    // driver probing QEMU): off the loop.
    off_loop_.run([uri = uri_, result] { result->first = open_libvirt(uri, &result->second); },
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
        // A retry loop logs what changes, not every try.
        if (error != error_)
            base::log_info("libvirt %s: %s (trying again, backing off up to %d s)", uri_.c_str(),
                           error.c_str(), kLastRetryMs / 1000);
        error_ = std::move(error);
        retry_ms_ = next_retry_ms(retry_ms_);
        retry_.arm(retry_ms_);
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
        base::log_info("libvirt %s: no lifecycle events: %s", uri_.c_str(),
                       last_libvirt_error().c_str());
    base::log_info("libvirt %s: connected", uri_.c_str());
    notify_all(-1, 0);
}

void LibvirtConnection::lost(const std::string &why)
{
    if (!conn_)
        return;
    base::log_info("libvirt %s: connection lost (%s)", uri_.c_str(), why.c_str());
    if (lifecycle_callback_ >= 0)
        virConnectDomainEventDeregisterAny(conn_, lifecycle_callback_);
    lifecycle_callback_ = -1;
    virConnectUnregisterCloseCallback(conn_, on_close);
    virConnectClose(conn_);
    conn_ = nullptr;
    error_ = "connection lost: " + why;
    retry_ms_ = kFirstRetryMs;
    retry_.arm(retry_ms_);
    notify_all(-1, 0);
}

void LibvirtConnection::on_close(virConnectPtr, int reason, void *data)
{
    auto *self = static_cast<LibvirtConnection *>(data);
    const char *why = reason == VIR_CONNECT_CLOSE_REASON_EOF         ? "end of file"
                      : reason == VIR_CONNECT_CLOSE_REASON_KEEPALIVE ? "keepalive timeout"
                      : reason == VIR_CONNECT_CLOSE_REASON_CLIENT    ? "closed by client"
                                                                     : "error";
    // libvirt calls this on whichever thread noticed the loss (the loop's,
    // or one of the OffLoop's in a call): the loop hears of it through the
    // OffLoop, outside libvirt's callback. The first reason is the one
    // logged: lost() does nothing once the connection is gone.
    self->off_loop_.post([self, alive = std::weak_ptr<int>(self->alive_), why] {
        if (!alive.expired())
            self->lost(why);
    });
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
