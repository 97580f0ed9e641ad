// Finding the session's control socket from phyllomectl's environment.
#include <filesystem>
#include <fstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "control/socket_path.hpp"

namespace phyllome::control {
namespace {

class SocketPath : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string dir =
            (std::filesystem::temp_directory_path() / "phyllome-sockpath-XXXXXX").string();
        ASSERT_TRUE(mkdtemp(dir.data()));
        dir_ = dir;
    }
    void TearDown() override
    {
        for (int fd : fds_)
            close(fd);
        std::filesystem::remove_all(dir_);
    }
    // A real listening socket file, as a session leaves it.
    void make_socket(const std::string &path)
    {
        const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        ASSERT_GE(fd, 0);
        fds_.push_back(fd);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        ASSERT_LT(path.size(), sizeof address.sun_path);
        path.copy(address.sun_path, path.size());
        ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
    }
    std::string found(std::string_view option, std::string_view variable)
    {
        auto result = find_socket(option, variable, dir_);
        if (auto *error = std::get_if<SocketLookupError>(&result))
            return "error: " + error->message;
        return std::get<std::string>(result);
    }

    std::string dir_;
    std::vector<int> fds_;
};

TEST_F(SocketPath, NamedAfterTheWaylandDisplay)
{
    EXPECT_EQ(socket_path("/run/user/1000", "wayland-1"), "/run/user/1000/phyllome-wayland-1.sock");
}

TEST_F(SocketPath, OptionThenVariableThenTheOnlySocket)
{
    EXPECT_NE(found("", "").find("no running session"), std::string::npos);
    make_socket(socket_path(dir_, "wayland-1"));
    // A file with a matching name that is not a socket is no session.
    std::ofstream(dir_ + "/phyllome-stale.sock") << "x";
    EXPECT_EQ(found("", ""), socket_path(dir_, "wayland-1"));
    EXPECT_EQ(found("", "/from/env"), "/from/env");
    EXPECT_EQ(found("/from/option", "/from/env"), "/from/option");
}

TEST_F(SocketPath, SeveralSessionsMustBeChosen)
{
    make_socket(socket_path(dir_, "wayland-1"));
    make_socket(socket_path(dir_, "wayland-2"));
    const std::string result = found("", "");
    EXPECT_NE(result.find("several sessions"), std::string::npos) << result;
    EXPECT_NE(result.find("wayland-2"), std::string::npos) << result;
}

TEST(SocketPathLookup, NoRuntimeDir)
{
    auto result = find_socket("", "", "");
    ASSERT_TRUE(std::holds_alternative<SocketLookupError>(result));
}

} // namespace
} // namespace phyllome::control
