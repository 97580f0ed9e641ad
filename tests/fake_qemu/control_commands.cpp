// Commands about the connection and input: wait-listener, events,
// mouse-mode, set-modifiers.
#include "command.hpp"

namespace fake_qemu {
namespace {

void wait_listener(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 1)
        throw UsageError{};
    fake.when_listener_ready([&fake, done = std::move(done)] {
        const Listener &listener = *fake.listener();
        std::string line = "ok interfaces=";
        for (size_t i = 0; i < listener.advertised().size(); ++i)
            line += (i ? "," : "") + listener.advertised()[i];
        if (!listener.getall_error().empty())
            line += " getall-error=" + listener.getall_error();
        done(line);
    });
}

void events(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 1)
        throw UsageError{};
    done("ok" + fake.display().take_events());
}

void mouse_mode(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 2 || (words[1] != "abs" && words[1] != "rel"))
        throw UsageError{};
    fake.display().set_mouse_absolute(words[1] == "abs");
    done("ok");
}

void set_modifiers(Fake &fake, const Words &words, Done done)
{
    if (words.size() != 2)
        throw UsageError{};
    fake.display().set_modifiers(arg_u32(words[1]));
    done("ok");
}

constexpr CommandSpec kCommands[] = {
    {"wait-listener", "wait-listener", wait_listener},
    {"events", "events", events},
    {"mouse-mode", "mouse-mode abs|rel", mouse_mode},
    {"set-modifiers", "set-modifiers N", set_modifiers},
};

} // namespace

std::span<const CommandSpec> control_commands()
{
    return kCommands;
}

} // namespace fake_qemu
