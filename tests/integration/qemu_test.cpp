// A real QEMU (Debian's, no disk: SeaBIOS draws its screen) shown by the
// session: attached through QMP as libvirt would, on a headless output, and
// compared pixel for pixel with QEMU's own screendump.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <wayland-server-core.h>

#include "compositor/status_card.hpp"
#include "config/config.hpp"
#include "input/placement.hpp"
#include "tests/support/qmp.hpp"
#include "tests/support/session.hpp"
#include "vmview/clipboard.hpp"
#include "vmview/display_client.hpp"

namespace phyllome::test {
namespace {

constexpr int kOutputWidth = 1024, kOutputHeight = 768;
// Each capture waits for a frame of the session's output; this bounds how
// many frames QEMU may take to send what it has drawn.
constexpr int kMaxCaptures = 200;

class RealQemu : public ::testing::Test {
protected:
    void SetUp() override
    {
        const char *qemu = getenv("QEMU");
        if (!qemu || !*qemu)
            GTEST_SKIP() << "qemu-system-x86_64 is not installed";
        std::string dir =
            (std::filesystem::temp_directory_path() / "phyllome-qemu-XXXXXX").string();
        ASSERT_TRUE(mkdtemp(dir.data()));
        dir_ = dir;
        // KVM when the machine lets us, else TCG: SeaBIOS is quick either way.
        // -daemonize: QEMU's first process exits once the QMP socket exists.
        const pid_t starter = spawn({qemu,
                                     "-name",
                                     "bios",
                                     "-machine",
                                     "pc,accel=kvm:tcg",
                                     "-m",
                                     "32",
                                     "-nodefaults",
                                     "-no-user-config",
                                     "-vga",
                                     "std",
                                     "-display",
                                     "dbus,p2p=on",
                                     "-nic",
                                     "none",
                                     "-serial",
                                     "none",
                                     "-monitor",
                                     "none",
                                     "-qmp",
                                     "unix:" + dir_ + "/qmp.sock,server=on,wait=off",
                                     "-daemonize",
                                     "-pidfile",
                                     dir_ + "/qemu.pid"},
                                    {}, dir_ + "/qemu.log");
        auto status = wait_for_exit(starter, std::chrono::seconds(60));
        ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << qemu_log();
        std::ifstream(dir_ + "/qemu.pid") >> qemu_pid_;
        qmp_ = std::make_unique<Qmp>(dir_ + "/qmp.sock");
    }

    void TearDown() override
    {
        if (qmp_) {
            try {
                qmp_->execute(R"({"execute":"quit"})");
            } catch (const std::exception &) {
            }
        }
        if (qemu_pid_ > 0)
            kill(qemu_pid_, SIGKILL);
        if (!dir_.empty())
            std::filesystem::remove_all(dir_);
    }

    std::string qemu_log() const
    {
        std::ifstream file(dir_ + "/qemu.log");
        return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    }

    std::string dir_;
    pid_t qemu_pid_ = -1;
    std::unique_ptr<Qmp> qmp_;
};

TEST_F(RealQemu, SessionShowsExactlyWhatQemuDraws)
{
    const std::string config_path = dir_ + "/session.toml";
    std::ofstream(config_path) << "[[vm]]\nname = \"bios\"\nscaling = \"none\"\n\n"
                                  "[[seat]]\nname = \"seat0\"\nvm = \"bios\"\n"
                                  "outputs = [\"HEADLESS-1\"]\ndevices = [\"*\"]\n";
    const int display_fd = qmp_->attach_dbus_display();
    SessionProcess session({"--config", config_path, "--headless", "1024x768", "--vm-fd",
                            "bios=" + std::to_string(display_fd)},
                           {}, {display_fd});
    close(display_fd);
    ASSERT_TRUE(session.wait_ready()) << session.log();

    // The console replaces the status card once QEMU's first frame is in:
    // black letterbox where the card's background was.
    bool showing = false;
    for (int i = 0; i < kMaxCaptures && !showing; ++i) {
        auto image = session.capture("HEADLESS-1");
        ASSERT_TRUE(image);
        showing = image->at(1, 1) == 0x000000;
    }
    ASSERT_TRUE(showing) << "the VM's frame never replaced the status card\n" << session.log();

    // Freeze the guest so its screen stops changing, then let QEMU draw
    // its own picture of it.
    ASSERT_NE(qmp_->execute(R"({"execute":"stop"})").find("return"), std::string::npos);
    const std::string dump_path = dir_ + "/dump.ppm";
    const std::string reply =
        qmp_->execute(R"({"execute":"screendump","arguments":{"filename":")" + dump_path + "\"}}");
    ASSERT_NE(reply.find("return"), std::string::npos) << reply;
    auto dump = read_ppm(dump_path);
    ASSERT_TRUE(dump);
    ASSERT_LE(dump->width, kOutputWidth);
    ASSERT_LE(dump->height, kOutputHeight);

