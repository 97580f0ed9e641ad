// Live reload of the session file in a running session: every way editors
// save a file, a refused invalid file, SIGHUP, and --check-config.
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "session/session_config.hpp"
#include "compositor/status_card.hpp"
#include "config/load.hpp"
#include "tests/support/notify.hpp"
#include "tests/support/session.hpp"

namespace phyllome::test {
namespace {

constexpr int kWidth = 640, kHeight = 480;

std::string session_file(const std::string &left_vm)
{
    // libvirt's built-in test driver: always there, and it knows neither VM.
    return "[session]\nlibvirt_uri = \"test:///default\"\n\n"
           "[[vm]]\nname = \"work\"\n\n[[vm]]\nname = \"games\"\n\n"
           "[[seat]]\nname = \"left\"\nvm = \"" +
           left_vm +
           "\"\noutputs = [\"HEADLESS-1\"]\n"
           "devices = [\"name:Left keyboard\"]\n\n"
           "[[seat]]\nname = \"right\"\nvm = \"games\"\noutputs = [\"HEADLESS-2\"]\n";
}

void write_file(const std::string &path, const std::string &content)
{
    std::ofstream(path, std::ios::trunc) << content;
}

class Reload : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string dir =
            (std::filesystem::temp_directory_path() / "phyllome-reload-XXXXXX").string();
        ASSERT_TRUE(mkdtemp(dir.data()));
        dir_ = dir;
        path_ = dir_ + "/session.toml";
        write_file(path_, session_file("work"));
        notify_ = std::make_unique<NotifySocket>(dir_ + "/notify");
        start_session();
    }
    void start_session(const std::vector<std::string> &run_under = {})
    {
        session_.reset();
        session_ = std::make_unique<SessionProcess>(
            std::vector<std::string>{"--config", path_, "--headless", "640x480,640x480"},
            EnvChanges{{"NOTIFY_SOCKET", notify_->path()}}, std::vector<int>{}, run_under);
        ASSERT_TRUE(session_->wait_ready()) << session_->log();
    }
    void TearDown() override
    {
        session_.reset();
        notify_.reset();
        std::filesystem::remove_all(dir_);
    }

    // Waits for the session to report the end of a reload; its status line.
    std::string wait_reload_status()
    {
        auto message = notify_->wait_for([](const std::string &m) {
            return m.find("READY=1") != std::string::npos &&
                   (m.find("STATUS=Reloaded") != std::string::npos ||
                    m.find("STATUS=Session file invalid") != std::string::npos);
        });
        return message.value_or("(no reload reported)");
    }

    // Waits for a reload that applied the file (refused ones before it are
    // passed over); its status line.
    std::string wait_applied()
    {
        auto message = notify_->wait_for([](const std::string &m) {
            return m.find("READY=1") != std::string::npos &&
                   m.find("STATUS=Reloaded") != std::string::npos;
        });
        return message.value_or("(no applied reload reported)");
    }

    // Waits for a refused reload whose status line names the file and
    // holds `reason`; the session's log must have a line saying the same.
    void expect_refused(const std::string &reason)
    {
        const std::string status = "STATUS=Session file invalid, keeping the last valid one: ";
        auto message = notify_->wait_for([&](const std::string &m) {
            return m.find(status + path_) != std::string::npos &&
                   m.find(reason) != std::string::npos;
        });
        ASSERT_TRUE(message) << "no refused reload saying \"" << reason << "\"\n"
                             << session_->log();
        std::istringstream log(session_->log());
        bool logged = false;
        for (std::string line; std::getline(log, line);)
            logged = logged || (line.find(path_) != std::string::npos &&
                                line.find(reason) != std::string::npos);
        EXPECT_TRUE(logged) << "the log does not say \"" << reason << "\":\n" << session_->log();
    }

