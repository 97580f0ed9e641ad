#include "session/session_config.hpp"

#include <algorithm>
#include <cstdio>
#include <system_error>

#include "base/log.hpp"
#include "config/assignment.hpp"

namespace phyllome {
namespace {

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
    const std::function<std::optional<std::string>(const config::Seat &seat)> &shown_vm,
    const std::function<VmCardState(const std::string &vm, const std::string &output)> &vm_state,
    const std::string &problem)
{
    StatusCardText text;
    text.output = output;
    const auto index = config::seat_for_output(config, output);
    const config::Seat *seat = index ? &config.seats[*index] : nullptr;
    const std::optional<std::string> vm = seat ? shown_vm(*seat) : std::nullopt;
    if (!seat) {
        text.vm = "Unused screen";
        text.state = "No seat in the session file names " + output;
    } else if (!vm) {
        text.seat = seat->name;
        text.state = "No VM chosen for this seat";
    } else {
        text.seat = seat->name;
        text.vm = *vm;
        const VmCardState state = vm_state(*vm, output);
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
    if (!path_) {
        in_force_ = InForce::Default;
        return;
    }
    config::LoadResult result = config::load_config(*path_);
    // Before the log is set up: stderr, one line each.
    for (const auto &warning : result.warnings)
        std::fprintf(stderr, "phyllome-session: %s\n", config::to_string(warning).c_str());
    if (result.ok()) {
        config_ = std::move(*result.config);
        in_force_ = InForce::File;
        warnings_ = std::move(result.warnings);
        outputs_ = std::move(result.outputs);
        return;
    }
    for (const auto &error : result.errors)
        std::fprintf(stderr, "phyllome-session: %s\n", config::to_string(error).c_str());
    problem_ = short_problem(result.errors.front(), result.errors.size());
    errors_ = std::move(result.errors);
    in_force_ = InForce::Default;
}

std::vector<config::Diagnostic>
SessionConfig::warnings(const std::vector<std::string> &outputs) const
{
    std::vector<config::Diagnostic> all = warnings_;
    if (path_) {
        const auto missing = config::check_outputs(outputs_, outputs, path_->string());
        all.insert(all.end(), missing.begin(), missing.end());
    }
    std::stable_sort(all.begin(), all.end(), [](const auto &a, const auto &b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    return all;
}

void SessionConfig::log_output_warnings(const std::vector<std::string> &outputs)
{
    if (!path_)
        return;
    std::vector<std::string> lines;
    for (const auto &warning : config::check_outputs(outputs_, outputs, path_->string()))
        lines.push_back(config::to_string(warning));
    for (const auto &line : lines)
        if (std::find(logged_output_warnings_.begin(), logged_output_warnings_.end(), line) ==
            logged_output_warnings_.end())
            base::log_info("%s", line.c_str());
    logged_output_warnings_ = std::move(lines);
}

SessionConfig::Reload SessionConfig::reload()
{
    Reload outcome;
    if (!path_)
        return outcome;
    config::LoadResult result = config::load_config(*path_, config::EmptyFile::IsError);
    if (!result.ok()) {
        std::error_code error;
        outcome.missing = !std::filesystem::exists(std::filesystem::symlink_status(*path_, error));
        outcome.errors = std::move(result.errors);
        errors_ = outcome.errors;
        if (in_force_ == InForce::File)
            in_force_ = InForce::LastValid;
        return outcome;
    }
    outcome.applied = true;
    outcome.actions = config::diff(config_, *result.config);
    outcome.warnings = result.warnings;
    config_ = std::move(*result.config);
    problem_.clear();
    errors_.clear();
    warnings_ = std::move(result.warnings);
    outputs_ = std::move(result.outputs);
    logged_output_warnings_.clear();
    in_force_ = InForce::File;
    return outcome;
}

std::string to_string(SessionConfig::InForce in_force)
{
    switch (in_force) {
    case SessionConfig::InForce::File:
        return "the session file";
    case SessionConfig::InForce::LastValid:
        return "the last valid version of the session file";
    case SessionConfig::InForce::Default:
        break;
    }
    return "the built-in default";
}

} // namespace phyllome
