// Where the file is looked up, reading it, and --check-config's output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/load.hpp"

namespace phyllome::config {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

// Root reads any file through CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH.
// While this lives, the calling thread goes without them (capabilities are
// per thread), so that a file's mode counts for root as for a user; it puts
// them back at the end. Without them (not root) it changes nothing.
class WithoutFileOverride {
public:
    WithoutFileOverride()
    {
        if (::syscall(SYS_capget, &header_, saved_) != 0)
            return;
        __user_cap_data_struct dropped[2] = {saved_[0], saved_[1]};
        dropped[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
        dropped_ = ::syscall(SYS_capset, &header_, dropped) == 0;
    }
    ~WithoutFileOverride() { ::syscall(SYS_capset, &header_, saved_); }
    WithoutFileOverride(const WithoutFileOverride &) = delete;
    WithoutFileOverride &operator=(const WithoutFileOverride &) = delete;

    bool dropped() const { return dropped_; }

private:
    __user_cap_header_struct header_{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct saved_[2]{};
    bool dropped_ = false;
};

// A fresh directory per test, standing in for HOME, XDG_CONFIG_HOME and /etc.
class TempDirTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string pattern = (fs::temp_directory_path() / "phyllome-config-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        saved_home_ = save("HOME");
        saved_xdg_ = save("XDG_CONFIG_HOME");
    }
    void TearDown() override
    {
        restore("HOME", saved_home_);
        restore("XDG_CONFIG_HOME", saved_xdg_);
        std::error_code ec;
        fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(dir_, ec);
    }

    static std::optional<std::string> save(const char *name)
    {
        const char *value = std::getenv(name);
        return value ? std::optional<std::string>(value) : std::nullopt;
    }
    static void restore(const char *name, const std::optional<std::string> &value)
    {
        if (value) {
            ::setenv(name, value->c_str(), 1);
        } else {
            ::unsetenv(name);
        }
    }

    fs::path write(const fs::path &relative, std::string_view text)
    {
        const fs::path path = dir_ / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path) << text;
        return path;
    }

    fs::path dir_;
    std::optional<std::string> saved_home_, saved_xdg_;
};

using FindConfigPath = TempDirTest;

TEST_F(FindConfigPath, CommandLineWinsEvenIfMissing)
{
    write("xdg/phyllome/session.toml", "");
    ::setenv("XDG_CONFIG_HOME", (dir_ / "xdg").c_str(), 1);
    EXPECT_EQ(find_config_path("/nonexistent/x.toml", dir_ / "etc.toml"),
              fs::path("/nonexistent/x.toml"));
}

TEST_F(FindConfigPath, XdgConfigHomeBeforeSystem)
{
    const fs::path user = write("xdg/phyllome/session.toml", "");
    const fs::path system = write("etc/phyllome/session.toml", "");
    ::setenv("XDG_CONFIG_HOME", (dir_ / "xdg").c_str(), 1);
    ::setenv("HOME", (dir_ / "home").c_str(), 1);
    EXPECT_EQ(find_config_path(nullptr, system), user);
}

TEST_F(FindConfigPath, SystemWhenNoUserFile)
{
    const fs::path system = write("etc/phyllome/session.toml", "");
    ::setenv("XDG_CONFIG_HOME", (dir_ / "xdg").c_str(), 1);
    EXPECT_EQ(find_config_path(nullptr, system), system);
}

TEST_F(FindConfigPath, XdgDefaultsToHomeDotConfig)
{
    const fs::path user = write("home/.config/phyllome/session.toml", "");
    const fs::path system = write("etc/phyllome/session.toml", "");
    ::setenv("HOME", (dir_ / "home").c_str(), 1);

    ::unsetenv("XDG_CONFIG_HOME");
    EXPECT_EQ(find_config_path(nullptr, system), user);
    ::setenv("XDG_CONFIG_HOME", "", 1); // empty counts as unset
    EXPECT_EQ(find_config_path(nullptr, system), user);
    ::setenv("XDG_CONFIG_HOME", "relative/dir", 1); // relative is invalid per spec
    EXPECT_EQ(find_config_path(nullptr, system), user);
}

TEST_F(FindConfigPath, NoneMeansTheBuiltInDefault)
{
    ::setenv("XDG_CONFIG_HOME", (dir_ / "xdg").c_str(), 1);
    ::setenv("HOME", (dir_ / "home").c_str(), 1);
    EXPECT_EQ(find_config_path(nullptr, dir_ / "etc/phyllome/session.toml"), std::nullopt);
    ::unsetenv("XDG_CONFIG_HOME");
    ::unsetenv("HOME");
    EXPECT_EQ(find_config_path(nullptr, dir_ / "etc/phyllome/session.toml"), std::nullopt);
}

TEST_F(FindConfigPath, DanglingUserFileIsStillChosen)
{
    // A broken dotfiles link must produce an error, not a silently different
    // configuration from /etc.
    fs::create_directories(dir_ / "xdg/phyllome");
    fs::create_symlink(dir_ / "missing.toml", dir_ / "xdg/phyllome/session.toml");
    const fs::path system = write("etc/phyllome/session.toml", "");
    ::setenv("XDG_CONFIG_HOME", (dir_ / "xdg").c_str(), 1);
    EXPECT_EQ(find_config_path(nullptr, system), dir_ / "xdg/phyllome/session.toml");
}

using LoadConfig = TempDirTest;

TEST_F(LoadConfig, ReadsAValidFile)
{
    const fs::path path = write("s.toml", "[[vm]]\nname = \"a\"\n");
    const LoadResult result = load_config(path);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.config->vms.size(), 1u);
}

