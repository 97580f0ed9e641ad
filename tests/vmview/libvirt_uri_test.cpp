// The URIs the session opens beside libvirt's embedded driver: local ones
// name their daemon's socket, so that libvirt's remote driver takes them.
#include <unistd.h>

#include <gtest/gtest.h>

#include "vmview/libvirt_connection.hpp"

namespace phyllome::vmview {
namespace {

bool none_exist(const std::string &)
{
    return false;
}

bool modular_daemon_runs(const std::string &path)
{
    return path.find("/virtqemud-sock") != std::string::npos;
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
    if (geteuid() == 0)
        GTEST_SKIP() << "a user's session sockets are chosen when not root";
    setenv("XDG_RUNTIME_DIR", "/run/user/1000 x", 1);
    EXPECT_EQ(uri_beside_embedded_driver("qemu:///session", none_exist),
              "qemu+unix:///session?socket=/run/user/1000%20x/libvirt/libvirt-sock");
}

} // namespace
} // namespace phyllome::vmview