    // Shown at its native size, centred: every pixel must be QEMU's.
    const auto placement =
        input::place_frame(static_cast<uint32_t>(dump->width), static_cast<uint32_t>(dump->height),
                           kOutputWidth, kOutputHeight, config::Scaling::None);
    ASSERT_EQ(placement.dest.width, dump->width);
    int differing = -1;
    for (int i = 0; i < kMaxCaptures && differing != 0; ++i) {
        auto image = session.capture("HEADLESS-1");
        ASSERT_TRUE(image);
        differing = 0;
        for (int y = 0; y < dump->height; ++y)
            for (int x = 0; x < dump->width; ++x)
                if (image->at(placement.dest.x + x, placement.dest.y + y) != dump->at(x, y))
                    ++differing;
    }
    EXPECT_EQ(differing, 0) << "pixels differing from QEMU's screendump of " << dump->width << "x"
                            << dump->height << "\n"
                            << session.log();
    // Something was drawn: SeaBIOS's text is not one flat colour.
    EXPECT_GT(count_differing(*dump, 0, 0, dump->width, dump->height, dump->at(0, 0), 0), 100);

    // How the pixels came: QEMU 9.2 and newer share the guest's surface
    // (Listener.Unix.Map: ScanoutMap, UpdateMap), shown where it lies, not
    // one byte copied; older ones send Scanout and Update, copied into the
    // session's shadow surface.
    const auto version = nlohmann::json::parse(qmp_->execute(R"({"execute":"query-version"})"));
    const auto &qemu = version["return"]["qemu"];
    const bool shares_memory =
        qemu["major"].get<int>() > 9 || (qemu["major"] == 9 && qemu["minor"].get<int>() >= 2);
    auto status = session.run_client({required_env("PHYLLOMECTL"), "--json", "status"});
    ASSERT_EQ(status.exit_code, 0) << status.output;
    const auto answer = nlohmann::json::parse(status.output);
    const auto &counters = answer["seats"][0]["outputs"][0]["console"]["counters"];
    ASSERT_TRUE(counters.is_object()) << status.output;
    EXPECT_GT(counters["messages"].get<uint64_t>(), 0u) << status.output;
    if (shares_memory)
        EXPECT_EQ(counters["pixel_bytes_copied"].get<uint64_t>(), 0u)
            << "QEMU " << qemu.dump() << " shares its surface: nothing to copy\n"
            << status.output;
    else
        EXPECT_GE(counters["pixel_bytes_copied"].get<uint64_t>(),
                  uint64_t(dump->width) * uint64_t(dump->height) * 4)
            << "QEMU " << qemu.dump() << " sends its pixels: one copy of each frame\n"
            << status.output;
}

} // namespace
} // namespace phyllome::test

namespace phyllome::test {
namespace {

// The session's clipboard peer with Debian's QEMU: registering does not
// deadlock (QEMU reads our properties inside its Register handler, so the
// call is asynchronous and our object is served meanwhile), and a second
// display connection to the same QEMU shows whether QEMU forgot the first
// peer (8.0 and later) or not (7.2: unavailable until the VM restarts).
TEST_F(RealQemu, ClipboardRegistersAndAReconnectSaysWhatQemuAllows)
{
    const std::string version = qmp_->execute(R"({"execute":"query-version"})");
    const auto reply = nlohmann::json::parse(version, nullptr, false);
    const int major = reply["return"]["qemu"].value("major", 0);
    ASSERT_GT(major, 0) << version;

    wl_event_loop *loop = wl_event_loop_create();
    auto settle = [&](vmview::Clipboard &clipboard) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (clipboard.state() == vmview::Clipboard::State::Registering &&
               std::chrono::steady_clock::now() < deadline)
            wl_event_loop_dispatch(loop, 100);
        return clipboard.state();
    };
    {
        vmview::DisplayClient first(loop, base::UniqueFd(qmp_->attach_dbus_display()), "bios", {});
        ASSERT_TRUE(first.clipboard());
        EXPECT_EQ(settle(*first.clipboard()), vmview::Clipboard::State::Registered)
            << first.clipboard()->status_text();
        // Nothing was copied in the guest (it has no agent): a take says so.
        std::optional<std::string> error;
        first.clipboard()->take(
            [&](std::optional<std::string>, const std::string &why) { error = why; });
        EXPECT_EQ(error.value_or(""), "nothing was copied in the VM");
    }
    {
        vmview::DisplayClient second(loop, base::UniqueFd(qmp_->attach_dbus_display()), "bios",
                                     {});
        ASSERT_TRUE(second.clipboard());
        const auto state = settle(*second.clipboard());
        if (major < 8) {
            EXPECT_EQ(state, vmview::Clipboard::State::OldQemuStuck)
                << second.clipboard()->status_text();
            EXPECT_EQ(second.clipboard()->status_text(),
                      "QEMU 7.2: unavailable until the VM restarts");
        } else {
            EXPECT_EQ(state, vmview::Clipboard::State::Registered)
                << second.clipboard()->status_text();
        }
    }
    wl_event_loop_destroy(loop);
}

} // namespace
} // namespace phyllome::test
