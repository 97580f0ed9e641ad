// Every request a peer can send: each command, each bad shape, oversize.
#include <string>

#include <gtest/gtest.h>

#include "control/request.hpp"

namespace phyllome::control {
namespace {

Request parsed(const std::string &line)
{
    auto result = parse_request(line);
    if (auto *error = std::get_if<ParseError>(&result)) {
        ADD_FAILURE() << line << ": " << error->message;
        return StatusRequest{};
    }
    return std::get<Request>(result);
}

std::string error_of(const std::string &line)
{
    auto result = parse_request(line);
    if (auto *error = std::get_if<ParseError>(&result))
        return error->message;
    ADD_FAILURE() << line << " was accepted";
    return "";
}

TEST(Request, CommandsWithoutArguments)
{
    EXPECT_EQ(parsed(R"({"command":"status"})"), Request(StatusRequest{}));
    EXPECT_EQ(parsed(R"({"command":"devices"})"), Request(DevicesRequest{}));
    EXPECT_EQ(parsed(R"({"command":"reload"})"), Request(ReloadRequest{}));
    EXPECT_EQ(parsed(R"( {"command" : "identify"} )"), Request(IdentifyRequest{}));
}

TEST(Request, ADuplicatedKeyIsAnError)
{
    // nlohmann keeps the last value: "left" would silently win.
    EXPECT_EQ(error_of(R"({"command":"switch","seat":"right","vm":"work","seat":"left"})"),
              "the field \"seat\" is given twice");
    EXPECT_EQ(error_of(R"({"command":"status","command":"reload"})"),
              "the field \"command\" is given twice");
    // The same key in two different objects is no duplicate.
    EXPECT_NE(error_of(R"({"command":"status","x":{"command":1}})").find("unknown field \"x\""),
              std::string::npos);
}

TEST(Request, Switch)
{
    EXPECT_EQ(parsed(R"({"command":"switch","seat":"left","vm":"work"})"),
              Request(SwitchRequest{"left", "work"}));
    EXPECT_NE(error_of(R"({"command":"switch","seat":"left"})").find("\"vm\""), std::string::npos);
    EXPECT_NE(error_of(R"({"command":"switch","seat":1,"vm":"work"})").find("string"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"command":"switch","seat":"","vm":"work"})").find("empty"),
              std::string::npos);
}

TEST(Request, VmActions)
{
    EXPECT_EQ(parsed(R"({"command":"vm","action":"start","name":"a"})"),
              Request(VmRequest{VmAction::Start, "a"}));
    EXPECT_EQ(parsed(R"({"command":"vm","action":"shutdown","name":"a"})"),
              Request(VmRequest{VmAction::Shutdown, "a"}));
    EXPECT_EQ(parsed(R"({"command":"vm","action":"destroy","name":"a"})"),
              Request(VmRequest{VmAction::Destroy, "a"}));
    EXPECT_NE(error_of(R"({"command":"vm","action":"explode","name":"a"})").find("explode"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"command":"vm","action":"start"})").find("\"name\""), std::string::npos);
    EXPECT_NE(error_of(R"({"command":"vm","name":"a"})").find("\"action\""), std::string::npos);
}

TEST(Request, VmCreateAndAdopt)
{
    VmCreateRequest full{"desk", "windows", "/iso/win.iso", "80G", "8G", 4};
    EXPECT_EQ(parsed(R"({"command":"vm-create","name":"desk","os":"windows","iso":"/iso/win.iso",)"
                     R"("disk_size":"80G","memory":"8G","cpus":4})"),
              Request(full));
    EXPECT_EQ(parsed(R"({"command":"vm-create","name":"a","os":"linux"})"),
              Request(VmCreateRequest{"a", "linux", "", "", "", 0}));
    EXPECT_NE(error_of(R"({"command":"vm-create","name":"a"})").find("\"os\""), std::string::npos);
    EXPECT_NE(error_of(R"({"command":"vm-create","os":"linux"})").find("\"name\""),
              std::string::npos);
    for (const char *cpus : {"0", "-1", "2.5", "\"4\"", "5000", "1e3"})
        EXPECT_NE(
            error_of(std::string(R"({"command":"vm-create","name":"a","os":"linux","cpus":)") +
                     cpus + "}")
                .find("cpus"),
            std::string::npos)
            << cpus;
    EXPECT_NE(
        error_of(R"({"command":"vm-create","name":"a","os":"linux","memory":4})").find("string"),
        std::string::npos);
    EXPECT_NE(error_of(R"({"command":"vm-create","name":"a","os":"linux","ram":"4G"})")
                  .find("unknown field"),
              std::string::npos);
    EXPECT_EQ(parsed(R"({"command":"vm-adopt","name":"old"})"), Request(VmAdoptRequest{"old"}));
    EXPECT_NE(error_of(R"({"command":"vm-adopt"})").find("\"name\""), std::string::npos);
}

