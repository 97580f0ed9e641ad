// Finding, reading and validating session.toml.
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/diagnostic.hpp"

namespace phyllome::config {

// The system-wide file, the last place looked at.
inline constexpr const char *kSystemConfigPath = "/etc/phyllome/session.toml";

// The file to use: cli_path (from --config) if not null, else
// $XDG_CONFIG_HOME/phyllome/session.toml (XDG_CONFIG_HOME unset, empty or
// relative means $HOME/.config, per the XDG base directory spec), else
// system_path, if present. nullopt: use default_config(). A candidate that
// exists but cannot be read (or is a dangling symlink) is still returned, so
// the user gets an error instead of a silently different configuration.
std::optional<std::filesystem::path>
find_config_path(const char *cli_path,
                 const std::filesystem::path &system_path = kSystemConfigPath);

// An output name a seat lists, where the file lists it: for the check
// against the outputs that exist now (check_outputs).
struct OutputRef {
    std::string seat;   // as messages name it: "seat 'left'"
    std::string output; // as written
    int line = 0, column = 0;

    bool operator==(const OutputRef &) const = default;
};

// Either a valid configuration or every problem found, sorted by position.
struct LoadResult {
    std::optional<Config> config; // set exactly when errors is empty
    std::vector<Diagnostic> errors;
    // Likely mistakes (Severity::Warning), sorted by position; a file with
    // only warnings is used.
    std::vector<Diagnostic> warnings;
    std::vector<OutputRef> outputs; // every output name the seats list

    bool ok() const { return config.has_value(); }
};

// Warnings for the output names of `outputs` that are not among `live`
// (the outputs that exist now), saying so when one differs only in case.
std::vector<Diagnostic> check_outputs(const std::vector<OutputRef> &outputs,
                                      const std::vector<std::string> &live,
                                      const std::string &path_for_messages);

// Files above this size are refused rather than parsed.
inline constexpr std::size_t kMaxConfigBytes = 1u << 20;

// Validates text as a session file. path_for_messages only labels the
// diagnostics. Never throws on bad input (std::bad_alloc aside).
LoadResult parse_config(std::string_view text, std::string path_for_messages);

// What an empty file (nothing but white space) means: the default
// configuration (at start), or an error (on reload: a file emptied by
// accident or caught mid-save must not take every seat's VM away).
enum class EmptyFile { IsDefault, IsError };

// Reads and validates a file. A file that cannot be read (missing,
// unreadable, a directory, too large), or an empty one with
// EmptyFile::IsError, gives one diagnostic with line 0. A FIFO with no
// writer reads as empty; opening one never blocks.
LoadResult load_config(const std::filesystem::path &path, EmptyFile empty = EmptyFile::IsDefault);

// --check-config: exit status 0 and "PATH: ok: SUMMARY" on out when valid,
// 1 when not; one "PATH:LINE:COL: error: MESSAGE" or "...: warning: ..."
// line per problem on err, in file order. `live_outputs`, when known, are the
// outputs that exist now: seat outputs not among them are warned about.
int check_config(const std::filesystem::path &path, std::ostream &out, std::ostream &err,
                 const std::optional<std::vector<std::string>> &live_outputs = std::nullopt);

} // namespace phyllome::config