    // The output shows exactly the card the session file gives it: the card
    // the session would draw, compared pixel by pixel where it is opaque.
    void expect_card(const std::string &output, const std::string &content, const std::string &vm)
    {
        config::LoadResult parsed = config::parse_config(content, "expected");
        ASSERT_TRUE(parsed.ok());
        const StatusCardText text = card_text_for_output(
            *parsed.config, output, [](const config::Seat &seat) { return seat.vm; },
            [](const std::string &, const std::string &) {
                return VmCardState{.state = "Not defined in libvirt (test:///default)",
                                   .fix = {},
                                   .startable = false};
            },
            "");
        ASSERT_EQ(text.vm, vm);
        CardImage expected = render_status_card(text, kWidth, kHeight);
        const CardGeometry card = status_card_geometry(text, kWidth, kHeight);

        // The VM's state reaches the card once libvirt answered: a few
        // frames at most.
        int compared = 0, differing = -1;
        for (int attempt = 0; attempt < 100 && differing != 0; ++attempt) {
            auto image = session_->capture(output);
            ASSERT_TRUE(image);
            compared = differing = 0;
            for (int y = 0; y < expected.height(); ++y)
                for (int x = 0; x < expected.width(); ++x) {
                    const uint32_t pixel = expected.pixel(x, y);
                    if ((pixel >> 24) != 0xff)
                        continue; // the rounded corners blend with the background
                    ++compared;
                    if (image->at(card.x + x, card.y + y) != (pixel & 0xffffff))
                        ++differing;
                }
        }
        EXPECT_GT(compared, expected.width() * expected.height() * 9 / 10);
        EXPECT_EQ(differing, 0) << output << " does not show the card for VM " << vm;
    }

    std::string dir_, path_;
    std::unique_ptr<NotifySocket> notify_;
    std::unique_ptr<SessionProcess> session_;
};

TEST_F(Reload, StartsWithTheFileSettings)
{
    expect_card("HEADLESS-1", session_file("work"), "work");
    expect_card("HEADLESS-2", session_file("work"), "games");
}

TEST_F(Reload, EditorThatWritesATemporaryFileAndRenames)
{
    const std::string temporary = dir_ + "/.session.toml.swp";
    write_file(temporary, session_file("games"));
    ASSERT_EQ(rename(temporary.c_str(), path_.c_str()), 0);
    EXPECT_NE(wait_reload_status().find("Reloaded"), std::string::npos);
    expect_card("HEADLESS-1", session_file("games"), "games");
    expect_card("HEADLESS-2", session_file("games"), "games");
}

TEST_F(Reload, SedInPlace)
{
    auto result = run_command({"sed", "-i", "s/vm = \"work\"/vm = \"games\"/", path_});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(wait_reload_status().find("Reloaded"), std::string::npos);
    expect_card("HEADLESS-1", session_file("games"), "games");
}

TEST_F(Reload, TruncateThenWrite)
{
    const std::string content = session_file("games");
    const int fd = open(path_.c_str(), O_WRONLY | O_TRUNC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    close(fd);
    EXPECT_NE(wait_reload_status().find("Reloaded"), std::string::npos);
    expect_card("HEADLESS-1", session_file("games"), "games");
}

TEST_F(Reload, InvalidFileChangesNothing)
{
    write_file(path_, "[[seat]\nname = 3\n");
    EXPECT_NE(wait_reload_status().find("Session file invalid"), std::string::npos);
    expect_card("HEADLESS-1", session_file("work"), "work");

    // A valid file afterwards is applied as usual.
    write_file(path_, session_file("games"));
    EXPECT_NE(wait_reload_status().find("Reloaded"), std::string::npos);
    expect_card("HEADLESS-1", session_file("games"), "games");
}

// The log lines that are errors (wlroots' "[ERROR]" header) about `file`.
std::vector<std::string> error_lines(const std::string &log, const std::string &file)
{
    std::vector<std::string> errors;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);)
        if (line.find("[ERROR]") != std::string::npos && line.find(file) != std::string::npos)
            errors.push_back(line);
    return errors;
}

