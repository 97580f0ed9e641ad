#include "config/watcher.hpp"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace phyllome::config {

namespace {

namespace fs = std::filesystem;

// What can make the file's content differ. IN_MODIFY is left out on purpose:
// it fires mid-write, when the file is half written; IN_CLOSE_WRITE follows.
constexpr std::uint32_t kDirectoryEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |
                                           IN_MOVED_FROM | IN_ATTRIB | IN_DELETE_SELF |
                                           IN_MOVE_SELF;

// Symlinks followed at most this deep (as the kernel's own limit, roughly).
constexpr int kMaxSymlinkDepth = 8;

fs::path directory_of(const fs::path &file)
{
    const fs::path parent = file.parent_path();
    return parent.empty() ? fs::path(".") : parent;
}

} // namespace

ConfigWatcher::ConfigWatcher(const fs::path &file) : file_(fs::absolute(file))
{
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) {
        throw std::system_error(errno, std::generic_category(),
                                "cannot watch " + file_.string() + ": inotify_init1");
    }
    if (auto error = add_watch(file_)) {
        ::close(fd_);
        throw *error;
    }
    watch_target_chain();
}

ConfigWatcher::~ConfigWatcher()
{
    if (fd_ >= 0)
        ::close(fd_);
}

std::optional<std::system_error> ConfigWatcher::add_watch(const fs::path &file)
{
    const fs::path dir = directory_of(file);
    const int wd = ::inotify_add_watch(fd_, dir.c_str(), kDirectoryEvents | IN_ONLYDIR);
    if (wd < 0) {
        const int error = errno;
        std::string why = "cannot watch " + file.string() + ": ";
        if (error == ENOENT) {
            why += "directory " + dir.string() + " does not exist";
        } else if (error == ENOTDIR) {
            why += dir.string() + " is not a directory";
        } else {
            why += "inotify_add_watch on " + dir.string();
        }
        return std::system_error(error, std::generic_category(), why);
    }
    const std::string name = file.filename().string();
    const bool known = std::any_of(watches_.begin(), watches_.end(),
                                   [&](const Watch &w) { return w.wd == wd && w.name == name; });
    if (!known)
        watches_.push_back(Watch{wd, dir, name});
    return std::nullopt;
}

// A symlinked file (dotfiles) changes where its target lives, so watch each
// link target's directory too. Best effort: a broken link is reported by the
// loader, not here.
void ConfigWatcher::watch_target_chain()
{
    fs::path current = file_;
    for (int depth = 0; depth < kMaxSymlinkDepth; ++depth) {
        std::error_code ec;
        if (!fs::is_symlink(fs::symlink_status(current, ec)))
            return;
        fs::path target = fs::read_symlink(current, ec);
        if (ec)
            return;
        if (target.is_relative())
            target = directory_of(current) / target;
        if (add_watch(target))
            return;
        current = target;
    }
}

bool ConfigWatcher::is_relevant(int wd, const std::string &name, unsigned mask) const
{
    for (const auto &watch : watches_) {
        if (watch.wd != wd)
            continue;
        // The directory itself went away or was renamed: the file did too.
        if (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
            return true;
        if (name != watch.name)
            continue;
        if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ATTRIB)) {
            return true;
        }
        if (mask & IN_CREATE) {
            // A new regular file is still empty here and IN_CLOSE_WRITE follows
            // once it is written; reloading now would apply an empty file. Only a
            // link (ln, ln -s) or special file appears complete at creation.
            struct stat st {};
            if (::lstat((watch.dir / name).c_str(), &st) != 0)
                return true;
            return !S_ISREG(st.st_mode) || st.st_nlink > 1;
        }
    }
    return false;
}

bool ConfigWatcher::dispatch()
{
    bool changed = false;
    // inotify_event is followed by its name; align the buffer for it.
    alignas(inotify_event) char buffer[8192];
    for (;;) {
        const ssize_t n = ::read(fd_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; // EAGAIN: drained
        for (ssize_t offset = 0; offset < n;) {
            inotify_event event;
            std::memcpy(&event, buffer + offset, sizeof event);
            const char *name_start = buffer + offset + sizeof event;
            const std::string name(name_start, ::strnlen(name_start, event.len));
            offset += static_cast<ssize_t>(sizeof event + event.len);

            if (event.mask & IN_Q_OVERFLOW) {
                changed = true; // events were lost; assume the worst
            } else if (is_relevant(event.wd, name, event.mask)) {
                changed = true;
            }
        }
    }
    // A rename or new link may point the file somewhere else now.
    if (changed)
        watch_target_chain();
    return changed;
}

} // namespace phyllome::config
