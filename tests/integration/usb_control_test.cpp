// phyllomectl usb against the real session binary: the list in both styles
// and in the status, and attach/detach of a device that is not there. The
// session reads the host's own udev: CI has no USB devices to pass through,
// so whatever it lists must go to no VM (the file has no usb rules).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/session.hpp"

namespace phyllome::test {
namespace {

using nlohmann::json;

class UsbControl : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string dir = (std::filesystem::temp_directory_path() / "phyllome-usb-XXXXXX").string();
        ASSERT_TRUE(mkdtemp(dir.data()));
        dir_ = dir;
        const std::string path = dir_ + "/session.toml";
        std::ofstream(path) << "[session]\nlibvirt_uri = \"test:///default\"\n"
                               "[[vm]]\nname = \"test\"\nusb_classes = [\"storage\"]\n"
                               "[[seat]]\nname = \"left\"\nvm = \"test\"\n";
        session_ = std::make_unique<SessionProcess>(
            std::vector<std::string>{"--config", path, "--headless", "640x480"});
        ASSERT_TRUE(session_->wait_ready()) << session_->log();
    }
    void TearDown() override
    {
        session_.reset();
        std::filesystem::remove_all(dir_);
    }

    CommandResult ctl(const std::vector<std::string> &args)
    {
        std::vector<std::string> argv = {required_env("PHYLLOMECTL")};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, {{"XDG_RUNTIME_DIR", session_->runtime_dir()},
                                  {"PHYLLOME_SOCKET", std::nullopt}});
    }

    std::string dir_;
    std::unique_ptr<SessionProcess> session_;
};

TEST_F(UsbControl, ListsInBothStylesAndInTheStatus)
{
    const CommandResult listed = ctl({"--json", "usb"});
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    const json reply = json::parse(listed.output, nullptr, false);
    ASSERT_TRUE(reply.is_object()) << listed.output;
    EXPECT_EQ(reply["ok"], true);
    ASSERT_TRUE(reply["devices"].is_array()) << listed.output;
    EXPECT_TRUE(reply["problem"].is_string());
    for (const json &device : reply["devices"]) {
        // No usb rules: nothing is passed through, and each says why.
        EXPECT_TRUE(device["vm"].is_null()) << device.dump();
        EXPECT_EQ(device["state"], "not attached") << device.dump();
        EXPECT_FALSE(device["reason"].get<std::string>().empty()) << device.dump();
        EXPECT_EQ(device["error"], "") << device.dump();
    }

    const CommandResult human = ctl({"usb"});
    EXPECT_EQ(human.exit_code, 0) << human.output;
    if (reply["devices"].empty() && reply["problem"] == "")
        EXPECT_EQ(human.output, "no USB devices\n");
    else
        EXPECT_FALSE(human.output.empty());

    const CommandResult status = ctl({"--json", "status"});
    ASSERT_EQ(status.exit_code, 0) << status.output;
    const json usb = json::parse(status.output, nullptr, false)["usb"];
    EXPECT_EQ(usb["devices"].size(), reply["devices"].size()) << status.output;
}

TEST_F(UsbControl, AttachAndDetachOfADeviceThatIsNotThere)
{
    const CommandResult attach = ctl({"usb", "attach", "99-9.9", "test"});
    EXPECT_EQ(attach.exit_code, 1) << attach.output;
    EXPECT_NE(attach.output.find("no USB device '99-9.9' (phyllomectl usb lists them)"),
              std::string::npos)
        << attach.output;
    const CommandResult detach = ctl({"usb", "detach", "99-9.9"});
    EXPECT_EQ(detach.exit_code, 1) << detach.output;
    EXPECT_NE(detach.output.find("no USB device '99-9.9'"), std::string::npos) << detach.output;

    const CommandResult usage = ctl({"usb", "attach"});
    EXPECT_EQ(usage.exit_code, 2) << usage.output;
    EXPECT_NE(usage.output.find("usage: phyllomectl usb"), std::string::npos) << usage.output;
}

} // namespace
} // namespace phyllome::test
