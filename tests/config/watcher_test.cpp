// ConfigWatcher sees every way editors save a file. Synchronisation is by
// poll() on the watcher's descriptor, never by sleeping: inotify events are
// queued by the time the writing system call returns.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "config/watcher.hpp"

namespace phyllome::config {
namespace {

namespace fs = std::filesystem;

// Long enough never to fire on a loaded machine; only reached on failure.
constexpr int kTimeoutMs = 5000;

bool readable(int fd, int timeout_ms)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

// Writes with plain system calls so each step is one event.
void write_all(const fs::path &path, std::string_view text, int flags)
{
    const int fd = ::open(path.c_str(), flags | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << path;
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ASSERT_EQ(::close(fd), 0);
}

class Watcher : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string pattern = (fs::temp_directory_path() / "phyllome-watch-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        file_ = dir_ / "session.toml";
        write_all(file_, "[[vm]]\nname = \"a\"\n", O_CREAT | O_TRUNC);
        watcher_ = std::make_unique<ConfigWatcher>(file_);
    }
    void TearDown() override
    {
        watcher_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    // True when the watcher reports a change once events have arrived.
    bool changed()
    {
        if (!readable(watcher_->fd(), kTimeoutMs))
            return false;
        return watcher_->dispatch();
    }

    fs::path dir_, file_;
    std::unique_ptr<ConfigWatcher> watcher_;
};

TEST_F(Watcher, DescriptorIsNonBlockingAndCloseOnExec)
{
    EXPECT_TRUE(::fcntl(watcher_->fd(), F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(::fcntl(watcher_->fd(), F_GETFD) & FD_CLOEXEC);
    EXPECT_FALSE(watcher_->dispatch()); // nothing pending: returns at once
    EXPECT_EQ(watcher_->path(), fs::absolute(file_));
}

TEST_F(Watcher, RenameOver)
{
    // vim, kate, gedit and most editors: write a temporary, rename over.
    const fs::path temp = dir_ / ".session.toml.swp";
    write_all(temp, "[[vm]]\nname = \"b\"\n", O_CREAT | O_TRUNC);
    ASSERT_EQ(std::rename(temp.c_str(), file_.c_str()), 0);
    EXPECT_TRUE(changed());
}

TEST_F(Watcher, SedInPlace)
{
    if (std::system("command -v sed >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "no sed";
    const std::string command = "sed -i 's/name = \"a\"/name = \"b\"/' '" + file_.string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
    EXPECT_TRUE(changed());
    std::ifstream in(file_);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(text.find("\"b\""), std::string::npos);
}

TEST_F(Watcher, TruncateThenWrite)
{
    // nano, `cat > file`, and editors that keep the inode.
    write_all(file_, "[[vm]]\nname = \"c\"\n", O_TRUNC);
    EXPECT_TRUE(changed());
}

TEST_F(Watcher, DeletedAndCreatedAgain)
{
    ASSERT_EQ(::unlink(file_.c_str()), 0);
    EXPECT_TRUE(changed());
    write_all(file_, "[[vm]]\nname = \"d\"\n", O_CREAT | O_EXCL);
    EXPECT_TRUE(changed());
}

TEST_F(Watcher, MovedAway)
{
    ASSERT_EQ(std::rename(file_.c_str(), (dir_ / "old.toml").c_str()), 0);
    EXPECT_TRUE(changed());
}

TEST_F(Watcher, PermissionsChanged)
{
    ASSERT_EQ(::chmod(file_.c_str(), 0600), 0);
    EXPECT_TRUE(changed());
}

TEST_F(Watcher, CreatedAsALink)
{
    ASSERT_EQ(::unlink(file_.c_str()), 0);
    ASSERT_TRUE(changed());
    const fs::path other = dir_ / "other.toml";
    write_all(other, "", O_CREAT);
    ASSERT_TRUE(readable(watcher_->fd(), kTimeoutMs));
    EXPECT_FALSE(watcher_->dispatch());                   // another file
    ASSERT_EQ(::symlink("other.toml", file_.c_str()), 0); // no write follows a link
    EXPECT_TRUE(changed());
}

TEST_F(Watcher, NewEmptyFileWaitsForItsContent)
{
    ASSERT_EQ(::unlink(file_.c_str()), 0);
    ASSERT_TRUE(changed());
    const int fd = ::open(file_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    // Created but still being written: reloading now would read a half file.
    ASSERT_TRUE(readable(watcher_->fd(), kTimeoutMs));
    EXPECT_FALSE(watcher_->dispatch());
    ASSERT_EQ(::write(fd, "# x\n", 4), 4);
    ASSERT_EQ(::close(fd), 0);
    EXPECT_TRUE(changed());
}

TEST_F(Watcher, OtherFilesInTheDirectoryAreIgnored)
{
    write_all(dir_ / "notes.txt", "hello", O_CREAT | O_TRUNC);
    ASSERT_TRUE(readable(watcher_->fd(), kTimeoutMs));
    EXPECT_FALSE(watcher_->dispatch());
}

TEST_F(Watcher, ManyEventsDrainAsOneChange)
{
    for (int i = 0; i < 50; ++i)
        write_all(file_, "# edit\n", O_TRUNC);
    EXPECT_TRUE(changed());
    EXPECT_FALSE(watcher_->dispatch()); // all drained
    EXPECT_FALSE(readable(watcher_->fd(), 0));
}

TEST_F(Watcher, SymlinkTargetEditedElsewhere)
{
    // Dotfiles: the watched name is a link into another directory.
    fs::create_directory(dir_ / "dotfiles");
    const fs::path target = dir_ / "dotfiles" / "real.toml";
    write_all(target, "", O_CREAT);
    const fs::path link_dir = dir_ / "config";
    fs::create_directory(link_dir);
    fs::create_symlink(target, link_dir / "session.toml");

    ConfigWatcher watcher(link_dir / "session.toml");
    write_all(target, "[[vm]]\nname = \"e\"\n", O_TRUNC);
    ASSERT_TRUE(readable(watcher.fd(), kTimeoutMs));
    EXPECT_TRUE(watcher.dispatch());
}

TEST_F(Watcher, DirectoryRemoved)
{
    ASSERT_EQ(::unlink(file_.c_str()), 0);
    ASSERT_TRUE(changed());
    ASSERT_EQ(::rmdir(dir_.c_str()), 0);
    EXPECT_TRUE(changed());
}

TEST(WatcherSetup, MissingDirectoryIsAClearError)
{
    try {
        ConfigWatcher watcher("/nonexistent-phyllome-dir/session.toml");
        FAIL() << "expected an exception";
    } catch (const std::system_error &e) {
        EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
        EXPECT_THAT(e.what(), ::testing::HasSubstr("cannot watch "
                                                   "/nonexistent-phyllome-dir/session.toml: "
                                                   "directory /nonexistent-phyllome-dir does "
                                                   "not exist"));
    }
}

TEST(WatcherSetup, RelativePathWatchesTheWorkingDirectory)
{
    ConfigWatcher watcher("session.toml");
    EXPECT_EQ(watcher.path(), fs::current_path() / "session.toml");
}

} // namespace
} // namespace phyllome::config
