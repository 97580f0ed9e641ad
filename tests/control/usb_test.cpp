// The usb command: its request on the wire, phyllomectl's command line for
// it, and its replies in words.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/cli.hpp"
#include "control/format.hpp"
#include "control/request.hpp"

namespace phyllome::control {
namespace {

using nlohmann::json;

Request parsed(std::string_view line)
{
    auto result = parse_request(line);
    if (auto *error = std::get_if<ParseError>(&result)) {
        ADD_FAILURE() << line << ": " << error->message;
        return StatusRequest{};
    }
    return std::get<Request>(result);
}

std::string error_of(std::string_view line)
{
    auto result = parse_request(line);
    if (auto *error = std::get_if<ParseError>(&result))
        return error->message;
    ADD_FAILURE() << line << " was accepted";
    return "";
}

TEST(UsbRequestTest, Parses)
{
    EXPECT_EQ(parsed(R"({"command":"usb"})"), Request(UsbRequest{}));
    EXPECT_EQ(parsed(R"({"command":"usb","action":"attach","device":"1-2.3"})"),
              Request(UsbRequest{UsbRequest::Action::Attach, "1-2.3", std::nullopt}));
    EXPECT_EQ(parsed(R"({"command":"usb","action":"attach","device":"1-2","vm":"work"})"),
              Request(UsbRequest{UsbRequest::Action::Attach, "1-2", "work"}));
    EXPECT_EQ(parsed(R"({"command":"usb","action":"detach","device":"1-2"})"),
              Request(UsbRequest{UsbRequest::Action::Detach, "1-2", std::nullopt}));
}

TEST(UsbRequestTest, Refuses)
{
    EXPECT_EQ(error_of(R"({"command":"usb","device":"1-2"})"),
              "unknown field \"device\" for command \"usb\" (without \"action\" it lists the "
              "devices)");
    EXPECT_EQ(error_of(R"({"command":"usb","action":"plug","device":"1-2"})"),
              "unknown usb action \"plug\" (attach, detach; none lists the devices)");
    EXPECT_EQ(error_of(R"({"command":"usb","action":"attach"})"),
              "command \"usb\" needs the field \"device\"");
    EXPECT_EQ(error_of(R"({"command":"usb","action":"attach","device":""})"),
              "field \"device\" must not be empty");
    EXPECT_EQ(error_of(R"({"command":"usb","action":"attach","device":"1-2","vm":3})"),
              "field \"vm\" must be a string");
    EXPECT_EQ(error_of(R"({"command":"usb","action":"detach","device":"1-2","vm":"w"})"),
              "unknown field \"vm\" for command \"usb\"");
    EXPECT_EQ(error_of(R"({"command":"usb","action":7})"), "field \"action\" must be a string");
    EXPECT_NE(error_of(R"({"command":"usbs"})").find("usb"), std::string::npos);
}

TEST(UsbRequestTest, RoundTrips)
{
    for (const Request &request :
         {Request(UsbRequest{}), Request(UsbRequest{UsbRequest::Action::Attach, "1-2", "w"}),
          Request(UsbRequest{UsbRequest::Action::Attach, "1-2", std::nullopt}),
          Request(UsbRequest{UsbRequest::Action::Detach, "3-1.4", std::nullopt})})
        EXPECT_EQ(parsed(to_json(request).dump()), request) << to_json(request).dump();
}

TEST(UsbCli, Commands)
{
    auto cli = [](std::vector<std::string> args) {
        return parse_cli(args);
    };
    EXPECT_EQ(std::get<CliOptions>(cli({"usb"})).request, Request(UsbRequest{}));
    EXPECT_EQ(std::get<CliOptions>(cli({"--json", "usb", "attach", "1-2", "work"})).request,
              Request(UsbRequest{UsbRequest::Action::Attach, "1-2", "work"}));
    EXPECT_EQ(std::get<CliOptions>(cli({"usb", "attach", "1-2"})).request,
              Request(UsbRequest{UsbRequest::Action::Attach, "1-2", std::nullopt}));
    EXPECT_EQ(std::get<CliOptions>(cli({"usb", "detach", "1-2"})).request,
              Request(UsbRequest{UsbRequest::Action::Detach, "1-2", std::nullopt}));
    EXPECT_EQ(std::get<CliError>(cli({"usb", "detach", "1-2", "work"})).message,
              "usage: phyllomectl usb, usb attach DEVICE [VM], or usb detach DEVICE");
    EXPECT_EQ(std::get<CliError>(cli({"usb", "attach"})).message,
              "usage: phyllomectl usb, usb attach DEVICE [VM], or usb detach DEVICE");
    EXPECT_NE(std::get<CliError>(cli({"usb", "plug", "1-2"})).message.find("unknown usb action"),
              std::string::npos);
    EXPECT_NE(std::get<CliError>(cli({"usb", "attach", ""})).message.find("empty"),
              std::string::npos);
    for (const char *line : {"usb attach DEVICE [VM]", "usb detach DEVICE"})
        EXPECT_NE(cli_usage().find(line), std::string::npos) << line;
}

TEST(UsbFormat, Words)
{
    const json list = json::parse(R"({"ok":true,"problem":"","devices":[
        {"device":"1-2","name":"SanDisk Ultra","vendor":"0781","product":"5581",
         "id_path":"pci-0000:00:14.0-usb-0:2","seat":"left","vm":"work","state":"attached",
         "reason":"","error":"","manual":false,"classes":["storage"]},
        {"device":"1-3","name":"Logitech USB Keyboard","vendor":"046d","product":"c31c",
         "id_path":"","seat":"left","vm":null,"state":"not attached",
         "reason":"input device of seat 'left': name it in usb (path:, id: or name:) to pass it",
         "error":"attach to VM 'work': Permission denied","manual":true,"classes":["hid"]}]})");
    EXPECT_EQ(format_reply(UsbRequest{}, list),
              "1-2 SanDisk Ultra (id 0781:5581, path pci-0000:00:14.0-usb-0:2): seat left, in vm "
              "work, attached\n"
              "1-3 Logitech USB Keyboard (id 046d:c31c): seat left, not attached: input device "
              "of seat 'left': name it in usb (path:, id: or name:) to pass it (by hand)\n"
              "  last error: attach to VM 'work': Permission denied\n");
    EXPECT_EQ(format_reply(UsbRequest{}, json::parse(R"({"devices":[]})")), "no USB devices\n");
    EXPECT_EQ(format_reply(UsbRequest{}, json::parse(R"({"devices":[],"vms":[
                  {"vm":"work","known":true,"error":""},
                  {"vm":"games","known":true,"error":"cannot read the XML"}]})")),
              "vm games: USB devices it held: cannot read the XML\n");
    EXPECT_EQ(format_reply(UsbRequest{}, json::parse(R"({"problem":"no udev","devices":[]})")),
              "USB devices are not followed: no udev\n");
    EXPECT_EQ(format_reply(UsbRequest{UsbRequest::Action::Attach, "1-2", std::nullopt},
                           json::parse(R"({"device":"1-2","vm":"work"})")),
              "usb 1-2 attached to vm work\n");
    EXPECT_EQ(format_reply(UsbRequest{UsbRequest::Action::Detach, "1-2", std::nullopt},
                           json::parse(R"({"device":"1-2"})")),
              "usb 1-2 detached\n");
    for (const char *odd : {"{}", "[]", "null", R"({"devices":[1,null,{"device":7}]})",
                            R"({"vms":[1,{"vm":2,"error":3}]})"})
        EXPECT_NO_THROW(format_reply(UsbRequest{}, json::parse(odd))) << odd;
}

} // namespace
} // namespace phyllome::control