TEST(Request, VmListXmlAndDefine)
{
    EXPECT_EQ(parsed(R"({"command":"vm-list"})"), Request(VmListRequest{}));
    EXPECT_NE(error_of(R"({"command":"vm-list","name":"a"})").find("unknown field"),
              std::string::npos);
    EXPECT_EQ(parsed(R"({"command":"vm-xml","name":"old"})"), Request(VmXmlRequest{"old"}));
    EXPECT_NE(error_of(R"({"command":"vm-xml"})").find("\"name\""), std::string::npos);
    EXPECT_EQ(parsed(R"({"command":"vm-define","xml":"<domain/>"})"),
              Request(VmDefineRequest{"<domain/>"}));
    EXPECT_NE(error_of(R"({"command":"vm-define","xml":""})").find("empty"), std::string::npos);
    EXPECT_NE(error_of(R"({"command":"vm-define","file":"/x.xml"})").find("unknown field"),
              std::string::npos);
}

TEST(Request, UnknownFieldsAreRefusedNotIgnored)
{
    EXPECT_NE(error_of(R"({"command":"status","verbose":true})").find("verbose"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"command":"switch","seat":"a","vm":"b","vn":"c"})").find("vn"),
              std::string::npos);
}

TEST(Request, BadShapes)
{
    EXPECT_NE(error_of("").find("empty"), std::string::npos);
    EXPECT_NE(error_of("  \r").find("empty"), std::string::npos);
    EXPECT_NE(error_of("garbage").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of(R"({"command":"status")").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of(R"({"command":"status"} {})").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("\"status\"").find("object"), std::string::npos);
    EXPECT_NE(error_of("[1,2]").find("object"), std::string::npos);
    EXPECT_NE(error_of("null").find("object"), std::string::npos);
    EXPECT_NE(error_of("{}").find("no \"command\""), std::string::npos);
    EXPECT_NE(error_of(R"({"command":7})").find("must be a string"), std::string::npos);
    EXPECT_NE(error_of(R"({"command":"vm create"})").find("unknown command"), std::string::npos);
    // Invalid UTF-8 inside a string.
    EXPECT_NE(error_of("{\"command\":\"st\xff\"}").find("not valid JSON"), std::string::npos);
    // A NUL byte inside a string.
    EXPECT_NE(error_of(std::string("{\"command\":\"sta\0tus\"}", 22)).find("not valid JSON"),
              std::string::npos);
}

TEST(Request, DeepNestingIsAnErrorNotACrash)
{
    const std::string deep = std::string(30000, '[') + std::string(30000, ']');
    EXPECT_NE(error_of(deep).find("object"), std::string::npos);
    const std::string unclosed = "{\"a\":" + std::string(60000, '[');
    EXPECT_NE(error_of(unclosed).find("not valid JSON"), std::string::npos);
}

TEST(Request, Oversize)
{
    const std::string padding(kMaxRequestBytes, ' ');
    EXPECT_NE(error_of(R"({"command":"status"})" + padding).find("longer than"), std::string::npos);
    // Exactly the limit is still read.
    std::string at_limit = R"({"command":"status"})";
    at_limit += std::string(kMaxRequestBytes - at_limit.size(), ' ');
    EXPECT_EQ(parsed(at_limit), Request(StatusRequest{}));
}

TEST(Request, ToJsonRoundTrips)
{
    const Request requests[] = {StatusRequest{},
                                DevicesRequest{},
                                ReloadRequest{},
                                IdentifyRequest{},
                                SwitchRequest{"left", "games"},
                                VmRequest{VmAction::Destroy, "work"},
                                VmAdoptRequest{"old"},
                                VmListRequest{},
                                VmXmlRequest{"old"},
                                VmDefineRequest{"<domain type='kvm'>\n</domain>\n"},
                                VmCreateRequest{"a", "linux", "", "", "", 0},
                                VmCreateRequest{"b", "other", "/x.iso", "20G", "2G", 3}};
    for (const Request &request : requests)
        EXPECT_EQ(parsed(to_json(request).dump()), request) << to_json(request).dump();
}

} // namespace
} // namespace phyllome::control
