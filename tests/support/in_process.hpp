// The compositor in the test's own process, on headless outputs with the
// pixman renderer, for what a black box cannot show: plugging outputs,
// reading a console's counters. Clients (grim, fake-qemu) run as real
// processes while this process keeps serving them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compositor/server.hpp"
#include "tests/support/ppm.hpp"

namespace phyllome::test {

class InProcessSession {
public:
    // Settings' headless sizes are required; the rest is optional.
    // `before_start` runs between the server's creation and its start (to
    // add headless input devices, which the backend announces at start).
    explicit InProcessSession(Server::Settings settings,
                              const std::function<void(Server &)> &before_start = {});
    ~InProcessSession();
    InProcessSession(const InProcessSession &) = delete;
    InProcessSession &operator=(const InProcessSession &) = delete;

    Server &server() { return *server_; }
    bool ready() const { return ready_; }
    const std::string &runtime_dir() const { return runtime_dir_; }

    // Runs the compositor's loop until `done` or the deadline.
    bool dispatch_until(const std::function<bool()> &done,
                        std::chrono::milliseconds timeout = std::chrono::seconds(20));

    // Runs a Wayland client of this session to its end, serving it
    // meanwhile; its output goes to `log` in the runtime directory. Its
    // exit status, or -1 when it did not exit normally or in time.
    int run_client(const std::vector<std::string> &argv, const std::string &log);

    // `grim [-c] -o OUTPUT`, served by this process while it runs.
    std::optional<Image> capture(const std::string &output, bool with_cursor = false);

    // Captures until `wanted` holds for the image (each capture waits for
    // an output frame; QEMU's messages may need a few to arrive). The last
    // image, or nullopt if a capture failed.
    std::optional<Image> capture_until(const std::string &output,
                                       const std::function<bool(const Image &)> &wanted,
                                       int attempts = 100, bool with_cursor = false);

    // Captures until the output's pixel (x, y) is `colour` (0xRRGGBB);
    // whether it became so.
    bool shows(const std::string &output, int x, int y, uint32_t colour);

private:
    std::string runtime_dir_;
    std::unique_ptr<Server> server_;
    bool ready_ = false;
};

} // namespace phyllome::test
