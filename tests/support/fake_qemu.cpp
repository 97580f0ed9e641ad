#include "tests/support/fake_qemu.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include "tests/support/in_process.hpp"
#include "tests/support/process.hpp"

namespace phyllome::test {

std::string fill_update(uint32_t colour, int width, int height)
{
    char line[64];
    std::snprintf(line, sizeof line, "update 0 0 %d %d x8r8g8b8 %06x", width, height,
                  static_cast<unsigned>(colour & 0xffffff));
    return line;
}

FakeQemu::FakeQemu(const std::string &version, const std::string &extra_args)
{
    int pair[2], in[2], out[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0 ||
        pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
        throw std::runtime_error("cannot create fake-qemu's pipes");
    client_fd_ = pair[0];
    log_path_ = (std::filesystem::temp_directory_path() /
                 ("fake-qemu-" + std::to_string(getpid()) + "-" + std::to_string(pair[1]) + ".log"))
                    .string();
    std::vector<std::string> argv = {required_env("FAKE_QEMU"), "--qemu-version", version, "--fd",
                                     std::to_string(pair[1])};
    std::istringstream extra(extra_args);
    for (std::string word; extra >> word;)
        argv.push_back(word);

    pid_ = fork();
    if (pid_ == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        const int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (log >= 0)
            dup2(log, STDERR_FILENO);
        fcntl(pair[1], F_SETFD, 0);
        std::vector<char *> args;
        for (auto &arg : argv)
            args.push_back(arg.data());
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(pair[1]);
    close(in[0]);
    close(out[1]);
    to_fake_ = in[1];
    from_fake_ = out[0];
    fcntl(from_fake_, F_SETFL, O_NONBLOCK);
}

FakeQemu::~FakeQemu()
{
    if (to_fake_ >= 0)
        close(to_fake_); // EOF: it exits
    if (pid_ > 0) {
        if (!wait_for_exit(pid_, std::chrono::seconds(5))) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    if (from_fake_ >= 0)
        close(from_fake_);
    if (client_fd_ >= 0)
        close(client_fd_);
    std::error_code ignored;
    std::filesystem::remove(log_path_, ignored);
}

int FakeQemu::take_client_fd()
{
    return std::exchange(client_fd_, -1);
}

void FakeQemu::send(const std::string &command)
{
    const std::string line = command + "\n";
    if (write(to_fake_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        throw std::runtime_error("cannot write to fake-qemu");
}

std::string FakeQemu::command(InProcessSession &session, const std::string &line)
{
    send(line);
    std::optional<std::string> answer;
    wl_event_source *source = wl_event_loop_add_fd(
        session.server().event_loop(), from_fake_, WL_EVENT_READABLE,
        [](int, uint32_t, void *) { return 0; }, nullptr);
    session.dispatch_until([&] { return (answer = poll_line()).has_value(); });
    wl_event_source_remove(source);
    return answer.value_or("(no answer from fake-qemu to: " + line + ")");
}

std::string FakeQemu::command(const std::string &line)
{
    send(line);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
        if (auto answer = poll_line())
            return *answer;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd readable{from_fake_, POLLIN, 0};
        if (left.count() <= 0 || poll(&readable, 1, static_cast<int>(left.count())) < 0)
            return "(no answer from fake-qemu to: " + line + ")";
    }
}

std::optional<std::string> FakeQemu::poll_line()
{
    char chunk[4096];
    ssize_t n;
    while ((n = read(from_fake_, chunk, sizeof chunk)) > 0)
        buffer_.append(chunk, static_cast<std::size_t>(n));
    const auto newline = buffer_.find('\n');
    if (newline == std::string::npos)
        return std::nullopt;
    std::string line = buffer_.substr(0, newline);
    buffer_.erase(0, newline + 1);
    return line;
}

} // namespace phyllome::test
