// fake-qemu: QEMU's side of the p2p D-Bus display (org.qemu.Display1) for
// tests, driven by commands on stdin. See README.md.
#include "commands.hpp"
#include "fake.hpp"
#include "options.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <unistd.h>

int main(int argc, char **argv)
{
    using namespace fake_qemu;
    std::string error;
    const auto options = parse_options(argc, argv, &error);
    if (!options) {
        fprintf(stderr, "fake-qemu: %s\n%s\n", error.c_str(), kUsage);
        return 2;
    }
    // A peer or test that went away must end in an error result, not a signal.
    signal(SIGPIPE, SIG_IGN);

    sd_event *raw = nullptr;
    int r = sd_event_new(&raw);
    if (r < 0) {
        fprintf(stderr, "fake-qemu: sd_event_new: %s\n", strerror(-r));
        return 1;
    }
    EventPtr event(raw);
    auto fake = std::make_unique<Fake>(*options, event.get());
    auto commands = std::make_unique<Commands>(*fake, event.get());
    if (!fake->start(&error) || !commands->start(STDIN_FILENO, &error)) {
        fprintf(stderr, "fake-qemu: %s\n", error.c_str());
        return 1;
    }
    r = sd_event_loop(event.get());
    // The fake first: its pending calls still report into the commands.
    fake.reset();
    commands.reset();
    if (r < 0) {
        fprintf(stderr, "fake-qemu: event loop: %s\n", strerror(-r));
        return 1;
    }
    return 0;
}
