#include "compositor/session_config.hpp"

#include <algorithm>
#include <cstdio>

#include "config/load.hpp"

namespace phyllome {
namespace {

const config::Seat *seat_of_output(const config::Config &config, const std::string &output)
{
    // An output named by a seat belongs to it; the rest go to the seat that
    // takes every other output, if there is one.
    for (const config::Seat &seat : config.seats)
        if (std::find(seat.outputs.begin(), seat.outputs.end(), output) != seat.outputs.end())
            return &seat;
    for (const config::Seat &seat : config.seats)
        if (seat.all_outputs)
            return &seat;
    return nullptr;
}

std::string short_problem(const config::Diagnostic &diagnostic, std::size_t count)
{
    std::string text = "Session file error";
    if (diagnostic.line > 0)
        text += " at line " + std::to_string(diagnostic.line);
    if (count > 1)
        text += " (and " + std::to_string(count - 1) + " more)";
    return text;
}

} // namespace

StatusCardText card_text_for_output(
    const config::Config &config, const std::string &output,
    const std::function<VmCardState(const std::string &vm, const std::string &output)> &vm_state,
    const std::string &problem)
{
    StatusCardText text;
    text.output = output;
    const config::Seat *seat = seat_of_output(config, output);
    if (!seat) {
        text.vm = "Unused screen";
        text.state = "No seat in the session file names " + output;
    } else if (!seat->vm) {
        text.seat = seat->name;
        text.state = "No VM chosen for this seat";
    } else {
        text.seat = seat->name;
        text.vm = *seat->vm;
        const VmCardState state = vm_state(*seat->vm, output);
        text.state = state.state;
        text.hint = state.fix;
        if (state.startable)
            text.hint = "Press " + config::to_string(config.session.host_keys) + "+" +
                        config::to_string(config.keys.start_vm) + " to start it";
    }
    if (!problem.empty()) {
        text.state = problem;
        text.hint.clear();
    }
    return text;
}

SessionConfig::SessionConfig(std::optional<std::filesystem::path> path)
    : path_(std::move(path)), config_(config::default_config())
{
    if (!path_)
        return;
    config::LoadResult result = config::load_config(*path_);
    if (result.ok()) {
        config_ = std::move(*result.config);
        return;
    }
    for (const auto &error : result.errors)
        std::fprintf(stderr, "phyllome-session: %s\n", config::to_string(error).c_str());
    problem_ = short_problem(result.errors.front(), result.errors.size());
}

SessionConfig::Reload SessionConfig::reload()
{
    Reload outcome;
    if (!path_)
        return outcome;
    config::LoadResult result = config::load_config(*path_, config::EmptyFile::IsError);
    if (!result.ok()) {
        outcome.errors = std::move(result.errors);
        return outcome;
    }
    outcome.applied = true;
    outcome.actions = config::diff(config_, *result.config);
    config_ = std::move(*result.config);
    problem_.clear();
    return outcome;
}

} // namespace phyllome
