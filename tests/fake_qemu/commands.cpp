#include "commands.hpp"

#include "args.hpp"
#include "output.hpp"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace fake_qemu {
namespace {

const CommandSpec *find_command(std::string_view name)
{
    for (auto table : {control_commands(), frame_commands(), bad_commands(), audio_commands(),
                       clipboard_commands()}) {
        for (const auto &spec : table) {
            if (spec.name == name)
                return &spec;
        }
    }
    return nullptr;
}

std::string command_names()
{
    std::string out = "quit";
    for (auto table : {control_commands(), frame_commands(), bad_commands(), audio_commands(),
                       clipboard_commands()}) {
        for (const auto &spec : table)
            out += " " + std::string(spec.name);
    }
    return out;
}

} // namespace

bool Commands::start(int input_fd, std::string *error)
{
    sd_event_source *source = nullptr;
    int r = sd_event_add_defer(event_, &source, on_resume, this);
    if (r < 0) {
        *error = std::string("sd_event_add_defer: ") + strerror(-r);
        return false;
    }
    resume_.reset(source);
    sd_event_source_set_enabled(source, SD_EVENT_OFF);

    r = sd_event_add_io(event_, &source, input_fd, EPOLLIN, on_input, this);
    if (r == -EPERM) {
        // A regular file (or /dev/null) cannot be polled: it is all there already.
        char chunk[65536];
        ssize_t n;
        while ((n = read(input_fd, chunk, sizeof(chunk))) > 0)
            buffer_.append(chunk, size_t(n));
        eof_ = true;
        sd_event_source_set_enabled(resume_.get(), SD_EVENT_ONESHOT);
        return true;
    }
    if (r < 0) {
        *error = std::string("stdin: ") + strerror(-r);
        return false;
    }
    input_.reset(source);
    return true;
}

int Commands::on_input(sd_event_source *, int fd, uint32_t, void *userdata)
{
    auto *self = static_cast<Commands *>(userdata);
    char chunk[65536];
    const ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n > 0) {
        self->buffer_.append(chunk, size_t(n));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        self->eof_ = true;
        self->input_.reset(); // a hung-up fd would wake us forever
    }
    self->pump();
    return 0;
}

int Commands::on_resume(sd_event_source *, void *userdata)
{
    static_cast<Commands *>(userdata)->pump();
    return 0;
}

// Runs buffered lines while no command waits for the client. After EOF the
// fake exits once the lines already received have all run.
void Commands::pump()
{
    while (!busy_ && !quitting_) {
        const size_t newline = buffer_.find('\n');
        if (newline == std::string::npos && !eof_)
            return;
        if (newline == std::string::npos && buffer_.empty()) {
            sd_event_exit(event_, 0);
            return;
        }
        const size_t end = newline == std::string::npos ? buffer_.size() : newline;
        const std::string line = buffer_.substr(0, end);
        buffer_.erase(0, newline == std::string::npos ? end : end + 1);
        run(line);
    }
}

void Commands::run(const std::string &line)
{
    const Words words = split_words(line);
    if (words.empty())
        return;
    if (words[0] == "quit") {
        print_line("ok");
        quitting_ = true;
        sd_event_exit(event_, 0);
        return;
    }
    const CommandSpec *spec = find_command(words[0]);
    if (!spec) {
        print_line("error usage: unknown command \"" + words[0] +
                   "\"; commands: " + command_names());
        return;
    }
    busy_ = true;
    try {
        spec->run(fake_, words, [this](const std::string &result) { finish(result); });
    } catch (const UsageError &) {
        finish("error usage: " + std::string(spec->usage));
    }
}

void Commands::finish(const std::string &line)
{
    print_line(line);
    busy_ = false;
    sd_event_source_set_enabled(resume_.get(), SD_EVENT_ONESHOT);
}

} // namespace fake_qemu