TEST_F(Reload, DeletedFileChangesNothing)
{
    ASSERT_EQ(unlink(path_.c_str()), 0);
    auto gone = notify_->wait_for([](const std::string &m) {
        return m.find("READY=1") != std::string::npos &&
               m.find("is gone (deleted, or being saved), keeping the last valid version of "
                      "the session file until it is back") != std::string::npos;
    });
    EXPECT_TRUE(gone) << session_->log();
    expect_card("HEADLESS-1", session_file("work"), "work");
    // Not an error (yet): one line says what happened.
    EXPECT_EQ(error_lines(session_->log(), path_), std::vector<std::string>{}) << session_->log();
}

TEST_F(Reload, EditorThatDeletesAndWritesANewFile)
{
    ASSERT_EQ(unlink(path_.c_str()), 0);
    // The session sees the file gone before the new one is there (as it
    // does when the editor is slower than the session).
    ASSERT_TRUE(notify_->wait_for([](const std::string &m) {
        return m.find("READY=1") != std::string::npos &&
               m.find("STATUS=Session file ") != std::string::npos;
    }));
    write_file(path_, session_file("games"));
    EXPECT_NE(wait_applied().find("Reloaded"), std::string::npos);
    expect_card("HEADLESS-1", session_file("games"), "games");
    EXPECT_EQ(error_lines(session_->log(), path_), std::vector<std::string>{}) << session_->log();
    std::size_t gone = 0;
    for (std::size_t at = 0; (at = session_->log().find("is gone", at)) != std::string::npos; ++at)
        ++gone;
    EXPECT_LE(gone, 1u) << session_->log();
}

TEST_F(Reload, AnInvalidFileLogsEachErrorOnce)
{
    write_file(path_, "[[seat]]\nname = 3\n");
    expect_refused(":2:8: error: 'name' must be a string");
    const auto errors = error_lines(session_->log(), path_);
    ASSERT_EQ(errors.size(), 1u) << session_->log();
    EXPECT_NE(errors[0].find(path_ + ":2:8: error: 'name' must be a string, not an integer"),
              std::string::npos);
}

TEST_F(Reload, EmptiedFileChangesNothing)
{
    // `: > session.toml`, or an editor caught between truncating and
    // writing: not the default configuration, which would take both seats'
    // VMs away.
    write_file(path_, "");
    expect_refused("the file is empty");
    expect_card("HEADLESS-1", session_file("work"), "work");
    expect_card("HEADLESS-2", session_file("work"), "games");

    write_file(path_, session_file("games"));
    EXPECT_NE(wait_applied().find("Reloaded"), std::string::npos);
    expect_card("HEADLESS-1", session_file("games"), "games");
}

TEST_F(Reload, HalfWrittenFileChangesNothing)
{
    // The new file cut off in the middle of a string, as a full disk or a
    // crashed editor leaves it.
    const std::string content = session_file("games");
    write_file(path_, content.substr(0, content.find("\"games\"\noutputs") + 3));
    expect_refused(": error: "); // its line and column
    expect_card("HEADLESS-1", session_file("work"), "work");

    write_file(path_, content);
    EXPECT_NE(wait_applied().find("Reloaded"), std::string::npos);
    expect_card("HEADLESS-1", session_file("games"), "games");
}

