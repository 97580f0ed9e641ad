// `phyllomectl identify` and `devices` in this process: headless keyboards
// and a mouse on a seat showing a fake QEMU VM, the control socket on the
// compositor's loop. The press identify catches never reaches the VM.
#include <algorithm>
#include <linux/input-event-codes.h>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "compositor/input_devices.hpp"
#include "compositor/wlr_compat.hpp"
#include "session/control_commands.hpp"
#include "session/control_server.hpp"
#include "tests/support/control_client.hpp"
#include "tests/support/fake_qemu.hpp"
#include "tests/support/headless_input.hpp"
#include "tests/support/in_process.hpp"
#include "tests/support/seated_vms.hpp"

namespace phyllome::test {
namespace {

using nlohmann::json;

class Identify : public ::testing::Test {
protected:
    void SetUp() override
    {
        config::Vm vm;
        vm.name = "a";
        vm.follow_output = false;
        config_.vms.push_back(vm);
        config::Seat seat;
        seat.name = "left";
        seat.vm = "a";
        seat.outputs = {"HEADLESS-1"};
        std::string error;
        seat.devices = {*config::parse_device_rule("name:Left*", error)};
        config_.seats.push_back(seat);

        fake_ = std::make_unique<FakeQemu>("9.2");
        Server::Settings settings;
        settings.headless = {{320, 240}};
        connect_server(settings, side_);
        session_ = std::make_unique<InProcessSession>(std::move(settings), [this](Server &server) {
            side_ = std::make_unique<SeatedVms>(
                server, [this]() -> const config::Config & { return config_; });
            // The devices come once the session's input devices listen.
            keyboard_ = add_named_device(server, InputDeviceKind::Keyboard, "Left keyboard");
            mouse_ = add_named_device(server, InputDeviceKind::Pointer, "Left mouse");
            add_named_device(server, InputDeviceKind::Keyboard, "Stray keyboard");
        });
        side_->fleet.attach("a", base::UniqueFd(fake_->take_client_fd()));
        ASSERT_TRUE(session_->dispatch_until([&] { return session_->ready(); }));
        ASSERT_EQ(fake_->command(*session_, "wait-listener").rfind("ok", 0), 0u);
        ASSERT_EQ(fake_->command(*session_, "scanout 64 48 x8r8g8b8 102030").rfind("ok", 0), 0u);

        commands_ = std::make_unique<ControlCommands>(
            [this]() -> const config::Config & { return config_; }, side_->seats, side_->fleet,
            session_->server(), side_->input,
            [] {
                return ControlCommands::ReloadOutcome{false, "no session file here"};
            },
            [](nlohmann::json &) {});
        control_ = std::make_unique<ControlServer>(session_->server().event_loop(),
                                                   session_->runtime_dir() + "/control.sock",
                                                   commands_->handlers());
    }

    void TearDown() override
    {
        control_.reset();
        commands_.reset();
        side_.reset();
        session_.reset();
        fake_.reset();
    }

    // The reply to `request`, served by this process meanwhile.
    json ask(ControlClient &client, const std::string &request)
    {
        EXPECT_TRUE(client.send(request + "\n"));
        return reply(client);
    }
    json reply(ControlClient &client)
    {
        if (!session_->dispatch_until([&] { return client.poll_line(); }))
            return json();
        return json::parse(client.read_line().value_or("null"));
    }

    // What the VM received, collected until it holds `wanted`.
    std::string received(const std::string &wanted)
    {
        std::string seen;
        for (int i = 0; i < 50 && seen.find(wanted) == std::string::npos; ++i) {
            std::istringstream tokens(fake_->command(*session_, "events"));
            std::string token;
            tokens >> token; // "ok"
            while (tokens >> token)
                seen += token + " ";
        }
        return seen;
    }

    // Sends identify behind a status request: once status is answered, the
    // session is waiting for the press (requests are handled in order).
    void start_identify(ControlClient &client)
    {
        ASSERT_TRUE(client.connected());
        ASSERT_TRUE(client.send("{\"command\":\"status\"}\n{\"command\":\"identify\"}\n"));
        EXPECT_EQ(reply(client).value("ok", false), true);
    }

