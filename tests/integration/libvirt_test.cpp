// VMs followed through libvirt (the embedded QEMU driver, no daemon): two
// seats showing two VMs, a VM whose QEMU is killed and started again, a VM
// without a D-Bus display, and a reload that swaps the seats' VMs. The
// compositor runs in this process, so the test shares its libvirt.
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "base/off_loop.hpp"
#include "compositor/output.hpp"
#include "compositor/status_card.hpp"
#include "input/placement.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/process.hpp"
#include "tests/support/seated_vms.hpp"

namespace phyllome::test {
namespace {

constexpr int kWidth = 800, kHeight = 600;

std::string read_file(const std::string &path)
{
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

void replace_all(std::string &text, const std::string &from, const std::string &to)
{
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

bool kvm_usable()
{
    const int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

// One embedded libvirt per process (libvirt allows one root), shared by
// every test here; each test uses domains of its own.
class Libvirt : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        std::string dir = "/tmp/plv-XXXXXX"; // short: QEMU's socket paths live below it
        ASSERT_TRUE(mkdtemp(dir.data()));
        root_ = dir;
        std::filesystem::create_directories(root_ + "/etc");
        // Running as root in a test machine: no confinement, no cgroups,
        // QEMU's output to files (no virtlogd).
        std::ofstream(root_ + "/etc/qemu.conf")
            << "user = \"root\"\ngroup = \"root\"\nsecurity_driver = \"none\"\n"
               "cgroup_controllers = [ ]\nnamespaces = [ ]\nstdio_handler = \"file\"\n";
    }
    static void TearDownTestSuite() { std::filesystem::remove_all(root_); }

    void SetUp() override
    {
        if (getuid() != 0)
            GTEST_SKIP() << "libvirt's embedded QEMU driver needs root here";
        if (required_env("QEMU").empty())
            GTEST_SKIP() << "qemu-system-x86_64 is not installed";
        uri_ = "qemu:///embed?root=" + root_;
        config_.session.libvirt_uri = uri_;
    }

    void TearDown() override
    {
        if (side_ && conn())
            for (const std::string &name : defined_)
                off_loop([&](virConnectPtr c) {
                    if (virDomainPtr dom = virDomainLookupByName(c, name.c_str())) {
                        virDomainDestroy(dom);
                        virDomainUndefine(dom);
                        virDomainFree(dom);
                    }
                });
        off_.reset();
        side_.reset();
        session_.reset();
    }

    // Seats (name, VM, output) in this order.
    void start_session(const std::vector<std::tuple<std::string, std::string, std::string>> &seats,
                       const std::vector<std::string> &vms)
    {
        for (const std::string &name : vms) {
            config::Vm vm;
            vm.name = name;
            vm.scaling = config::Scaling::None;
            vm.follow_output = false;
            config_.vms.push_back(vm);
        }
        for (const auto &[name, vm, output] : seats) {
            config::Seat seat;
            seat.name = name;
            seat.vm = vm;
            seat.outputs = {output};
            config_.seats.push_back(seat);
        }
        Server::Settings settings;
        for (std::size_t i = 0; i < seats.size(); ++i)
            settings.headless.push_back({kWidth, kHeight});
        connect_server(settings, side_);
        session_ = std::make_unique<InProcessSession>(std::move(settings));
        side_ = std::make_unique<SeatedVms>(session_->server(),
                                            [this]() -> const config::Config & { return config_; });
        side_->seats.follow_vms();
        off_ = std::make_unique<base::OffLoop>(session_->server().event_loop());
        ASSERT_TRUE(session_->dispatch_until([&] { return session_->ready() && conn(); },
                                             std::chrono::seconds(60)))
            << "libvirt at " << uri_ << " did not open";
    }

    virConnectPtr conn() const { return side_ ? side_->fleet.libvirt(uri_) : nullptr; }

    // A libvirt call off the loop (it may take seconds), the session
    // running meanwhile.
    void off_loop(const std::function<void(virConnectPtr)> &call)
    {
        bool done = false;
        virConnectPtr c = conn();
        off_->run([&] { call(c); }, [&] { done = true; });
        ASSERT_TRUE(session_->dispatch_until([&] { return done; }, std::chrono::seconds(120)));
    }

    void define(const std::string &name, bool dbus_graphics = true)
    {
        std::string xml = read_file(std::string(FIXTURES) + "/domain.xml");
        replace_all(xml, "@NAME@", name);
        replace_all(xml, "@TYPE@", kvm_usable() ? "kvm" : "qemu");
        replace_all(xml, "@EMULATOR@", required_env("QEMU"));
        replace_all(xml, "@GRAPHICS@", dbus_graphics ? "<graphics type='dbus' p2p='yes'/>" : "");
        std::string error;
        off_loop([&](virConnectPtr c) {
            virDomainPtr dom = virDomainDefineXML(c, xml.c_str());
            if (!dom) {
                error = virGetLastErrorMessage();
                return;
            }
            virDomainFree(dom);
        });
        ASSERT_EQ(error, "");
        defined_.push_back(name);
    }

    void domain_call(const std::string &name, int (*call)(virDomainPtr))
    {
        std::string error;
        off_loop([&](virConnectPtr c) {
            virDomainPtr dom = virDomainLookupByName(c, name.c_str());
            if (!dom || call(dom) < 0)
                error = virGetLastErrorMessage();
            if (dom)
                virDomainFree(dom);
        });
        ASSERT_EQ(error, "") << name;
    }

    void start(const std::string &name) { domain_call(name, virDomainCreate); }
    void suspend(const std::string &name) { domain_call(name, virDomainSuspend); }
    void resume(const std::string &name) { domain_call(name, virDomainResume); }

    // Freezes both domains at a moment their screens differ (SeaBIOS prints
    // each VM's own UUID a little after it starts) and returns libvirt's
    // screenshots of them then.
    std::pair<std::optional<Image>, std::optional<Image>> freeze_distinct(const std::string &a,
                                                                          const std::string &b)
    {
        for (int attempt = 0; attempt < 100; ++attempt) {
            suspend(a);
            suspend(b);
            auto first = screenshot(a);
            auto second = screenshot(b);
            if (!first || !second || first->rgb != second->rgb)
                return {first, second};
            resume(a);
            resume(b);
        }
        ADD_FAILURE() << a << " and " << b << " never looked different";
        return {};
    }

    // libvirt's own screenshot of a domain (QEMU's screendump, PNG).
    std::optional<Image> screenshot(const std::string &name)
    {
        const std::string path = session_->runtime_dir() + "/" + name + "-shot.png";
        std::string error;
        off_loop([&](virConnectPtr c) {
            virDomainPtr dom = virDomainLookupByName(c, name.c_str());
            virStreamPtr stream = virStreamNew(c, 0);
            char *mime = dom && stream ? virDomainScreenshot(dom, stream, 0, 0) : nullptr;
            if (mime) {
                std::ofstream out(path, std::ios::binary);
                char buffer[65536];
                int n;
                while ((n = virStreamRecv(stream, buffer, sizeof buffer)) > 0)
                    out.write(buffer, n);
                if (n < 0)
                    error = "stream: " + std::to_string(n) + " " + virGetLastErrorMessage();
                virStreamFinish(stream);
                free(mime);
            } else {
                error = virGetLastErrorMessage();
            }
            if (stream)
                virStreamFree(stream);
            if (dom)
                virDomainFree(dom);
        });
        EXPECT_EQ(error, "") << name;
        auto image = read_png(path);
        if (!image)
            ADD_FAILURE() << "libvirt's screenshot of " << name << " is not a PNG";
        return image;
    }

    bool shows_vm(const Image &image) { return image.at(1, 1) == 0x000000; }
    bool shows_card(const Image &image) { return image.at(1, 1) == kBackgroundColor; }

    // The output shows exactly libvirt's screenshot of the domain (at its
    // native size, centred).
    void expect_same_as_screenshot(const std::string &output, const Image &shot)
    {
        const auto dest = input::place_frame(static_cast<uint32_t>(shot.width),
                                             static_cast<uint32_t>(shot.height), kWidth, kHeight,
                                             config::Scaling::None)
                              .dest;
        int differing = -1;
        session_->capture_until(output, [&](const Image &image) {
            differing = 0;
            for (int y = 0; y < shot.height; ++y)
                for (int x = 0; x < shot.width; ++x)
                    if (image.at(dest.x + x, dest.y + y) != shot.at(x, y))
                        ++differing;
            return differing == 0;
        });
        EXPECT_EQ(differing, 0) << output;
    }

    bool wait_for(const std::string &output, const std::function<bool(const Image &)> &wanted)
    {
        for (int i = 0; i < 600; ++i) {
            auto image = session_->capture(output);
            if (image && wanted(*image))
                return true;
        }
        return false;
    }

    static inline std::string root_;
    std::string uri_;
    config::Config config_;
    std::unique_ptr<InProcessSession> session_;
    std::unique_ptr<SeatedVms> side_;
    std::unique_ptr<base::OffLoop> off_;
    std::vector<std::string> defined_;
};

TEST_F(Libvirt, TwoSeatsShowTheirOwnVms)
{
    start_session({{"left", "alpha", "HEADLESS-1"}, {"right", "beta", "HEADLESS-2"}},
                  {"alpha", "beta"});
    define("alpha");
    define("beta");
    start("alpha");
    start("beta");
    ASSERT_TRUE(wait_for("HEADLESS-1", [&](const Image &i) { return shows_vm(i); }));
    ASSERT_TRUE(wait_for("HEADLESS-2", [&](const Image &i) { return shows_vm(i); }));

    // Frozen, their screens stop changing: then libvirt's screenshots and
    // the outputs must agree, each with its own VM.
    auto [alpha, beta] = freeze_distinct("alpha", "beta");
    ASSERT_TRUE(alpha && beta);
    expect_same_as_screenshot("HEADLESS-1", *alpha);
    expect_same_as_screenshot("HEADLESS-2", *beta);
}

TEST_F(Libvirt, KilledQemuComesBackWhenStartedAgain)
{
    start_session({{"left", "gamma", "HEADLESS-1"}, {"right", "delta", "HEADLESS-2"}},
                  {"gamma", "delta"});
    define("gamma");
    define("delta");
    start("gamma");
    start("delta");
    ASSERT_TRUE(wait_for("HEADLESS-1", [&](const Image &i) { return shows_vm(i); }));
    ASSERT_TRUE(wait_for("HEADLESS-2", [&](const Image &i) { return shows_vm(i); }));

    pid_t pid = 0;
    std::ifstream(root_ + "/run/qemu/gamma.pid") >> pid;
    ASSERT_GT(pid, 0);
    ASSERT_EQ(kill(pid, SIGKILL), 0);

    // Its seat shows the status card; the other keeps its VM.
    ASSERT_TRUE(wait_for("HEADLESS-1", [&](const Image &i) { return shows_card(i); }));
    ASSERT_TRUE(session_->dispatch_until([&] {
        return side_->fleet.link("gamma")->state() == libvirt::VmLink::State::Crashed ||
               side_->fleet.link("gamma")->state() == libvirt::VmLink::State::ShutOff;
    }));
    auto other = session_->capture("HEADLESS-2");
    ASSERT_TRUE(other);
    EXPECT_TRUE(shows_vm(*other));

    // Started again (by anyone): the display returns with nothing done to
    // the session.
    start("gamma");
    EXPECT_TRUE(wait_for("HEADLESS-1", [&](const Image &i) { return shows_vm(i); }));
}

TEST_F(Libvirt, DomainWithoutDbusDisplayIsNamedOnTheCard)
{
    start_session({{"seat0", "epsilon", "HEADLESS-1"}}, {"epsilon"});
    define("epsilon", false);
    start("epsilon");
    ASSERT_TRUE(session_->dispatch_until(
        [&] { return side_->fleet.link("epsilon")->state() == libvirt::VmLink::State::NoDisplay; },
        std::chrono::seconds(60)));
    EXPECT_NE(side_->fleet.state_of("epsilon").find("<graphics type='dbus' p2p='yes'/>"),
              std::string::npos)
        << side_->fleet.state_of("epsilon");
    auto image = session_->capture("HEADLESS-1");
    ASSERT_TRUE(image);
    EXPECT_TRUE(shows_card(*image));
}

TEST_F(Libvirt, ReloadSwapsTheSeatsVms)
{
    start_session({{"left", "zeta", "HEADLESS-1"}, {"right", "eta", "HEADLESS-2"}},
                  {"zeta", "eta"});
    define("zeta");
    define("eta");
    start("zeta");
    start("eta");
    ASSERT_TRUE(wait_for("HEADLESS-1", [&](const Image &i) { return shows_vm(i); }));
    ASSERT_TRUE(wait_for("HEADLESS-2", [&](const Image &i) { return shows_vm(i); }));
    auto [zeta, eta] = freeze_distinct("zeta", "eta");
    ASSERT_TRUE(zeta && eta);

    // As a reload applies it: the new file, then the displays follow.
    config_.seats[0].vm = "eta";
    config_.seats[1].vm = "zeta";
    side_->seats.follow_vms();
    side_->seats.assign();
    expect_same_as_screenshot("HEADLESS-1", *eta);
    expect_same_as_screenshot("HEADLESS-2", *zeta);
}

TEST_F(Libvirt, AutostartStartsAShutOffDomainWhenASeatShowsIt)
{
    // A seat showing another VM at first; then the file names this one.
    start_session({{"seat0", "iota", "HEADLESS-1"}}, {"iota"});
    define("theta");
    config::Vm vm;
    vm.name = "theta";
    vm.autostart = true;
    vm.scaling = config::Scaling::None;
    config_.vms.push_back(vm);
    config_.seats[0].vm = "theta";
    side_->seats.follow_vms();
    EXPECT_TRUE(wait_for("HEADLESS-1", [&](const Image &i) { return shows_vm(i); }))
        << side_->fleet.state_of("theta");
}

TEST_F(Libvirt, UndefinedDomainIsNamedOnTheCard)
{
    start_session({{"seat0", "nowhere", "HEADLESS-1"}}, {"nowhere"});
    ASSERT_TRUE(session_->dispatch_until(
        [&] { return side_->fleet.link("nowhere")->state() == libvirt::VmLink::State::Undefined; },
        std::chrono::seconds(60)));
    EXPECT_NE(side_->fleet.state_of("nowhere").find("Not defined"), std::string::npos);
    auto image = session_->capture("HEADLESS-1");
    ASSERT_TRUE(image);
    EXPECT_TRUE(shows_card(*image));
}

} // namespace
} // namespace phyllome::test