TEST_F(LoadConfig, DiagnosticsCarryThePath)
{
    const fs::path path = write("s.toml", "\n[[vm]]\nnme = \"a\"\n");
    const LoadResult result = load_config(path);
    ASSERT_EQ(result.errors.size(), 2u);
    EXPECT_EQ(to_string(result.errors[0]),
              path.string() + ":2:1: error: [[vm]] is missing the required key 'name'");
    EXPECT_EQ(to_string(result.errors[1]),
              path.string() + ":3:1: error: unknown key 'nme' in [[vm]]; did you mean 'name'?");
}

TEST_F(LoadConfig, MissingFile)
{
    const fs::path path = dir_ / "nope.toml";
    const LoadResult result = load_config(path);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.errors,
                ElementsAre(Diagnostic{path.string(), 0, 0,
                                       "cannot read the configuration: No such file or "
                                       "directory"}));
    EXPECT_EQ(to_string(result.errors[0]),
              path.string() + ": error: cannot read the configuration: No such file or "
                              "directory");
}

TEST_F(LoadConfig, Directory)
{
    const LoadResult result = load_config(dir_);
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0].message, "cannot read the configuration: Is a directory");
}

TEST_F(LoadConfig, UnreadableFile)
{
    const fs::path path = write("s.toml", "");
    fs::permissions(path, fs::perms::none);
    const WithoutFileOverride as_a_user;
    ASSERT_TRUE(as_a_user.dropped());
    const LoadResult result = load_config(path);
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0].message, "cannot read the configuration: Permission denied");
}

TEST_F(LoadConfig, TooLargeAndEmptyPath)
{
    const fs::path path = write("s.toml", std::string(kMaxConfigBytes + 1, '#'));
    LoadResult result = load_config(path);
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_THAT(result.errors[0].message, ::testing::HasSubstr("larger than"));

    result = load_config("");
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_THAT(result.errors[0].message, ::testing::HasSubstr("empty path"));
}

TEST_F(LoadConfig, EmptyFileIsTheDefaultOrAnErrorAsAsked)
{
    const fs::path path = write("s.toml", " \n\t\n");
    EXPECT_TRUE(load_config(path).ok());
    const LoadResult result = load_config(path, EmptyFile::IsError);
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0].message, "the file is empty");
    // A comment is content: the default, on purpose.
    EXPECT_TRUE(load_config(write("c.toml", "# nothing yet\n"), EmptyFile::IsError).ok());
}

TEST_F(LoadConfig, FifoWithoutAWriterDoesNotBlock)
{
    const fs::path path = dir_ / "fifo.toml";
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    const LoadResult result = load_config(path, EmptyFile::IsError); // returns: nobody writes
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0].message, "the file is empty");
}

using CheckConfig = TempDirTest;

TEST_F(CheckConfig, ValidFilePrintsOneSummaryLine)
{
    const fs::path path = write("s.toml", R"(
[[vm]]
name = "work"
[[vm]]
name = "games"
[[seat]]
name = "left"
outputs = ["DP-1", "DP-2"]
devices = ["id:046d:c31c"]
[[seat]]
name = "right"
outputs = ["HDMI-A-1"]
)");
    std::ostringstream out, err;
    EXPECT_EQ(check_config(path, out, err), 0);
    EXPECT_EQ(out.str(), path.string() + ": ok: 2 VMs, 2 seats, 3 outputs\n");
    EXPECT_EQ(err.str(), "");
}

TEST_F(CheckConfig, InvalidFilePrintsOneLinePerProblem)
{
    const fs::path path = write("s.toml", "[[vm]]\nname = \"a\"\nscaling = \"big\"\n[x]\n");
    std::ostringstream out, err;
    EXPECT_EQ(check_config(path, out, err), 1);
    EXPECT_EQ(out.str(), "");
    EXPECT_EQ(err.str(),
              path.string() +
                  ":3:11: error: unknown scaling 'big' (expected fit, stretch, integer or "
                  "none)\n" +
                  path.string() + ":4:2: error: unknown table [x]\n");
}

TEST_F(CheckConfig, UnreadableFileFails)
{
    std::ostringstream out, err;
    EXPECT_EQ(check_config(dir_ / "nope.toml", out, err), 1);
    EXPECT_EQ(err.str(), (dir_ / "nope.toml").string() +
                             ": error: cannot read the configuration: No such file or "
                             "directory\n");
}

} // namespace
} // namespace phyllome::config
