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

TEST(Cli, VmCreateAdoptAndDoctor)
{
    EXPECT_EQ(parsed({"vm", "create", "desk", "--os", "windows", "--iso", "/i.iso", "--disk-size",
                      "80G", "--memory", "8G", "--cpus", "4"})
                  .request,
              Request(VmCreateRequest{"desk", "windows", "/i.iso", "80G", "8G", 4}));
    EXPECT_EQ(parsed({"vm", "create", "a", "--os", "linux"}).request,
              Request(VmCreateRequest{"a", "linux", "", "", "", 0}));
    EXPECT_NE(error_of({"vm", "create", "a"}).find("--os is required"), std::string::npos);
    EXPECT_NE(error_of({"vm", "create"}).find("usage"), std::string::npos);
    EXPECT_NE(error_of({"vm", "create", "a", "--os"}).find("needs a value"), std::string::npos);
    EXPECT_NE(error_of({"vm", "create", "a", "--os", "linux", "--cpus", "0"}).find("--cpus"),
              std::string::npos);
    EXPECT_NE(error_of({"vm", "create", "a", "--os", "linux", "--cpus", "two"}).find("--cpus"),
              std::string::npos);
    EXPECT_NE(error_of({"vm", "create", "a", "--os", "linux", "--gpu", "yes"})
                  .find("unknown option --gpu"),
              std::string::npos);
    EXPECT_EQ(parsed({"vm", "adopt", "old"}).request, Request(VmAdoptRequest{"old"}));
    EXPECT_NE(error_of({"vm", "adopt"}).find("usage"), std::string::npos);

    EXPECT_EQ(parsed({"vm", "list"}).request, Request(VmListRequest{}));
    EXPECT_NE(error_of({"vm", "list", "all"}).find("usage: phyllomectl vm list"),
              std::string::npos);
    EXPECT_EQ(parsed({"vm", "xml", "old"}).request, Request(VmXmlRequest{"old"}));
    EXPECT_NE(error_of({"vm", "xml"}).find("vm xml NAME"), std::string::npos);
    // The file is read by phyllomectl, not here.
    const CliOptions define = parsed({"--json", "vm", "define", "/d/old.xml"});
    EXPECT_EQ(define.request, Request(VmDefineRequest{}));
    EXPECT_EQ(define.define_file, "/d/old.xml");
    EXPECT_TRUE(parsed({"vm", "list"}).define_file.empty());
    EXPECT_NE(error_of({"vm", "define"}).find("vm define FILE"), std::string::npos);
    for (const char *line : {"vm list", "vm xml NAME", "vm define FILE"})
        EXPECT_NE(cli_usage().find(line), std::string::npos) << line;

    EXPECT_TRUE(parsed({"doctor"}).doctor);
    EXPECT_EQ(parsed({"--json", "doctor", "--config", "/s.toml"}).doctor_config, "/s.toml");
    EXPECT_NE(error_of({"doctor", "now"}).find("doctor [--config PATH]"), std::string::npos);
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

TEST(Cli, VersionAndEveryBadArgumentIsAUsageError)
{
    EXPECT_TRUE(parsed({"--version"}).version);
    EXPECT_NE(error_of({"switch", "", "games"}).find("empty"), std::string::npos);
    EXPECT_NE(error_of({"vm", "start", ""}).find("empty"), std::string::npos);
    EXPECT_EQ(error_of({"vm", "create", "a", "--os", "linux", "--os", "windows"}),
              "--os is given twice");
    // The whole rule, the session's bound included.
    EXPECT_EQ(error_of({"vm", "create", "a", "--os", "linux", "--cpus", "513"}),
              "--cpus takes a whole number from 1 to 512");
    EXPECT_EQ(error_of({"vm", "create", "a", "--os", "linux", "--cpus", "0"}),
              "--cpus takes a whole number from 1 to 512");
    // The vm usage names every vm command, create included.
    EXPECT_NE(error_of({"vm"}).find("vm create NAME"), std::string::npos);
    EXPECT_NE(error_of({"vm", "explode", "a"}).find("create"), std::string::npos);
    EXPECT_NE(cli_usage().find("--version"), std::string::npos);
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
