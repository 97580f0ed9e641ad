// The URIs the session opens beside libvirt's embedded driver: local ones
// name their daemon's socket, so that libvirt's remote driver takes them.
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include <gtest/gtest.h>

#include "libvirt/libvirt_connection.hpp"

namespace phyllome::libvirt {
namespace {

bool none_exist(const std::string &)
{
    return false;
}

bool modular_daemon_runs(const std::string &path)
{
    return path.find("/virtqemud-sock") != std::string::npos;
}

// What `ask` answers for a user: as root, asked in a child process that
// becomes nobody (65534) first, since the answer depends on the euid.
std::string as_a_user(const std::function<std::string()> &ask)
{
    if (geteuid() != 0)
        return ask();
    int fds[2];
    if (pipe(fds) != 0)
        return "pipe failed";
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const std::string answer =
            setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0
                ? ask()
                : "could not become nobody";
        const ssize_t written = write(fds[1], answer.data(), answer.size());
        _exit(written == static_cast<ssize_t>(answer.size()) ? 0 : 1);
    }
    close(fds[1]);
    std::string answer;
    char buffer[256];
    ssize_t n;
    while ((n = read(fds[0], buffer, sizeof buffer)) > 0)
        answer.append(buffer, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return answer;
}

TEST(UriBesideEmbeddedDriver, LocalUrisNameTheDaemonsSocket)
{
    if (geteuid() != 0)
        GTEST_SKIP() << "the system sockets are chosen as root";
    EXPECT_EQ(uri_beside_embedded_driver("qemu:///system", none_exist),
              "qemu+unix:///system?socket=/var/run/libvirt/libvirt-sock");
    EXPECT_EQ(uri_beside_embedded_driver("qemu+unix:///system", modular_daemon_runs),
              "qemu+unix:///system?socket=/var/run/libvirt/virtqemud-sock");
    // As root, /session is the system daemon, as libvirt has it.
    EXPECT_EQ(uri_beside_embedded_driver("qemu:///session", none_exist),
              "qemu+unix:///session?socket=/var/run/libvirt/libvirt-sock");
    EXPECT_EQ(uri_beside_embedded_driver("lxc:///system?mode=legacy", none_exist),
              "lxc+unix:///system?mode=legacy&socket=/var/run/libvirt/libvirt-sock");
}

TEST(UriBesideEmbeddedDriver, ExplicitSocketsAndHostsStay)
{
    EXPECT_EQ(uri_beside_embedded_driver("qemu:///system?socket=/run/my-sock", none_exist),
              "qemu+unix:///system?socket=/run/my-sock");
    EXPECT_EQ(uri_beside_embedded_driver("qemu+unix:///system?socket=/run/my-sock", none_exist),
              "qemu+unix:///system?socket=/run/my-sock");
    // No host given: libvirt's own default, localhost, made explicit.
    EXPECT_EQ(uri_beside_embedded_driver("qemu+ssh:///system", none_exist),
              "qemu+ssh://localhost/system");
    EXPECT_EQ(uri_beside_embedded_driver("qemu+tls:///system", none_exist),
              "qemu+tls://localhost/system");
    for (const char *uri :
         {"qemu+ssh://host/system", "qemu://host/system", "qemu+ssh://user@host/system",
          "test:///default", "qemu:///embed?root=/tmp/x", "qemu+ext:///system?command=/bin/x",
          "not a uri"})
        EXPECT_EQ(uri_beside_embedded_driver(uri, none_exist), uri);
}

TEST(UriBesideEmbeddedDriver, SocketPathsAreEscaped)
{
    setenv("XDG_RUNTIME_DIR", "/run/user/1000 x", 1);
    EXPECT_EQ(as_a_user([] { return uri_beside_embedded_driver("qemu:///session", none_exist); }),
              "qemu+unix:///session?socket=/run/user/1000%20x/libvirt/libvirt-sock");
}

} // namespace
} // namespace phyllome::libvirt
