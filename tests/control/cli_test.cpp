// phyllomectl's command line to the request it sends.
#include <gtest/gtest.h>

#include "control/cli.hpp"

namespace phyllome::control {
namespace {

CliOptions parsed(const std::vector<std::string> &args)
{
    auto result = parse_cli(args);
    if (auto *error = std::get_if<CliError>(&result)) {
        ADD_FAILURE() << error->message;
        return {};
    }
    return std::get<CliOptions>(result);
}

std::string error_of(const std::vector<std::string> &args)
{
    auto result = parse_cli(args);
    if (auto *error = std::get_if<CliError>(&result))
        return error->message;
    ADD_FAILURE() << "accepted";
    return "";
}

TEST(Cli, EveryCommand)
{
    EXPECT_EQ(parsed({"status"}).request, Request(StatusRequest{}));
    EXPECT_EQ(parsed({"devices"}).request, Request(DevicesRequest{}));
    EXPECT_EQ(parsed({"reload"}).request, Request(ReloadRequest{}));
    EXPECT_EQ(parsed({"identify"}).request, Request(IdentifyRequest{}));
    EXPECT_EQ(parsed({"switch", "left", "games"}).request, Request(SwitchRequest{"left", "games"}));
    EXPECT_EQ(parsed({"vm", "shutdown", "work"}).request,
              Request(VmRequest{VmAction::Shutdown, "work"}));
}

TEST(Cli, Options)
{
    const CliOptions options = parsed({"--json", "--socket", "/run/x.sock", "status"});
    EXPECT_TRUE(options.json);
    EXPECT_EQ(options.socket, "/run/x.sock");
    EXPECT_EQ(parsed({"--socket=/s", "devices"}).socket, "/s");
    EXPECT_TRUE(parsed({"--help"}).help);
    EXPECT_TRUE(parsed({"-h", "bogus"}).help);
    EXPECT_NE(cli_usage().find("identify"), std::string::npos);
}

TEST(Cli, Errors)
{
    EXPECT_NE(error_of({}).find("no command"), std::string::npos);
    EXPECT_NE(error_of({"frobnicate"}).find("unknown command"), std::string::npos);
    EXPECT_NE(error_of({"status", "extra"}).find("usage"), std::string::npos);
    EXPECT_NE(error_of({"switch", "left"}).find("switch SEAT VM"), std::string::npos);
    EXPECT_NE(error_of({"vm", "explode", "a"}).find("explode"), std::string::npos);
    EXPECT_NE(error_of({"vm", "start"}).find("usage"), std::string::npos);
    EXPECT_NE(error_of({"--socket"}).find("PATH"), std::string::npos);
    EXPECT_NE(error_of({"--verbose", "status"}).find("unknown option"), std::string::npos);
}

} // namespace
} // namespace phyllome::control
