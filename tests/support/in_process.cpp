#include "tests/support/in_process.hpp"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"

namespace phyllome::test {

InProcessSession::InProcessSession(Server::Settings settings,
                                   const std::function<void(Server &)> &before_start)
{
    std::string dir = (std::filesystem::temp_directory_path() / "phyllome-inproc-XXXXXX").string();
    if (!mkdtemp(dir.data()))
        throw std::runtime_error("mkdtemp failed");
    runtime_dir_ = dir;
    // PHYLLOME_TEST_DEBUG=1 shows wlroots' debug log when a test needs it.
    if (getenv("PHYLLOME_TEST_DEBUG"))
        wlr_log_init(WLR_DEBUG, nullptr);
    setenv("XDG_RUNTIME_DIR", runtime_dir_.c_str(), 1);
    setenv("WLR_RENDERER", "pixman", 1);
    unsetenv("WAYLAND_DISPLAY");
    unsetenv("DISPLAY");
    auto on_ready = std::move(settings.on_ready);
    settings.on_ready = [this, on_ready](const std::string &socket) {
        ready_ = true;
        if (on_ready)
            on_ready(socket);
    };
    server_ = std::make_unique<Server>(std::move(settings));
    if (before_start)
        before_start(*server_);
    server_->start();
}

InProcessSession::~InProcessSession()
{
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(runtime_dir_, ignored);
}

bool InProcessSession::dispatch_until(const std::function<bool()> &done,
                                      std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        wl_display_flush_clients(server_->display());
        wl_event_loop_dispatch(server_->event_loop(), static_cast<int>(left.count()));
    }
    return true;
}

int InProcessSession::run_client(const std::vector<std::string> &argv, const std::string &log)
{
    const pid_t pid =
        spawn(argv, {{"WAYLAND_DISPLAY", server_->socket()}}, runtime_dir_ + "/" + log);
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        ADD_FAILURE() << "pidfd_open failed";
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        return -1;
    }
    bool exited = false;
    wl_event_source *source = wl_event_loop_add_fd(
        server_->event_loop(), pidfd, WL_EVENT_READABLE,
        [](int, uint32_t, void *data) {
            *static_cast<bool *>(data) = true;
            return 0;
        },
        &exited);
    const bool finished = dispatch_until([&] { return exited; });
    wl_event_source_remove(source);
    close(pidfd);
    if (!finished) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        ADD_FAILURE() << argv.front() << " did not finish";
        return -1;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::optional<Image> InProcessSession::capture(const std::string &output, bool with_cursor)
{
    const std::string path = runtime_dir_ + "/" + output + ".ppm";
    std::vector<std::string> argv = {required_env("GRIM"), "-t", "ppm"};
    if (with_cursor)
        argv.push_back("-c");
    argv.insert(argv.end(), {"-o", output, path});
    if (run_client(argv, "grim.log") != 0) {
        ADD_FAILURE() << "grim -o " << output << " failed";
        return std::nullopt;
    }
    return read_ppm(path);
}

std::optional<Image>
InProcessSession::capture_until(const std::string &output,
                                const std::function<bool(const Image &)> &wanted, int attempts,
                                bool with_cursor)
{
    std::optional<Image> image;
    for (int i = 0; i < attempts; ++i) {
        image = capture(output, with_cursor);
        if (!image || wanted(*image))
            return image;
    }
    return image;
}

bool InProcessSession::shows(const std::string &output, int x, int y, uint32_t colour)
{
    auto image = capture_until(output, [&](const Image &i) { return i.at(x, y) == colour; });
    return image && image->at(x, y) == colour;
}

} // namespace phyllome::test