    config::Config config_;
    std::unique_ptr<FakeQemu> fake_;
    std::unique_ptr<InProcessSession> session_;
    std::unique_ptr<SeatedVms> side_;
    std::unique_ptr<ControlCommands> commands_;
    std::unique_ptr<ControlServer> control_;
    wlr_input_device *keyboard_ = nullptr, *mouse_ = nullptr;
};

TEST_F(Identify, KeyPressIsCaughtAndNeverReachesTheVm)
{
    ControlClient client(control_->path());
    start_identify(client);
    tap(keyboard_, KEY_Q);
    const json answer = reply(client);
    ASSERT_EQ(answer.value("ok", false), true) << answer.dump();
    const json &device = answer["device"];
    EXPECT_EQ(device["identity"]["name"], "Left keyboard");
    EXPECT_EQ(device["type"], "keyboard");
    EXPECT_EQ(device["seat"], "left");
    EXPECT_EQ(device["rule"], "name:Left*");
    EXPECT_EQ(device["suggested_rules"], json::array({"name:Left keyboard"}));

    // The next key goes to the VM as usual, and arrives alone: neither the
    // caught press nor its release got there.
    tap(keyboard_, KEY_X);
    EXPECT_EQ(received("key-release:45"), "key-press:45 key-release:45 ");
}

TEST_F(Identify, ClickIsCaughtForEveryWaitingClient)
{
    ControlClient first(control_->path()), second(control_->path());
    start_identify(first);
    start_identify(second);
    click(mouse_, BTN_LEFT);
    for (ControlClient *client : {&first, &second}) {
        const json answer = reply(*client);
        EXPECT_EQ(answer["device"]["identity"]["name"], "Left mouse") << answer.dump();
        EXPECT_EQ(answer["device"]["type"], "pointer");
    }
    click(mouse_, BTN_RIGHT);
    EXPECT_EQ(received("button-release:2"), "button-press:2 button-release:2 ");
}

TEST_F(Identify, ClientThatLeavesStopsTheCatch)
{
    {
        ControlClient client(control_->path());
        start_identify(client);
    }
    // The session notices the closed connection on its loop.
    ASSERT_TRUE(session_->dispatch_until([&] { return control_->clients() == 0; }));
    tap(keyboard_, KEY_X);
    EXPECT_EQ(received("key-release:45"), "key-press:45 key-release:45 ");
}

TEST_F(Identify, DevicesListsEveryDeviceWithItsSeatAndRule)
{
    ControlClient client(control_->path());
    ASSERT_TRUE(client.connected());
    const json answer = ask(client, R"({"command":"devices"})");
    ASSERT_EQ(answer.value("ok", false), true) << answer.dump();
    std::map<std::string, json> by_name;
    for (const json &device : answer["devices"])
        by_name[device["identity"]["name"]] = device;
    ASSERT_EQ(by_name.size(), 3u) << answer.dump();
    EXPECT_EQ(by_name["Left keyboard"]["seat"], "left");
    EXPECT_EQ(by_name["Left mouse"]["type"], "pointer");
    EXPECT_EQ(by_name["Left mouse"]["rule"], "name:Left*");
    EXPECT_TRUE(by_name["Stray keyboard"]["seat"].is_null());
    EXPECT_TRUE(by_name["Stray keyboard"]["rule"].is_null());

    // Status shows the seat's devices and the console's frame counters.
    const json status = ask(client, R"({"command":"status"})");
    const json &seat = status["seats"][0];
    auto names = seat["devices"].get<std::vector<std::string>>();
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"Left keyboard", "Left mouse"})) << status.dump();
    const json &console = seat["outputs"][0]["console"];
    ASSERT_TRUE(console.is_object()) << status.dump();
    EXPECT_EQ(console["width"], 64);
    EXPECT_GE(console["counters"]["messages"].get<int>(), 1) << status.dump();
}

} // namespace
} // namespace phyllome::test
