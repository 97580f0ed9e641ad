// One libvirt connection (per URI, shared by the VMs that use it): opened
// off the loop, domain lifecycle events delivered on the loop, and reopened
// with a bounded back-off when libvirt goes away.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <sys/types.h>

#include <libvirt/libvirt.h>
#include <wayland-server-core.h>

#include "base/event_source.hpp"
#include "base/off_loop.hpp"

namespace phyllome::libvirt {

// libvirt's embedded QEMU driver (qemu:///embed?root=DIR) keeps all its
// state under DIR and runs QEMU itself. Before the first open, DIR/etc/
// qemu.conf is written unless present: no virtlogd, no cgroups or mount
// namespaces (no daemon sets them up), and as root, QEMU as root without a
// security driver (the images live in the user's folders). Other URIs:
// nothing.
void prepare_embedded_root(const std::string &uri);

// Opens a libvirt connection, preparing an embedded root first. Null on
// failure, with the reason in `error` when given.
//
// libvirt loads its embedded QEMU driver into the process on the first open
// of qemu:///embed and can never start it again there: a failed start
// leaves it registered but dead ("qemu state driver is not active"), and
// every later open registers it once more ("Too many drivers"). So:
// - the root is opened once per process and that connection is shared
//   (each caller gets a reference of its own to close);
// - it is opened only once its pid file lock is free: a root that another
//   process holds is an error naming that process, and nothing is loaded,
//   so a later try can still succeed;
// - a start that fails for another reason is final for this process, and
//   later opens say so without asking libvirt again;
// - while the driver is loaded, libvirt hands local URIs (qemu:///system)
//   to it instead of to their daemon: those are opened through
//   uri_beside_embedded_driver.
virConnectPtr open_libvirt(const std::string &uri, std::string *error = nullptr);

// The same connection for libvirt's remote driver once the embedded driver
// is in the process: a local URI gets its daemon's socket explicitly
// (qemu:///system -> qemu+unix:///system?socket=/var/run/libvirt/...-sock,
// the socket libvirt itself would pick: the modular daemon's if it exists,
// else libvirtd's; $XDG_RUNTIME_DIR/libvirt for /session when not root),
// and tcp/tls/ssh transports without a host get "localhost". Remote URIs,
// test:///, embedded ones and those already explicit are returned as they are.
// `exists` tells whether a socket path exists (a parameter for tests).
std::string uri_beside_embedded_driver(const std::string &uri,
                                       bool (*exists)(const std::string &path) = nullptr);

// DIR of qemu:///embed?root=DIR; empty for other URIs.
std::string embedded_root(const std::string &uri);

// The process whose libvirt runs the embedded root's driver: it holds the
// lock on ROOT/run/qemu/driver.pid (libvirt lets one process in); 0: none.
pid_t embedded_root_holder(const std::string &root);
// "process PID (NAME)", for messages.
std::string describe_process(pid_t pid);

class LibvirtConnection {
public:
    // `changed` runs on the loop whenever the connection comes or goes.
    LibvirtConnection(wl_event_loop *loop, base::OffLoop &off_loop, std::string uri);
    ~LibvirtConnection();
    LibvirtConnection(const LibvirtConnection &) = delete;
    LibvirtConnection &operator=(const LibvirtConnection &) = delete;

    const std::string &uri() const { return uri_; }
    // Null while not connected. Thread-safe to use from off-loop work once
    // referenced with virConnectRef.
    virConnectPtr get() const { return conn_; }
    const std::string &error() const { return error_; }

    // Called on the loop for every lifecycle event of the named domain, and
    // with event -1 when the connection comes or goes.
    int subscribe(const std::string &domain, std::function<void(int event, int detail)> callback);
    void unsubscribe(int id);

private:
    void open();
    void opened(virConnectPtr conn, std::string error);
    void lost(const std::string &why);
    void notify_all(int event, int detail);
    static void on_lifecycle(virConnectPtr, virDomainPtr dom, int event, int detail, void *data);
    static void on_close(virConnectPtr, int reason, void *data);

    wl_event_loop *loop_;
    base::OffLoop &off_loop_;
    // Off-loop results check it: this connection may be gone by then.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    std::string uri_;
    virConnectPtr conn_ = nullptr;
    std::string error_;
    int lifecycle_callback_ = -1;
    bool opening_ = false;
    int retry_ms_ = 0;
    base::TimerSource retry_; // open() again
    int next_id_ = 1;
    std::map<int, std::pair<std::string, std::function<void(int, int)>>> subscribers_;
};

} // namespace phyllome::libvirt
