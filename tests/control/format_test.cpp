// Replies in words: what a person sees without --json.
#include <gtest/gtest.h>

#include "control/format.hpp"

namespace phyllome::control {
namespace {

using nlohmann::json;

TEST(Format, Status)
{
    const json reply = json::parse(R"({"ok":true,
      "seats":[{"name":"left","vm":"work","state":"Running",
                "outputs":[{"name":"DP-1","width":1920,"height":1080,
                            "console":{"id":0,"head":0,"width":1024,"height":768,
                                       "counters":{"frames_presented":7,"frames_dropped":1,
                                                   "messages":9,"messages_rejected":0,
                                                   "pixel_bytes_copied":0,"uploads":2,
                                                   "direct_scanouts":0,
                                                   "present_latency_ns_total":7000000,
                                                   "present_latency_ns_max":2500000}}},
                           {"name":"DP-2","width":800,"height":600,"console":null},
                           {"name":"DP-3","width":800,"height":600,"enabled":false,
                            "console":null},
                           {"name":"DP-4","width":800,"height":600,"enabled":false,
                            "off_for_guest":true,"console":{"id":0,"head":1,"width":0,
                            "height":0,"counters":{}}}],
                "devices":["Kbd","Mouse"]},
               {"name":"right","vm":null,"state":null,"outputs":[],"devices":[]}],
      "vms":[{"name":"work","state":"Running","shown_on":["left"]},
             {"name":"games","state":"Not connected","shown_on":[]}]})");
    const std::string text = format_reply(StatusRequest{}, reply);
    EXPECT_NE(text.find("seat left: work (Running)"), std::string::npos) << text;
    EXPECT_NE(text.find("output DP-1 1920x1080: console 0 1024x768, 7 frames presented, 1 dropped"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("direct scanouts, latency 1.00 ms mean, 2.50 ms max\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("output DP-2 800x600: status card"), std::string::npos) << text;
    EXPECT_NE(text.find("output DP-3 800x600: off\n"), std::string::npos) << text;
    EXPECT_NE(text.find("output DP-4 800x600: off (the guest switched its display off)\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("devices: Kbd, Mouse"), std::string::npos) << text;
    EXPECT_NE(text.find("seat right: no VM"), std::string::npos) << text;
    EXPECT_NE(text.find("vm work: Running (shown on left)"), std::string::npos) << text;
    EXPECT_NE(text.find("vm games: Not connected\n"), std::string::npos) << text;
}

TEST(Format, StatusSound)
{
    const json reply = json::parse(R"({"ok":true,
      "sound":{"connected":true,"socket":"/run/user/1000/pipewire-0","name":"pipewire-0",
               "version":"0.3.65","error":null},
      "seats":[{"name":"left","vm":"work","state":"Running","outputs":[],"devices":[],
                "audio_out":{"target":"node:alsa_output.usb-*","node":"alsa_output.usb-x",
                             "resolves":true,"detail":""},
                "audio_in":{"target":"node:mic\u001b","node":null,"resolves":false,
                            "detail":"no PipeWire source or sink matches it"}}],
      "vms":[{"name":"work","state":"Running","shown_on":["left"],
              "sound":{"state":"listening","detail":null,"streams":[
                {"direction":"playback","voice":1,"format":"s16le","rate":48000,"channels":2,
                 "enabled":true,"muted":true,"volume":[255,128],"silent":"the guest muted it",
                 "target":"node:alsa_output.usb-*","node":"alsa_output.usb-x","no_node":null,
                 "state":"streaming","bytes":1920,"bytes_dropped":0,"underruns":3,
                 "overruns":1},
                {"direction":"capture","voice":"odd","volume":"loud"}]}},
             {"name":"old","state":"Running","shown_on":[],
              "sound":{"state":"left alone","detail":"QEMU before 8.1","streams":[]}},
             {"name":"off","state":"Shut off","shown_on":[],
              "sound":{"state":"no display","detail":null,"streams":[]}}]})");
    const std::string text = format_reply(StatusRequest{}, reply);
    EXPECT_NE(text.find("sound: PipeWire 0.3.65 (pipewire-0) at /run/user/1000/pipewire-0\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("  audio_out node:alsa_output.usb-*: alsa_output.usb-x\n"),
              std::string::npos)
        << text;
    // Names are escaped; what is missing or malformed shows as '?'.
    EXPECT_NE(text.find("  audio_in node:mic\\x1b: not found: no PipeWire source or sink "
                        "matches it\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("vm work: Running (shown on left)\n"
                        "  playback voice 1 s16le 48000 Hz 2 ch, volume 255,128 muted -> "
                        "alsa_output.usb-x (streaming), 1920 bytes, 3 underruns, 1 overruns; "
                        "silent: the guest muted it\n"
                        "  capture voice odd ? ? Hz ? ch, volume - <- no node (?) (?), ? "
                        "bytes, ? underruns, ? overruns\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("vm old: Running\n  sound: left alone: QEMU before 8.1\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("vm off: Shut off\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("no display"), std::string::npos) << text;

    const json none = json::parse(R"({"ok":true,"seats":[],"vms":[],
      "sound":{"connected":false,"socket":null,"error":"no PipeWire server at /x: refused"}})");
    EXPECT_EQ(format_reply(StatusRequest{}, none),
              "sound: none: no PipeWire server at /x: refused\n");
}

TEST(Format, Devices)
{
    const json reply = json::parse(R"({"ok":true,"devices":[
      {"type":"keyboard","identity":{"name":"Kbd","vendor":"046d","product":"c31c",
       "id_path":"pci-1"},"seat":"left","rule":"id:046d:c31c"},
      {"type":"pointer","identity":{"name":"Stray","vendor":"0000","product":"0000"},
       "seat":null,"rule":null}]})");
    const std::string text = format_reply(DevicesRequest{}, reply);
    EXPECT_NE(text.find("Kbd (keyboard, id 046d:c31c, path pci-1): seat left by rule id:046d:c31c"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("Stray (pointer, id 0000:0000): no seat"), std::string::npos) << text;
}

TEST(Format, IdentifyAndOthers)
{
    const json identify = json::parse(R"({"ok":true,"device":{"type":"keyboard",
      "identity":{"name":"Kbd","vendor":"0000","product":"0000"},"seat":"left","rule":"*",
      "suggested_rules":["name:Kbd"]}})");
    const std::string text = format_reply(IdentifyRequest{}, identify);
    EXPECT_NE(text.find("seat left by rule *"), std::string::npos) << text;
    EXPECT_NE(text.find("rules that pick it: name:Kbd"), std::string::npos) << text;
    EXPECT_EQ(format_reply(SwitchRequest{"left", "games"}, json::parse(R"({"ok":true})")),
              "seat left shows games\n");
    EXPECT_EQ(format_reply(ReloadRequest{}, json::parse(R"({"ok":true,"status":"Reloaded x"})")),
              "Reloaded x\n");
}

TEST(Format, StatusSaysWhichConfigurationIsInForce)
{
    auto status = [](const char *config) {
        return format_reply(
            StatusRequest{},
            json::parse(std::string(R"({"ok":true,"seats":[],"vms":[],"config":)") + config + "}"));
    };
    EXPECT_EQ(status(R"({"path":"/s.toml","valid":true,"in_force":"file","errors":[],
                         "warnings":["/s.toml:3:1: warning: odd"]})"),
              "session file: /s.toml\n  /s.toml:3:1: warning: odd\n");
    EXPECT_EQ(status(R"({"path":"/s.toml","valid":false,"in_force":"last valid",
                         "errors":["/s.toml:1:2: error: bad"],"warnings":[]})"),
              "session file: /s.toml is invalid; in force: its last valid version\n"
              "  /s.toml:1:2: error: bad\n");
    EXPECT_EQ(status(R"({"path":"/s.toml","valid":false,"in_force":"default",
                         "errors":["/s.toml:1:2: error: bad"],"warnings":[]})"),
              "session file: /s.toml is invalid; in force: the built-in default\n"
              "  /s.toml:1:2: error: bad\n");
    EXPECT_EQ(status(R"({"path":null,"valid":true,"in_force":"default","errors":[],
                         "warnings":[]})"),
              "session file: none, the built-in default is in force\n");
}

TEST(Format, NamesWithControlCharactersAreEscaped)
{
    const json reply = json::parse(R"({"ok":true,
      "seats":[{"name":"le\u001b[2Jft","vm":"a\nb","state":"Running","outputs":[],
                "devices":["K\rbd"]}],
      "vms":[{"name":"a\nb","state":"Running","shown_on":["le\u001b[2Jft"]}]})");
    const std::string text = format_reply(StatusRequest{}, reply);
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(text.find('\r'), std::string::npos) << text;
    EXPECT_NE(text.find("seat le\\x1b[2Jft: a\\nb (Running)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("devices: K\\rbd\n"), std::string::npos) << text;
    EXPECT_EQ(format_reply(SwitchRequest{"l\nx", "g"}, json::parse(R"({"ok":true})")),
              "seat l\\nx shows g\n");
}

TEST(Format, OneCpu)
{
    const json created = json::parse(R"({"ok":true,"vm":"a","disk":"/d/a.qcow2",
      "memory":"256 MiB","cpus":1,"uefi":false,"kvm":false,"gl":""})");
    EXPECT_EQ(format_reply(VmCreateRequest{"a", "other", "", "", "256M", 1}, created),
              "vm a defined: disk /d/a.qcow2, 256 MiB of memory, 1 CPU, BIOS, 3D off\n");
}

TEST(Format, VmListXmlDefineAndCreateNotes)
{
    const json list = json::parse(R"({"ok":true,"vms":[
      {"name":"work","uri":"qemu:///system","state":"running","seats":["left","right"],
       "in_session_file":true},
      {"name":"old","uri":"qemu:///system","state":"running","seats":[],"in_session_file":true},
      {"name":"spare","uri":"qemu:///system","state":"shut off","seats":[],
       "in_session_file":false}],
      "unreachable":[{"uri":"qemu+ssh://far/system","error":"libvirt: no route"}]})");
    EXPECT_EQ(format_reply(VmListRequest{}, list),
              "vm work: running, shown on left, right\n"
              "vm old: running, on no seat\n"
              "vm spare: shut off, on no seat, not in the session file\n"
              "libvirt qemu+ssh://far/system: unreachable: libvirt: no route\n");
    EXPECT_EQ(format_reply(VmListRequest{}, json::parse(R"({"ok":true,"vms":[]})")), "no VMs\n");

    EXPECT_EQ(format_reply(VmXmlRequest{"a"}, json::parse(R"({"ok":true,"xml":"<domain/>"})")),
              "<domain/>\n");

    EXPECT_EQ(format_reply(VmDefineRequest{},
                           json::parse(R"({"ok":true,"vm":"a","saved":null,"notes":[]})")),
              "vm a defined\n");
    EXPECT_EQ(format_reply(VmDefineRequest{},
                           json::parse(R"({"ok":true,"vm":"a","saved":"/b/a-1.xml","running":true,
                                          "notes":["no tablet"]})")),
              "vm a redefined; the old definition is saved in /b/a-1.xml\n"
              "it runs on as it was until it next starts\nnote: no tablet\n");

    const std::string created = format_reply(
        VmCreateRequest{"a", "linux", "", "", "", 0},
        json::parse(R"({"ok":true,"vm":"a","disk":"/d/a.qcow2","memory":"4096 MiB","cpus":2,
                       "uefi":false,"kvm":true,"gl":"","notes":["BIOS, because no OVMF"]})"));
    EXPECT_NE(created.find(", BIOS, 3D off\nnote: BIOS, because no OVMF\n"), std::string::npos)
        << created;

    EXPECT_EQ(format_reply(VmAdoptRequest{"old"},
                           json::parse(R"({"ok":true,"vm":"old","added":["<channel/>"],
                                          "saved":"/b/old.xml","notes":["no clipboard: why"]})")),
              "vm old: the old definition is saved in /b/old.xml\nadded:\n+ <channel/>\n"
              "note: no clipboard: why\n");
    EXPECT_EQ(format_reply(VmAdoptRequest{"old"},
                           json::parse(R"({"ok":true,"vm":"old","added":[],"notes":["x"]})")),
              "vm old already has what the session needs\nnote: x\n");
}

TEST(Format, OddRepliesDoNotThrow)
{
    for (const char *odd : {"{}", "[]", "null", R"({"seats":7,"vms":[1,"x",null]})",
                            R"({"devices":[{"identity":3}]})", R"({"device":"x"})"}) {
        const json reply = json::parse(odd);
        EXPECT_NO_THROW(format_reply(StatusRequest{}, reply)) << odd;
        EXPECT_NO_THROW(format_reply(DevicesRequest{}, reply)) << odd;
        EXPECT_NO_THROW(format_reply(IdentifyRequest{}, reply)) << odd;
        EXPECT_NO_THROW(format_reply(VmListRequest{}, reply)) << odd;
        EXPECT_NO_THROW(format_reply(VmXmlRequest{"a"}, reply)) << odd;
        EXPECT_NO_THROW(format_reply(VmDefineRequest{}, reply)) << odd;
    }
}

} // namespace
} // namespace phyllome::control
