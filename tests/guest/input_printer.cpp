// Runs inside the test guest as its last init step: prints every input event
// the guest kernel delivers on /dev/input/event* to stdout (the serial
// console), one line each, so that a test on the host reads what the VM
// received. Devices appearing later (modules still probing) are picked up
// through inotify. Built static: the guest has nothing but busybox.
//
// Lines:
//   device event3 "QEMU Virtio Tablet"
//   ready
//   event3 key 30 1          (type, code, value; SYN and MSC are left out)
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace {

constexpr int kMaxDevices = 32;
constexpr char kInputDir[] = "/dev/input";

struct Device {
    int fd = -1;
    char node[32] = {};
};

Device devices[kMaxDevices];

const char *type_name(unsigned type)
{
    switch (type) {
    case EV_KEY:
        return "key";
    case EV_REL:
        return "rel";
    case EV_ABS:
        return "abs";
    case EV_LED:
        return "led";
    default:
        return nullptr;
    }
}

bool is_event_node(const char *name)
{
    return strncmp(name, "event", 5) == 0;
}

void open_device(const char *name)
{
    for (const Device &device : devices)
        if (device.fd >= 0 && strcmp(device.node, name) == 0)
            return;
    for (Device &device : devices) {
        if (device.fd >= 0)
            continue;
        char path[64];
        snprintf(path, sizeof path, "%s/%s", kInputDir, name);
        const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            return;
        char device_name[128] = "?";
        ioctl(fd, EVIOCGNAME(sizeof device_name - 1), device_name);
        device.fd = fd;
        snprintf(device.node, sizeof device.node, "%s", name);
        printf("device %s \"%s\"\n", name, device_name);
        fflush(stdout);
        return;
    }
}

void open_existing()
{
    DIR *dir = opendir(kInputDir);
    if (!dir)
        return;
    while (dirent *entry = readdir(dir))
        if (is_event_node(entry->d_name))
            open_device(entry->d_name);
    closedir(dir);
}

void print_events(Device &device)
{
    input_event events[64];
    const ssize_t n = read(device.fd, events, sizeof events);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0) { // unplugged
        printf("gone %s\n", device.node);
        close(device.fd);
        device.fd = -1;
        return;
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(n) / sizeof events[0]; ++i) {
        if (const char *type = type_name(events[i].type))
            printf("%s %s %u %d\n", device.node, type, events[i].code, events[i].value);
    }
    fflush(stdout);
}

} // namespace

int main()
{
    const int watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (watch < 0 || inotify_add_watch(watch, kInputDir, IN_CREATE) < 0) {
        printf("input-printer: cannot watch %s: %s\n", kInputDir, strerror(errno));
        return 1;
    }
    open_existing();
    printf("ready\n");
    fflush(stdout);

    while (true) {
        pollfd fds[kMaxDevices + 1];
        int owners[kMaxDevices + 1];
        nfds_t count = 0;
        fds[count++] = {watch, POLLIN, 0};
        for (int i = 0; i < kMaxDevices; ++i) {
            if (devices[i].fd < 0)
                continue;
            owners[count] = i;
            fds[count++] = {devices[i].fd, POLLIN, 0};
        }
        if (poll(fds, count, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        if (fds[0].revents & POLLIN) {
            alignas(inotify_event) char buffer[4096];
            const ssize_t n = read(watch, buffer, sizeof buffer);
            for (ssize_t offset = 0; offset < n;) {
                const auto *event = reinterpret_cast<const inotify_event *>(buffer + offset);
                if (event->len > 0 && is_event_node(event->name))
                    open_device(event->name);
                offset += static_cast<ssize_t>(sizeof *event + event->len);
            }
        }
        for (nfds_t i = 1; i < count; ++i)
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
                print_events(devices[owners[i]]);
    }
}
