#include "config/load.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <system_error>

namespace phyllome::config {

namespace {

namespace fs = std::filesystem;

// Present, even as a dangling or unreadable entry: such a file must give an
// error, not a silent fall-through to the next place.
bool present(const fs::path &path)
{
    std::error_code ec;
    return fs::exists(fs::symlink_status(path, ec));
}

std::optional<fs::path> user_config_path()
{
    const char *xdg = std::getenv("XDG_CONFIG_HOME");
    // The XDG spec: unset, empty or relative means $HOME/.config.
    if (xdg && xdg[0] == '/')
        return fs::path(xdg) / "phyllome" / "session.toml";
    const char *home = std::getenv("HOME");
    if (home && home[0] != '\0')
        return fs::path(home) / ".config" / "phyllome" / "session.toml";
    return std::nullopt;
}

// The whole file, or an errno. Directories, unreadable files and oversized
// files are refused; pipes (--config <(...)) are fine.
std::string read_file(const fs::path &path, int &error, bool &too_large)
{
    error = 0;
    too_large = false;
    std::string text;
    // Non-blocking open: a FIFO put in the file's place (no writer) would
    // otherwise hold the session's loop for good. Reads block again after,
    // for a pipe that is still being written (--config <(...)).
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        error = errno;
        return text;
    }
    if (const int flags = ::fcntl(fd, F_GETFL); flags >= 0)
        ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        error = EISDIR;
        return text;
    }
    char buffer[16384];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error = errno;
            break;
        }
        if (n == 0)
            break;
        if (text.size() + static_cast<std::size_t>(n) > kMaxConfigBytes) {
            too_large = true;
            break;
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

} // namespace

std::optional<fs::path> find_config_path(const char *cli_path, const fs::path &system_path)
{
    if (cli_path)
        return fs::path(cli_path);
    if (auto user = user_config_path(); user && present(*user))
        return user;
    if (present(system_path))
        return system_path;
    return std::nullopt;
}

LoadResult load_config(const fs::path &path, EmptyFile empty)
{
    const std::string label = path.string();
    auto fail = [&](std::string message) {
        LoadResult result;
        result.errors.push_back(Diagnostic{label, 0, 0, std::move(message)});
        return result;
    };
    if (path.empty())
        return fail("cannot read the configuration: empty path");

    int error = 0;
    bool too_large = false;
    const std::string text = read_file(path, error, too_large);
    if (too_large) {
        return fail("cannot read the configuration: file is larger than " +
                    std::to_string(kMaxConfigBytes) + " bytes");
    }
    if (error) {
        return fail("cannot read the configuration: " + std::generic_category().message(error));
    }
    if (empty == EmptyFile::IsError && text.find_first_not_of(" \t\r\n") == std::string::npos)
        return fail("the file is empty");
    return parse_config(text, label);
}

std::vector<Diagnostic> check_outputs(const std::vector<OutputRef> &outputs,
                                      const std::vector<std::string> &live,
                                      const std::string &path_for_messages)
{
    auto fold = [](std::string s) {
        for (char &c : s)
            if (c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
        return s;
    };
    std::string all;
    for (const auto &name : live)
        all += (all.empty() ? "" : ", ") + name;
    std::vector<Diagnostic> warnings;
    for (const OutputRef &ref : outputs) {
        if (std::find(live.begin(), live.end(), ref.output) != live.end())
            continue;
        std::string message = ref.seat + " lists output '" + ref.output + "', which ";
        const auto same_but_case = std::find_if(live.begin(), live.end(), [&](const auto &name) {
            return fold(name) == fold(ref.output);
        });
        if (same_but_case != live.end()) {
            message += "does not exist: output names are case-sensitive; did you mean '" +
                       *same_but_case + "'?";
        } else {
            message += "does not exist now (" +
                       (all.empty() ? std::string("there are no outputs") : "outputs: " + all) +
                       ")";
        }
        warnings.push_back(Diagnostic{path_for_messages, ref.line, ref.column, std::move(message),
                                      Severity::Warning});
    }
    return warnings;
}

int check_config(const fs::path &path, std::ostream &out, std::ostream &err,
                 const std::optional<std::vector<std::string>> &live_outputs)
{
    const LoadResult result = load_config(path);
    std::vector<Diagnostic> problems = result.errors;
    problems.insert(problems.end(), result.warnings.begin(), result.warnings.end());
    if (live_outputs) {
        const auto missing = check_outputs(result.outputs, *live_outputs, path.string());
        problems.insert(problems.end(), missing.begin(), missing.end());
    }
    std::stable_sort(problems.begin(), problems.end(), [](const auto &a, const auto &b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    for (const auto &diagnostic : problems)
        err << diagnostic << '\n';
    if (!result.ok())
        return 1;
    out << printable(path.string()) << ": ok: " << summary(*result.config);
    const std::size_t warnings = problems.size();
    if (warnings > 0)
        out << " (" << warnings << (warnings == 1 ? " warning" : " warnings") << ")";
    out << '\n';
    return 0;
}

} // namespace phyllome::config
