// Notices when the session file may have changed, without wlroots: the
// compositor adds fd() to its event loop and calls dispatch() when readable.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace phyllome::config {

class ConfigWatcher {
public:
    // Watches the directory holding file (inotify), not the file itself, so
    // that a rename over it (editors, sed -i), truncate-then-write, deletion
    // and re-creation are all seen. If file is a symlink, the directory of its
    // target is watched too. Throws std::system_error when the directory does
    // not exist or inotify fails; what() says which.
    explicit ConfigWatcher(const std::filesystem::path &file);
    ~ConfigWatcher();

    ConfigWatcher(const ConfigWatcher &) = delete;
    ConfigWatcher &operator=(const ConfigWatcher &) = delete;

    // Non-blocking, close-on-exec inotify descriptor; readable when
    // dispatch() has something to drain.
    int fd() const { return fd_; }

    // Drains every pending event without blocking. True when the watched file
    // may have changed (written and closed, renamed over, created as a link,
    // deleted, chmod-ed, or the kernel dropped events), so reload it. A new
    // regular file only counts once it is closed after writing, so a reload
    // never reads it half written. If the directory itself is removed or
    // renamed this reports a change once and then nothing more: make a new
    // watcher when it is back.
    bool dispatch();

    const std::filesystem::path &path() const { return file_; }

private:
    struct Watch {
        int wd;
        std::filesystem::path dir;
        std::string name; // file name inside dir
    };

    void watch_target_chain();
    // Why `file` cannot be watched; nullopt once it is.
    std::optional<std::system_error> add_watch(const std::filesystem::path &file);
    bool is_relevant(int wd, const std::string &name, unsigned mask) const;

    std::filesystem::path file_;
    int fd_ = -1;
    std::vector<Watch> watches_;
};

} // namespace phyllome::config
