#include "tests/support/session.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <stdexcept>
#include <unistd.h>

#include <gtest/gtest.h>

namespace phyllome::test {

SessionProcess::SessionProcess(const std::vector<std::string> &args, EnvChanges env,
                               std::vector<int> inherit, const std::vector<std::string> &run_under)
{
    std::string dir_template =
        (std::filesystem::temp_directory_path() / "phyllome-test-XXXXXX").string();
    if (!mkdtemp(dir_template.data()))
        throw std::runtime_error("mkdtemp failed");
    runtime_dir_ = dir_template;

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
    ready_fd_ = fds[0];

    std::vector<std::string> argv = run_under;
    argv.insert(argv.end(),
                {required_env("PHYLLOME_SESSION"), "--ready-fd", std::to_string(fds[1])});
    argv.insert(argv.end(), args.begin(), args.end());

    // Only what the test asks for: no parent desktop, the pixman renderer.
    env.emplace("XDG_RUNTIME_DIR", runtime_dir_);
    env.emplace("WAYLAND_DISPLAY", std::nullopt);
    env.emplace("WAYLAND_SOCKET", std::nullopt);
    env.emplace("DISPLAY", std::nullopt);
    env.emplace("WLR_BACKENDS", std::nullopt);
    env.emplace("WLR_RENDERER", "pixman");
    env.emplace("XDG_CONFIG_HOME", runtime_dir_ + "/config");
    inherit.push_back(fds[1]);
    pid_ = spawn(argv, env, runtime_dir_ + "/session.log", inherit);
    close(fds[1]);
}

SessionProcess::~SessionProcess()
{
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        wait_for_exit(pid_, std::chrono::seconds(10));
    }
    if (ready_fd_ >= 0)
        close(ready_fd_);
    if (::testing::Test::HasFailure())
        std::cerr << "--- session log (" << runtime_dir_ << ") ---\n" << log() << "---\n";
    std::error_code ignored;
    std::filesystem::remove_all(runtime_dir_, ignored);
}

bool SessionProcess::wait_ready(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string received;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd fd{ready_fd_, POLLIN, 0};
        const int ready = poll(&fd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return false;
        char buffer[256];
        const ssize_t n = read(ready_fd_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; // closed: by the session after writing, or by its exit
        received.append(buffer, static_cast<std::size_t>(n));
    }
    const std::string prefix = "WAYLAND_DISPLAY=";
    if (received.rfind(prefix, 0) != 0 || received.back() != '\n')
        return false;
    socket_ = received.substr(prefix.size(), received.size() - prefix.size() - 1);
    return !socket_.empty();
}

std::string SessionProcess::log() const
{
    std::ifstream file(runtime_dir_ + "/session.log");
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

CommandResult SessionProcess::run_client(const std::vector<std::string> &argv)
{
    return run_command(argv, {{"XDG_RUNTIME_DIR", runtime_dir_},
                              {"WAYLAND_DISPLAY", socket_},
                              {"DISPLAY", std::nullopt}});
}

std::optional<Image> SessionProcess::capture(const std::string &output)
{
    const std::string path = runtime_dir_ + "/capture-" + std::to_string(++captures_) + ".ppm";
    const CommandResult result =
        run_client({required_env("GRIM"), "-t", "ppm", "-o", output, path});
    if (result.exit_code != 0) {
        ADD_FAILURE() << "grim -o " << output << " failed (exit " << result.exit_code
                      << "): " << result.output;
        return std::nullopt;
    }
    auto image = read_ppm(path);
    if (!image)
        ADD_FAILURE() << "grim wrote no readable PPM at " << path;
    return image;
}

std::optional<int> SessionProcess::stop(int signal_number)
{
    if (pid_ <= 0)
        return std::nullopt;
    kill(pid_, signal_number);
    return wait_exit(std::chrono::seconds(20));
}

std::optional<int> SessionProcess::wait_exit(std::chrono::milliseconds timeout)
{
    if (pid_ <= 0)
        return std::nullopt;
    auto status = wait_for_exit(pid_, timeout);
    if (status)
        pid_ = -1;
    return status;
}

} // namespace phyllome::test
