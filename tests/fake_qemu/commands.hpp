// The stdin command protocol: one command per line, run one at a time, and
// exactly one result line on stdout per command.
#pragma once

#include "command.hpp"
#include "fake.hpp"
#include "sdbus.hpp"

#include <string>

namespace fake_qemu {

class Commands {
public:
    Commands(Fake &fake, sd_event *event) : fake_(fake), event_(event) {}
    Commands(const Commands &) = delete;
    Commands &operator=(const Commands &) = delete;

    bool start(int input_fd, std::string *error);

private:
    static int on_input(sd_event_source *source, int fd, uint32_t revents, void *userdata);
    static int on_resume(sd_event_source *source, void *userdata);
    void pump();
    void run(const std::string &line);
    void finish(const std::string &line);

    Fake &fake_;
    sd_event *event_;
    SourcePtr input_;
    SourcePtr resume_; // runs pump() from the loop, never from inside a reply
    std::string buffer_;
    bool busy_ = false;
    bool eof_ = false;
    bool quitting_ = false;
};

} // namespace fake_qemu