TEST_F(Reload, UnreadableFileChangesNothing)
{
    if (getuid() == 0) {
        // Root reads a mode 000 file anyway (CAP_DAC_OVERRIDE): run the
        // session without the capabilities that bypass file modes, as any
        // user's session runs.
        const std::string setpriv = required_env("SETPRIV");
        if (setpriv.empty())
            GTEST_SKIP() << "as root, needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE";
        start_session({setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"});
    }
    ASSERT_EQ(chmod(path_.c_str(), 0), 0);
    expect_refused("cannot read the configuration: Permission denied");
    expect_card("HEADLESS-1", session_file("work"), "work");
    expect_card("HEADLESS-2", session_file("work"), "games");

    // Readable again, with new content: picked up.
    write_file(path_ + ".new", session_file("games"));
    ASSERT_EQ(rename((path_ + ".new").c_str(), path_.c_str()), 0);
    EXPECT_NE(wait_applied().find("Reloaded"), std::string::npos);
    expect_card("HEADLESS-1", session_file("games"), "games");
}

TEST_F(Reload, FileReplacedByADirectoryChangesNothing)
{
    // A read that fails whoever runs the session, root included.
    ASSERT_EQ(unlink(path_.c_str()), 0);
    ASSERT_EQ(mkdir(path_.c_str(), 0700), 0);
    expect_refused("cannot read the configuration: Is a directory");
    expect_card("HEADLESS-1", session_file("work"), "work");
    expect_card("HEADLESS-2", session_file("work"), "games");

    ASSERT_EQ(rmdir(path_.c_str()), 0);
    write_file(path_, session_file("games"));
    EXPECT_NE(wait_applied().find("Reloaded"), std::string::npos);
    expect_card("HEADLESS-1", session_file("games"), "games");
}

TEST_F(Reload, FileReplacedByAFifoDoesNotHoldTheSession)
{
    // Nobody ever writes to it: opening it must not block the session's
    // loop (it did: every seat froze).
    ASSERT_EQ(unlink(path_.c_str()), 0);
    ASSERT_EQ(mkfifo(path_.c_str(), 0600), 0);
    expect_refused("the file is empty");
    expect_card("HEADLESS-1", session_file("work"), "work");
    expect_card("HEADLESS-2", session_file("work"), "games");

    ASSERT_EQ(unlink(path_.c_str()), 0);
    write_file(path_, session_file("games"));
    EXPECT_NE(wait_applied().find("Reloaded"), std::string::npos);
    expect_card("HEADLESS-1", session_file("games"), "games");
}

TEST_F(Reload, SighupRereadsTheFile)
{
    kill(session_->pid(), SIGHUP);
    EXPECT_NE(wait_reload_status().find("Reloaded " + path_ + ": 0 change(s)"), std::string::npos);
    expect_card("HEADLESS-1", session_file("work"), "work");
}

TEST(StartupConfig, AnInvalidFileLeavesTheDefaultAndSaysWhy)
{
    std::string dir = (std::filesystem::temp_directory_path() / "phyllome-badcfg-XXXXXX").string();
    ASSERT_TRUE(mkdtemp(dir.data()));
    const std::string path = dir + "/session.toml";
    write_file(path, "[[seat]]\nname = \"a\"\noutputs = []\n");
    {
        SessionProcess session({"--config", path, "--headless", "640x480"});
        ASSERT_TRUE(session.wait_ready()) << session.log();
        EXPECT_NE(session.log().find(path + ":3:"), std::string::npos) << session.log();
        auto image = session.capture("HEADLESS-1");
        ASSERT_TRUE(image);
        const CardGeometry card = status_card_geometry(kWidth, kHeight);
        EXPECT_EQ(image->at(card.x + card.width / 2, card.y + 2), kCardColor);
    }
    std::filesystem::remove_all(dir);
}

TEST(CheckConfig, ValidInvalidAndMissing)
{
    std::string dir = (std::filesystem::temp_directory_path() / "phyllome-check-XXXXXX").string();
    ASSERT_TRUE(mkdtemp(dir.data()));
    const std::string good = dir + "/good.toml", bad = dir + "/bad.toml";
    write_file(good, session_file("work"));
    write_file(bad, "[[seat]]\nname = \"a\"\nvm = \"nope\"\nscaling = 1\n");
    const std::string binary = required_env("PHYLLOME_SESSION");

    auto ok = run_command({binary, "--check-config", good});
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_EQ(std::count(ok.output.begin(), ok.output.end(), '\n'), 1) << ok.output;

    auto failed = run_command({binary, "--check-config", bad});
    EXPECT_EQ(failed.exit_code, 1) << failed.output;
    EXPECT_NE(failed.output.find(bad + ":3:"), std::string::npos) << failed.output;
    EXPECT_NE(failed.output.find(": error: "), std::string::npos) << failed.output;

    auto missing = run_command({binary, "--check-config", dir + "/absent.toml"});
    EXPECT_EQ(missing.exit_code, 1) << missing.output;
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace phyllome::test
