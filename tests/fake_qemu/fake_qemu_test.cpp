// Tests of fake-qemu through a tiny sd-bus client (test_client.hpp) that
// plays the session's part.
#include "pixels.hpp"
#include "test_client.hpp"

#include <gtest/gtest.h>
#include <pixman.h>
#include <systemd/sd-bus.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace fake_qemu_test;

namespace {

constexpr uint32_t kX8r8g8b8 = 0x20020888;
constexpr uint32_t kXR24 = 0x34325258;

std::vector<uint8_t> repeat(std::vector<uint8_t> pixel, size_t count)
{
    std::vector<uint8_t> out;
    for (size_t i = 0; i < count; ++i)
        out.insert(out.end(), pixel.begin(), pixel.end());
    return out;
}

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts)
{
    std::vector<uint8_t> out;
    for (const auto &part : parts)
        out.insert(out.end(), part.begin(), part.end());
    return out;
}

// ---- the handshake and the initial frame, per version ----

class Versions : public testing::TestWithParam<const char *> {};

TEST_P(Versions, HandshakeAndInitialScanout)
{
    FakeQemu fake(GetParam(), {"--width", "64", "--height", "48", "--name", "vm1"});
    fake.register_listener({});
    EXPECT_EQ(fake.command("wait-listener"), "ok interfaces=");
    auto scanout = fake.take("Scanout");
    ASSERT_TRUE(scanout);
    EXPECT_EQ(scanout->numbers, (std::vector<int64_t>{64, 48, 256, kX8r8g8b8}));
    // 0x203040 as x8r8g8b8: memory B, G, R, X.
    EXPECT_EQ(scanout->data, repeat({0x40, 0x30, 0x20, 0x00}, 64 * 48));
    EXPECT_EQ(fake.console_u32("Width"), 64u);
    EXPECT_EQ(fake.console_u32("Height"), 48u);

    char *name = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    ASSERT_GE(sd_bus_get_property_string(fake.main_bus(), nullptr, "/org/qemu/Display1/VM",
                                         "org.qemu.Display1.VM", "Name", &error, &name),
              0);
    EXPECT_STREQ(name, "vm1");
    free(name);
    // Interfaces properties exist from 8.1 only.
    char **strv = nullptr;
    const int r = sd_bus_get_property_strv(fake.main_bus(), nullptr, "/org/qemu/Display1/VM",
                                           "org.qemu.Display1.VM", "Interfaces", &error, &strv);
    EXPECT_EQ(r >= 0, std::string(GetParam()) != "7.2");
    if (strv) {
        EXPECT_EQ(strv[0], nullptr);
        free(strv);
    }
    sd_bus_error_free(&error);
}

// "<path> <interface>" for every interface GetManagedObjects lists.
std::vector<std::string> managed_objects(FakeQemu &fake)
{
    sd_bus_message *reply = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    std::vector<std::string> found;
    const int r = sd_bus_call_method(fake.main_bus(), nullptr, "/org/qemu/Display1",
                                     "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                     &error, &reply, "");
    EXPECT_GE(r, 0);
    sd_bus_error_free(&error);
    if (r < 0 || sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") <= 0) {
        sd_bus_message_unref(reply);
        return found;
    }
    while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
        const char *path = nullptr;
        sd_bus_message_read(reply, "o", &path);
        sd_bus_message_enter_container(reply, 'a', "{sa{sv}}");
        while (sd_bus_message_enter_container(reply, 'e', "sa{sv}") > 0) {
            const char *interface = nullptr;
            sd_bus_message_read(reply, "s", &interface);
            found.push_back(std::string(path) + " " + interface);
            sd_bus_message_skip(reply, "a{sv}");
            sd_bus_message_exit_container(reply);
        }
        sd_bus_message_exit_container(reply);
        sd_bus_message_exit_container(reply);
    }
    sd_bus_message_unref(reply);
    return found;
}

bool contains(const std::vector<std::string> &list, const std::string &entry)
{
    return std::find(list.begin(), list.end(), entry) != list.end();
}

TEST_P(Versions, ObjectManagerListsTheObjects)
{
    FakeQemu fake(GetParam());
    const auto found = managed_objects(fake);
    auto has = [&](const std::string &entry) {
        return contains(found, entry);
    };
    EXPECT_TRUE(has("/org/qemu/Display1/VM org.qemu.Display1.VM"));
    EXPECT_TRUE(has("/org/qemu/Display1/Console_0 org.qemu.Display1.Console"));
    EXPECT_TRUE(has("/org/qemu/Display1/Console_0 org.qemu.Display1.Keyboard"));
    EXPECT_TRUE(has("/org/qemu/Display1/Console_0 org.qemu.Display1.Mouse"));
    EXPECT_EQ(has("/org/qemu/Display1/Console_0 org.qemu.Display1.MultiTouch"),
              std::string(GetParam()) != "7.2");
    EXPECT_FALSE(has("/org/qemu/Display1/Audio org.qemu.Display1.Audio"));
}

TEST_P(Versions, AdvertisedInterfacesAreReported)
{
    FakeQemu fake(GetParam());
    fake.register_listener({kMapInterface, kDmabuf2Interface});
    EXPECT_EQ(fake.command("wait-listener"),
              std::string("ok interfaces=") + kMapInterface + "," + kDmabuf2Interface);
    // Map on 9.2 and later only; its use replaces the initial Scanout.
    const bool map = std::string(GetParam()) != "7.2";
    EXPECT_EQ(bool(fake.take("ScanoutMap")), map);
    EXPECT_EQ(bool(fake.take("Scanout")), !map);
}

// Only a dbus audiodev makes QEMU export the Audio object.
TEST_P(Versions, AudioObjectOnlyWithTheOption)
{
    const std::string version = GetParam();
    {
        FakeQemu fake(version);
        EXPECT_FALSE(contains(managed_objects(fake),
                              "/org/qemu/Display1/Audio " + std::string(kAudioInterface)));
        EXPECT_EQ(fake.register_audio_listener(true), "org.freedesktop.DBus.Error.UnknownObject: "
                                                      "Unknown object '/org/qemu/Display1/Audio'.");
        EXPECT_EQ(fake.command("audio-init out 1 16 1 0 48000 2"),
                  "error unsupported: no Audio object; start fake-qemu with --audio");
    }
    FakeQemu fake(version, {"--audio"});
    EXPECT_TRUE(contains(managed_objects(fake),
                         "/org/qemu/Display1/Audio " + std::string(kAudioInterface)));
    sd_bus_error error = SD_BUS_ERROR_NULL;
    char **strv = nullptr;
    int r = sd_bus_get_property_strv(fake.main_bus(), nullptr, kAudioPath, kAudioInterface,
                                     "Interfaces", &error, &strv);
    EXPECT_EQ(r >= 0, version != "7.2");
    if (strv) {
        EXPECT_EQ(strv[0], nullptr);
        free(strv);
    }
    sd_bus_error_free(&error);
    uint32_t nsamples = 0;
    r = sd_bus_get_property_trivial(fake.main_bus(), nullptr, kAudioPath, kAudioInterface,
                                    "NSamples", &error, 'u', &nsamples);
    EXPECT_EQ(r >= 0, version == "10.1");
    EXPECT_EQ(nsamples, r >= 0 ? 480u : 0u);
    sd_bus_error_free(&error);
    if (version == "7.2") {
        // 7.2 dies on a p2p audio listener (see QemuSevenTwo...).
        return;
    }
    EXPECT_EQ(fake.register_audio_listener(true), "ok");
    EXPECT_EQ(fake.command("wait-audio-listener out"), "ok");
    EXPECT_EQ(fake.register_audio_listener(false), "ok");
    EXPECT_EQ(fake.command("wait-audio-listener in"), "ok");
}

// The clipboard's own behaviour with a real client is tested in
// tests/integration/clipboard_test.cpp; here what needs no registration.
class ClipboardVersions : public testing::TestWithParam<const char *> {};

TEST_P(ClipboardVersions, ClipboardObjectOnlyWithTheOption)
{
    const std::string version = GetParam();
    {
        FakeQemu fake(version);
        EXPECT_FALSE(contains(managed_objects(fake),
                              "/org/qemu/Display1/Clipboard org.qemu.Display1.Clipboard"));
        EXPECT_EQ(fake.command("guest-copy hello"),
                  "error unsupported: no Clipboard object; start fake-qemu with --clipboard");
    }
    FakeQemu fake(version, {"--clipboard"});
    EXPECT_TRUE(contains(managed_objects(fake),
                         "/org/qemu/Display1/Clipboard org.qemu.Display1.Clipboard"));
    // Unregistered callers get QEMU's error, and the call is recorded as refused.
    sd_bus_error error = SD_BUS_ERROR_NULL;
    const int r = sd_bus_call_method(fake.main_bus(), nullptr, "/org/qemu/Display1/Clipboard",
                                     "org.qemu.Display1.Clipboard", "Grab", &error, nullptr, "uuas",
                                     0u, 1u, 1, "text/plain;charset=utf-8");
    EXPECT_LT(r, 0);
    EXPECT_STREQ(error.message, "Unregistered caller");
    sd_bus_error_free(&error);
    EXPECT_EQ(fake.command("clipboard-calls"), "ok grab:0,1,text/plain;charset=utf-8!");
    EXPECT_EQ(fake.command("clipboard-state"), "ok registered=0 serial=0 owner=none");
    EXPECT_EQ(fake.command("guest-copy-hex 6"), "error usage: guest-copy-hex HEX");
    EXPECT_EQ(fake.command("guest-grab 0 1"),
              "error usage: guest-grab SELECTION SERIAL MIME|MIME...|-");
}

INSTANTIATE_TEST_SUITE_P(Qemu, ClipboardVersions, testing::Values("7.2", "8.0", "10.1"),
                         [](const auto &info) {
                             std::string name = info.param;
                             std::replace(name.begin(), name.end(), '.', '_');
                             return "v" + name;
                         });

INSTANTIATE_TEST_SUITE_P(Qemu, Versions, testing::Values("7.2", "9.2", "10.1"),
                         [](const auto &info) {
                             std::string name = info.param;
                             std::replace(name.begin(), name.end(), '.', '_');
                             return "v" + name;
                         });

// ---- pixel formats ----

// Quadrants 0x112233, 0x445566, 0x778899, 0xaabbcc in a 4x2 frame: row 0 is
// C1 C1 C2 C2, row 1 is C3 C3 C4 C4.
struct Encoding {
    const char *format;
    std::vector<std::vector<uint8_t>> pixels; // C1..C4, bytes in memory order
};

class Formats : public testing::TestWithParam<Encoding> {};

TEST_P(Formats, QuadrantsAreByteExact)
{
    const Encoding &e = GetParam();
    FakeQemu fake("7.2");
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    fake.calls().clear();
    EXPECT_EQ(fake.command(std::string("scanout 4 2 ") + e.format + " 112233 445566 778899 aabbcc"),
              "ok");
    auto scanout = fake.take("Scanout");
    ASSERT_TRUE(scanout);
    const uint32_t bpp = uint32_t(e.pixels[0].size());
    EXPECT_EQ(scanout->numbers,
              (std::vector<int64_t>{4, 2, 4 * bpp, *fake_qemu::pixman_format_by_name(e.format)}));
    const auto &p = e.pixels;
    EXPECT_EQ(scanout->data, concat({p[0], p[0], p[1], p[1], p[2], p[2], p[3], p[3]}));
}

INSTANTIATE_TEST_SUITE_P(
    Pixman, Formats,
    testing::Values(
        // Memory B, G, R, X.
        Encoding{"x8r8g8b8",
                 {{0x33, 0x22, 0x11, 0},
                  {0x66, 0x55, 0x44, 0},
                  {0x99, 0x88, 0x77, 0},
                  {0xcc, 0xbb, 0xaa, 0}}},
        // r >> 3 << 11 | g >> 2 << 5 | b >> 3, little-endian.
        Encoding{"r5g6b5", {{0x06, 0x11}, {0xac, 0x42}, {0x53, 0x74}, {0xd9, 0xad}}},
        Encoding{"r8g8b8",
                 {{0x33, 0x22, 0x11}, {0x66, 0x55, 0x44}, {0x99, 0x88, 0x77}, {0xcc, 0xbb, 0xaa}}},
        // Word B << 24 | G << 16 | R << 8: memory X, R, G, B.
        Encoding{"b8g8r8x8",
                 {{0, 0x11, 0x22, 0x33},
                  {0, 0x44, 0x55, 0x66},
                  {0, 0x77, 0x88, 0x99},
                  {0, 0xaa, 0xbb, 0xcc}}},
        Encoding{"a8b8g8r8",
                 {{0x11, 0x22, 0x33, 0xff},
                  {0x44, 0x55, 0x66, 0xff},
                  {0x77, 0x88, 0x99, 0xff},
                  {0xaa, 0xbb, 0xcc, 0xff}}}),
    [](const auto &info) { return std::string(info.param.format); });

// Every format against pixman itself. Padding ("x") bits are compared only
// for being zero in ours: pixman leaves them unspecified.
TEST(Encoding, MatchesPixmanForEveryFormat)
{
    const uint32_t colours[] = {0x203040, 0x123456, 0xffffff, 0x80c0e1, 0x010203, 0x000000};
    for (const auto name : fake_qemu::pixman_format_names()) {
        const uint32_t code = *fake_qemu::pixman_format_by_name(name);
        // White sets every channel and alpha bit: those are the bits in use.
        uint8_t white[8] = {};
        fake_qemu::encode_pixel(code, 0xffffff, white);
        uint64_t used = 0;
        std::memcpy(&used, white, 8);
        const uint32_t bits = code >> 24;
        const uint64_t all = (uint64_t(1) << bits) - 1;
        for (const uint32_t colour : colours) {
            uint32_t source = 0xff000000 | colour;
            uint8_t expected[8] = {}, actual[8] = {};
            pixman_image_t *src = pixman_image_create_bits(PIXMAN_a8r8g8b8, 1, 1, &source, 4);
            pixman_image_t *dst = pixman_image_create_bits(
                pixman_format_code_t(code), 1, 1, reinterpret_cast<uint32_t *>(expected), 8);
            pixman_image_composite32(PIXMAN_OP_SRC, src, nullptr, dst, 0, 0, 0, 0, 0, 0, 1, 1);
            pixman_image_unref(src);
            pixman_image_unref(dst);
            fake_qemu::encode_pixel(code, colour, actual);
            uint64_t want = 0, got = 0;
            std::memcpy(&want, expected, 8);
            std::memcpy(&got, actual, 8);
            EXPECT_EQ(want & used, got & used) << name << " " << std::hex << colour;
            EXPECT_EQ(got & all & ~used, 0u) << name << ": padding bits must be zero";
            EXPECT_EQ(got & ~all, 0u) << name << ": wrote beyond the pixel";
        }
    }
}

TEST(Scanout, StrideAndPaddingAreHonoured)
{
    FakeQemu fake("7.2");
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    fake.calls().clear();
    EXPECT_EQ(fake.command("scanout 3 2 r5g6b5 ffffff stride=8"), "ok");
    auto scanout = fake.take("Scanout");
    ASSERT_TRUE(scanout);
    EXPECT_EQ(scanout->numbers, (std::vector<int64_t>{3, 2, 8, 0x10020565}));
    const std::vector<uint8_t> row = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xab, 0xab};
    EXPECT_EQ(scanout->data, concat({row, row}));
    EXPECT_EQ(fake.console_u32("Width"), 3u);
}

TEST(Update, IsTightlyPackedAndLeavesTheSizeAlone)
{
    FakeQemu fake("7.2", {"--width", "16", "--height", "8"});
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    EXPECT_EQ(fake.command("update 2 3 2 1 b8g8r8 010203"), "ok");
    auto update = fake.take("Update");
    ASSERT_TRUE(update);
    EXPECT_EQ(update->numbers, (std::vector<int64_t>{2, 3, 2, 1, 6, 0x18030888}));
    EXPECT_EQ(update->data, (std::vector<uint8_t>{1, 2, 3, 1, 2, 3}));
    EXPECT_EQ(fake.console_u32("Width"), 16u);
}

TEST(Update, ResizeSilentlySendsNothingButTheProperties)
{
    FakeQemu fake("7.2", {"--width", "16", "--height", "8"});
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    fake.calls().clear();
    EXPECT_EQ(fake.command("resize-silently 32 20"), "ok");
    EXPECT_EQ(fake.console_u32("Width"), 32u);
    EXPECT_EQ(fake.console_u32("Height"), 20u);
    EXPECT_EQ(fake.command("update 0 16 32 4 x8r8g8b8 ff0000"), "ok");
    ASSERT_EQ(fake.calls().size(), 1u);
    EXPECT_EQ(fake.calls()[0].member, "Update");
    // A new listener gets the new surface, updated.
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    auto scanout = fake.take("Scanout");
    ASSERT_TRUE(scanout);
    EXPECT_EQ(scanout->numbers[0], 32);
    EXPECT_EQ(scanout->numbers[1], 20);
    const size_t last_row = 19 * 32 * 4;
    const auto first = scanout->data.begin() + last_row;
    EXPECT_EQ(std::vector<uint8_t>(first, first + 4), (std::vector<uint8_t>{0, 0, 0xff, 0}));
}

// ---- Unix.Map ----

TEST(Map, UsedOn92OnlyWhenAdvertised)
{
    {
        FakeQemu fake("9.2", {"--width", "8", "--height", "4"});
        fake.register_listener({});
        ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
        EXPECT_TRUE(fake.take("Scanout"));
        EXPECT_FALSE(fake.take("ScanoutMap"));
        EXPECT_EQ(fake.command("scanout-map 8 4 x8r8g8b8 ff0000"),
                  std::string("error unsupported: the listener did not advertise ") +
                      kMapInterface);
    }
    {
        FakeQemu fake("7.2");
        fake.register_listener({kMapInterface});
        ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kMapInterface);
        EXPECT_TRUE(fake.take("Scanout"));
        EXPECT_EQ(fake.command("scanout-map 8 4 x8r8g8b8 ff0000"),
                  std::string("error unsupported: QEMU 7.2 has no ") + kMapInterface);
    }
    FakeQemu fake("9.2", {"--width", "8", "--height", "4"});
    fake.register_listener({kMapInterface});
    ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kMapInterface);
    auto map = fake.take("ScanoutMap");
    ASSERT_TRUE(map);
    EXPECT_EQ(map->interface, kMapInterface);
    EXPECT_EQ(map->numbers, (std::vector<int64_t>{0, 8, 4, 32, kX8r8g8b8}));
    ASSERT_EQ(map->fds.size(), 1u);
    EXPECT_EQ(read_fd(map->fds[0].get(), 0, 8 * 4 * 4), repeat({0x40, 0x30, 0x20, 0}, 32));
    EXPECT_FALSE(fake.take("Scanout"));
}

TEST(Map, OffsetSurfaceAndUpdatesLandInTheSharedMemory)
{
    FakeQemu fake("10.1");
    fake.register_listener({kMapInterface});
    ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kMapInterface);
    fake.calls().clear();
    EXPECT_EQ(fake.command("scanout-map 4 2 x8r8g8b8 000000 offset=4096"), "ok");
    auto map = fake.take("ScanoutMap");
    ASSERT_TRUE(map);
    EXPECT_EQ(map->numbers, (std::vector<int64_t>{4096, 4, 2, 16, kX8r8g8b8}));
    EXPECT_EQ(fake.command("update-map 1 1 2 1 0000ff"), "ok");
    auto update = fake.take("UpdateMap");
    ASSERT_TRUE(update);
    EXPECT_EQ(update->numbers, (std::vector<int64_t>{1, 1, 2, 1}));
    const auto black = repeat({0, 0, 0, 0}, 1), blue = repeat({0xff, 0, 0, 0}, 1);
    EXPECT_EQ(read_fd(map->fds[0].get(), 4096, 32),
              concat({black, black, black, black, black, blue, blue, black}));
    EXPECT_EQ(fake.command("update-map 3 1 2 1 0000ff"),
              "error usage: update-map X Y W H COLOR (inside the mapped surface)");
}

TEST(Map, RefusedInitialMapFallsBackToScanout)
{
    FakeQemu fake("9.2");
    fake.reject = {"ScanoutMap"};
    fake.register_listener({kMapInterface});
    ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kMapInterface);
    EXPECT_TRUE(fake.take("ScanoutMap"));
    EXPECT_TRUE(fake.take("Scanout"));
    EXPECT_EQ(fake.command("update-map 0 0 1 1 ffffff"),
              "error unsupported: the listener holds no mapped surface; use scanout-map");
}

// ---- DMA-BUF stand-ins ----

TEST(Dmabuf, ScanoutAndAcknowledgedUpdate)
{
    FakeQemu fake("9.2");
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    EXPECT_EQ(fake.command("scanout-dmabuf 4 2 XR24 ff0000 modifier=0x1"), "ok");
    auto scanout = fake.take("ScanoutDMABUF");
    ASSERT_TRUE(scanout);
    EXPECT_EQ(scanout->numbers, (std::vector<int64_t>{4, 2, 16, kXR24, 1, 0}));
    EXPECT_EQ(read_fd(scanout->fds[0].get(), 0, 32), repeat({0, 0, 0xff, 0}, 8));
    EXPECT_EQ(fake.console_u32("Width"), 4u);

    const std::string ack = fake.command("update-dmabuf 0 0 1 1 00ff00");
    EXPECT_EQ(ack.rfind("ok ack_ms=", 0), 0u) << ack;
    EXPECT_LT(std::stod(ack.substr(10)), 1000.0);
    auto update = fake.take("UpdateDMABUF");
    ASSERT_TRUE(update);
    EXPECT_EQ(update->numbers, (std::vector<int64_t>{0, 0, 1, 1}));
    EXPECT_EQ(read_fd(scanout->fds[0].get(), 0, 4), (std::vector<uint8_t>{0, 0xff, 0, 0}));
}

TEST(Dmabuf, Y0TopStoresThePictureUpsideDown)
{
    FakeQemu fake("7.2");
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    EXPECT_EQ(fake.command("scanout-dmabuf 2 2 AB24 ff0000 ff0000 0000ff 0000ff y0_top=1"), "ok");
    auto scanout = fake.take("ScanoutDMABUF");
    ASSERT_TRUE(scanout);
    EXPECT_EQ(scanout->numbers.back(), 1);
    const auto red = repeat({0xff, 0, 0, 0xff}, 2), blue = repeat({0, 0, 0xff, 0xff}, 2);
    EXPECT_EQ(read_fd(scanout->fds[0].get(), 0, 16), concat({blue, red}));
    // Picture row 0 is memory row 1, and the damage says so.
    EXPECT_EQ(fake.command("update-dmabuf 0 0 1 1 00ff00").rfind("ok ack_ms=", 0), 0u);
    auto update = fake.take("UpdateDMABUF");
    ASSERT_TRUE(update);
    EXPECT_EQ(update->numbers, (std::vector<int64_t>{0, 1, 1, 1}));
    EXPECT_EQ(read_fd(scanout->fds[0].get(), 8, 4), (std::vector<uint8_t>{0, 0xff, 0, 0xff}));
}

TEST(Dmabuf, MissingAcknowledgementTimesOut)
{
    FakeQemu fake("10.1");
    fake.hold = {"UpdateDMABUF"};
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    EXPECT_EQ(fake.command("scanout-dmabuf 4 4 XR24 ffffff"), "ok");
    EXPECT_EQ(fake.command("update-dmabuf 0 0 4 4 000000"),
              "error timeout: no acknowledgement within one second");
}

TEST(Dmabuf, Version2OnlyOn101WhenAdvertised)
{
    {
        FakeQemu fake("9.2");
        fake.register_listener({kDmabuf2Interface});
        ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kDmabuf2Interface);
        EXPECT_EQ(fake.command("scanout-dmabuf2 4 4 XR24 ffffff"),
                  std::string("error unsupported: QEMU 9.2 has no ") + kDmabuf2Interface);
    }
    FakeQemu fake("10.1");
    fake.register_listener({kDmabuf2Interface});
    ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kDmabuf2Interface);
    EXPECT_EQ(fake.command("scanout-dmabuf2 4 2 XB24 0000ff"), "ok");
    auto scanout = fake.take("ScanoutDMABUF2");
    ASSERT_TRUE(scanout);
    EXPECT_EQ(scanout->interface, kDmabuf2Interface);
    // x, y, width, height, offsets[0], strides[0], planes, fourcc, backing w/h, modifier, y0_top
    EXPECT_EQ(scanout->numbers,
              (std::vector<int64_t>{0, 0, 4, 2, 0, 16, 1, 0x34324258, 4, 2, 0, 0}));
    ASSERT_EQ(scanout->fds.size(), 1u);
    EXPECT_EQ(read_fd(scanout->fds[0].get(), 0, 4), (std::vector<uint8_t>{0, 0, 0xff, 0}));
    // A new listener is sent the DMA-BUF the same way.
    fake.register_listener({kDmabuf2Interface});
    ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kDmabuf2Interface);
    EXPECT_TRUE(fake.take("ScanoutDMABUF2"));
}

// ---- audio ----

// Little-endian int16 samples (k * 7) mod 65536 for k in [first, first + count).
std::vector<uint8_t> ramp16(uint64_t first, size_t count)
{
    std::vector<uint8_t> out;
    for (uint64_t k = first; k < first + count; ++k) {
        const uint16_t sample = uint16_t(k * 7 % 65536);
        out.push_back(uint8_t(sample & 0xff));
        out.push_back(uint8_t(sample >> 8));
    }
    return out;
}

TEST(Audio, OutListenerGetsEveryCallWithItsArguments)
{
    FakeQemu fake("10.1", {"--audio"});
    ASSERT_EQ(fake.register_audio_listener(true), "ok");
    ASSERT_EQ(fake.command("wait-audio-listener out"), "ok");
    EXPECT_TRUE(fake.calls().empty()); // no voice yet, nothing to tell

    // Voice ids are QEMU's pointers: any 64-bit value.
    const std::string id = "18446744073709551615";
    const int64_t id_bits = -1; // as the recording client keeps it
    EXPECT_EQ(fake.command("audio-init out " + id + " 16 1 0 48000 2"), "ok");
    auto init = fake.take("Init");
    ASSERT_TRUE(init);
    EXPECT_EQ(init->interface, kAudioOutInterface);
    EXPECT_EQ(init->numbers, (std::vector<int64_t>{id_bits, 16, 1, 0, 48000, 2, 4, 192000, 0}));

    EXPECT_EQ(fake.command("audio-enable out " + id + " 1"), "ok");
    auto enable = fake.take("SetEnabled");
    ASSERT_TRUE(enable);
    EXPECT_EQ(enable->numbers, (std::vector<int64_t>{id_bits, 1}));

    EXPECT_EQ(fake.command("audio-volume out " + id + " 1 255,128"), "ok");
    auto volume = fake.take("SetVolume");
    ASSERT_TRUE(volume);
    EXPECT_EQ(volume->numbers, (std::vector<int64_t>{id_bits, 1}));
    EXPECT_EQ(volume->data, (std::vector<uint8_t>{255, 128}));
    EXPECT_EQ(fake.command("audio-volume out " + id + " 0 -"), "ok");
    volume = fake.take("SetVolume");
    ASSERT_TRUE(volume);
    EXPECT_TRUE(volume->data.empty());

    // The ramp: 3 stereo frames are samples 0..5, the next write goes on.
    EXPECT_EQ(fake.command("audio-write " + id + " 3"), "ok");
    auto write = fake.take("Write");
    ASSERT_TRUE(write);
    EXPECT_EQ(write->numbers, (std::vector<int64_t>{id_bits}));
    EXPECT_EQ(write->data, (std::vector<uint8_t>{0, 0, 7, 0, 14, 0, 21, 0, 28, 0, 35, 0}));
    EXPECT_EQ(fake.command("audio-write " + id + " 5000"), "ok");
    write = fake.take("Write");
    ASSERT_TRUE(write);
    EXPECT_EQ(write->data, ramp16(6, 10000));
    // Sample 9363 is 65541 mod 65536: the ramp wraps.
    EXPECT_EQ(write->data[(9363 - 6) * 2], 5);
    EXPECT_EQ(write->data[(9363 - 6) * 2 + 1], 0);

    EXPECT_EQ(fake.command("audio-write-bytes " + id + " 3"), "ok");
    write = fake.take("Write");
    ASSERT_TRUE(write);
    EXPECT_EQ(write->data, (std::vector<uint8_t>{0x5a, 0x5a, 0x5a}));

    // Other formats carry bytes n mod 256.
    EXPECT_EQ(fake.command("audio-init out 5 8 0 0 8000 1"), "ok");
    init = fake.take("Init");
    ASSERT_TRUE(init);
    EXPECT_EQ(init->numbers, (std::vector<int64_t>{5, 8, 0, 0, 8000, 1, 1, 8000, 0}));
    EXPECT_EQ(fake.command("audio-write 5 4"), "ok");
    write = fake.take("Write");
    ASSERT_TRUE(write);
    EXPECT_EQ(write->data, (std::vector<uint8_t>{0, 1, 2, 3}));

    EXPECT_EQ(fake.command("audio-init-raw out 9 16 1 0 44100 2 3 7 1"), "ok");
    init = fake.take("Init");
    ASSERT_TRUE(init);
    EXPECT_EQ(init->numbers, (std::vector<int64_t>{9, 16, 1, 0, 44100, 2, 3, 7, 1}));
    EXPECT_EQ(fake.command("audio-write 9 2"), "ok"); // 2 frames of 3 bytes, big-endian: bytes
    write = fake.take("Write");
    ASSERT_TRUE(write);
    EXPECT_EQ(write->data, (std::vector<uint8_t>{0, 1, 2, 3, 4, 5}));
    // Odd formats are sent as asked: 24 bits make 3-byte samples, 0 channels
    // an empty frame.
    EXPECT_EQ(fake.command("audio-init out 10 24 1 0 48000 2"), "ok");
    init = fake.take("Init");
    ASSERT_TRUE(init);
    EXPECT_EQ(init->numbers, (std::vector<int64_t>{10, 24, 1, 0, 48000, 2, 6, 288000, 0}));
    EXPECT_EQ(fake.command("audio-init out 11 16 1 0 48000 0"), "ok");
    init = fake.take("Init");
    ASSERT_TRUE(init);
    EXPECT_EQ(init->numbers, (std::vector<int64_t>{11, 16, 1, 0, 48000, 0, 0, 0, 0}));

    EXPECT_EQ(fake.command("audio-fini out " + id), "ok");
    auto fini = fake.take("Fini");
    ASSERT_TRUE(fini);
    EXPECT_EQ(fini->numbers, (std::vector<int64_t>{id_bits}));
    // A voice it never announced: 16-bit stereo, the ramp from the start.
    EXPECT_EQ(fake.command("audio-write " + id + " 2"), "ok");
    write = fake.take("Write");
    ASSERT_TRUE(write);
    EXPECT_EQ(write->data, ramp16(0, 4));
    EXPECT_TRUE(fake.calls().empty());
}

TEST(Audio, ReadAnswersWhatTheClientReturns)
{
    FakeQemu fake("9.2", {"--audio"});
    EXPECT_EQ(fake.command("audio-read 77 4"),
              "error no-listener: no audio in listener is registered");
    ASSERT_EQ(fake.register_audio_listener(false), "ok");
    ASSERT_EQ(fake.command("wait-audio-listener in"), "ok");
    EXPECT_EQ(fake.command("audio-init in 77 16 1 0 44100 1"), "ok");
    auto init = fake.take("Init");
    ASSERT_TRUE(init);
    EXPECT_EQ(init->interface, kAudioInInterface);
    EXPECT_EQ(init->numbers, (std::vector<int64_t>{77, 16, 1, 0, 44100, 1, 2, 88200, 0}));

    fake.read_answer = {0x00, 0x01, 0xab, 0xff};
    EXPECT_EQ(fake.command("audio-read 77 4"), "ok 4 0001abff");
    auto read = fake.take("Read");
    ASSERT_TRUE(read);
    EXPECT_EQ(read->interface, kAudioInInterface);
    EXPECT_EQ(read->numbers, (std::vector<int64_t>{77, 4}));
    fake.read_answer.clear();
    EXPECT_EQ(fake.command("audio-read 77 960"), "ok 0");
    fake.reject = {"Read", "SetEnabled"};
    EXPECT_EQ(fake.command("audio-read 77 4"), "error org.example.Rejected: Read rejected");
    EXPECT_EQ(fake.command("audio-enable in 77 1"),
              "error org.example.Rejected: SetEnabled rejected");
    // Out commands need the out listener.
    EXPECT_EQ(fake.command("audio-write-bytes 77 4"),
              "error no-listener: no audio out listener is registered");
}

TEST(Audio, NewListenerIsToldAboutExistingVoicesNewestFirst)
{
    FakeQemu fake("9.2", {"--audio"});
    EXPECT_EQ(fake.command("audio-init out 1 16 1 0 48000 2"), "ok no-listener");
    EXPECT_EQ(fake.command("audio-init out 2 32 1 1 44100 1"), "ok no-listener");
    EXPECT_EQ(fake.command("audio-enable out 2 1"), "ok no-listener");
    EXPECT_EQ(fake.command("audio-init out 3 8 0 0 8000 1"), "ok no-listener");
    EXPECT_EQ(fake.command("audio-fini out 3"), "ok no-listener");
    // QEMU does not repeat the volume to a new listener: nothing is kept.
    EXPECT_EQ(fake.command("audio-volume out 2 0 10"),
              "error no-listener: no audio out listener is registered");
    EXPECT_EQ(fake.command("audio-init in 4 16 1 0 48000 2"), "ok no-listener");
    ASSERT_EQ(fake.register_audio_listener(true), "ok");
    ASSERT_EQ(fake.command("wait-audio-listener out"), "ok");
    ASSERT_EQ(fake.calls().size(), 4u);
    const auto &c = fake.calls();
    EXPECT_EQ(c[0].member, "Init");
    EXPECT_EQ(c[0].numbers, (std::vector<int64_t>{2, 32, 1, 1, 44100, 1, 4, 176400, 0}));
    EXPECT_EQ(c[1].member, "SetEnabled");
    EXPECT_EQ(c[1].numbers, (std::vector<int64_t>{2, 1}));
    EXPECT_EQ(c[2].member, "Init");
    EXPECT_EQ(c[2].numbers, (std::vector<int64_t>{1, 16, 1, 0, 48000, 2, 4, 192000, 0}));
    EXPECT_EQ(c[3].member, "SetEnabled");
    EXPECT_EQ(c[3].numbers, (std::vector<int64_t>{1, 0}));
    for (const auto &call : c)
        EXPECT_EQ(call.interface, kAudioOutInterface);
    fake.calls().clear();
    ASSERT_EQ(fake.register_audio_listener(false), "ok");
    ASSERT_EQ(fake.command("wait-audio-listener in"), "ok");
    ASSERT_EQ(fake.calls().size(), 2u);
    EXPECT_EQ(fake.calls()[0].interface, kAudioInInterface);
    EXPECT_EQ(fake.calls()[0].numbers[0], 4);
}

// QEMU keys p2p audio listeners by "p2p" and forgets one only when its
// connection closes.
TEST(Audio, SecondListenerIsRefusedUntilTheFirstCloses)
{
    FakeQemu fake("10.1", {"--audio"});
    ASSERT_EQ(fake.register_audio_listener(true), "ok");
    ASSERT_EQ(fake.command("wait-audio-listener out"), "ok");
    EXPECT_EQ(fake.register_audio_listener(true),
              "org.qemu.Display1.Error.Invalid: `p2p` is already registered!");
    EXPECT_EQ(fake.command("audio-init out 1 16 1 0 48000 2"), "ok");
    sd_bus_close(fake.audio_bus(true));
    fake.calls().clear();
    ASSERT_EQ(fake.register_audio_listener(true), "ok");
    ASSERT_EQ(fake.command("wait-audio-listener out"), "ok");
    EXPECT_TRUE(fake.take("Init"));
    EXPECT_EQ(fake.command("audio-write 1 1"), "ok");
    EXPECT_TRUE(fake.take("Write"));
}

TEST(Audio, QemuSevenTwoDiesOnAPeerToPeerListener)
{
    FakeQemu fake("7.2", {"--audio"});
    EXPECT_NE(fake.register_audio_listener(true), "ok");
    const int status = fake.wait_exit();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 134) << status;
}

TEST(Audio, ErrorsAndBadCommands)
{
    FakeQemu fake("9.2", {"--audio"});
    fake.export_listener = false; // GetAll is refused; QEMU goes on all the same
    ASSERT_EQ(fake.register_audio_listener(true), "ok");
    EXPECT_EQ(fake.command("wait-audio-listener out"),
              "ok getall-error=org.freedesktop.DBus.Error.UnknownObject");
    EXPECT_EQ(fake.command("audio-init out 1 16 1 0 48000 2"),
              "error org.freedesktop.DBus.Error.UnknownObject: "
              "Unknown object '/org/qemu/Display1/AudioOutListener'.");
    EXPECT_EQ(fake.command("audio-init sideways 1 16 1 0 48000 2"),
              "error usage: audio-init out|in ID BITS SIGNED FLOAT FREQ CHANNELS");
    EXPECT_EQ(fake.command("audio-init out 1 256 1 0 48000 2"),
              "error usage: audio-init out|in ID BITS SIGNED FLOAT FREQ CHANNELS");
    EXPECT_EQ(fake.command("audio-volume out 1 0 256"),
              "error usage: audio-volume out|in ID 0|1 V1,V2,...|-");
    EXPECT_EQ(fake.command("audio-write 2 0x10000000"), "error usage: audio-write ID FRAMES");
    EXPECT_EQ(fake.command("audio-read 1"), "error usage: audio-read ID SIZE");
}

// ---- cursor, listeners, input, errors ----

TEST(Cursor, ResentOnRegistrationFrom80)
{
    for (const char *version : {"7.2", "9.2"}) {
        FakeQemu fake(version);
        EXPECT_EQ(fake.command("cursor 2 1 0 0 102030"), "ok no-listener");
        EXPECT_EQ(fake.command("mouse-set 5 6 1"), "ok no-listener");
        fake.register_listener({});
        ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
        auto define = fake.take("CursorDefine");
        auto set = fake.take("MouseSet");
        EXPECT_EQ(bool(define), std::string(version) != "7.2") << version;
        if (define) {
            EXPECT_EQ(define->numbers, (std::vector<int64_t>{2, 1, 0, 0}));
            EXPECT_EQ(define->data, repeat({0x30, 0x20, 0x10, 0xff}, 2));
            ASSERT_TRUE(set);
            EXPECT_EQ(set->numbers, (std::vector<int64_t>{5, 6, 1}));
        }
    }
}

TEST(Listener, SecondRegistrationReplacesTheFirst)
{
    FakeQemu fake("7.2");
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    sd_bus *first = fake.listener_bus();
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    fake.calls().clear();
    EXPECT_EQ(fake.command("disable"), "ok");
    ASSERT_EQ(fake.calls().size(), 1u); // the old listener got nothing
    while (sd_bus_process(first, nullptr) > 0) {
    }
    EXPECT_LE(sd_bus_is_open(first), 0);
}

TEST(Listener, ClosedOrReplacedListenerEndsTheWaitingCommand)
{
    FakeQemu fake("9.2");
    fake.hold = {"Disable"};
    fake.register_listener({});
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");
    fake.send("disable");
    fake.dispatch_until([&] { return bool(fake.take("Disable")); });
    fake.register_listener({}); // replaces the listener that holds the reply
    EXPECT_EQ(fake.next_line(), "error listener-gone: the listener went away before it replied");
    ASSERT_EQ(fake.command("wait-listener"), "ok interfaces=");

    fake.send("disable");
    fake.dispatch_until([&] { return bool(fake.take("Disable")); });
    sd_bus_close(fake.listener_bus()); // the client drops its end
    EXPECT_EQ(fake.next_line(), "error listener-gone: the listener went away before it replied");
    EXPECT_EQ(fake.command("disable"), "ok no-listener");
}

// Like QEMU, the fake takes any answer to its GetAll, even an error.
TEST(Listener, GetAllErrorIsAcceptedAndReported)
{
    FakeQemu fake("9.2");
    fake.export_listener = false;
    fake.register_listener({kMapInterface});
    EXPECT_EQ(fake.command("wait-listener"),
              "ok interfaces= getall-error=org.freedesktop.DBus.Error.UnknownObject");
    auto scanout = fake.take("Scanout");
    EXPECT_FALSE(scanout); // sd-bus refused it for us: nothing is exported
    EXPECT_EQ(fake.command("disable"), "error org.freedesktop.DBus.Error.UnknownObject: "
                                       "Unknown object '/org/qemu/Display1/Listener'.");
}

TEST(Input, MouseModesAndErrors)
{
    for (const char *version : {"7.2", "10.1"}) {
        FakeQemu fake(version, {"--width", "100", "--height", "50"});
        const bool is72 = std::string(version) == "7.2";
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Mouse", "SetAbsPosition", "uu", 1, 1),
                  "org.qemu.Display1.Error.Invalid: Mouse is not absolute");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Mouse", "RelMotion", "ii", 5, -3), "ok");
        EXPECT_EQ(fake.command("mouse-mode abs"), "ok");
        int absolute = -1;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        ASSERT_GE(sd_bus_get_property_trivial(fake.main_bus(), nullptr, kConsolePath,
                                              "org.qemu.Display1.Mouse", "IsAbsolute", &error, 'b',
                                              &absolute),
                  0);
        EXPECT_EQ(absolute, is72 ? 0 : 1) << version;
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Mouse", "RelMotion", "ii", 1, 1),
                  "org.qemu.Display1.Error.Invalid: Mouse is not relative");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Mouse", "SetAbsPosition", "uu", 100, 0),
                  "org.qemu.Display1.Error.Invalid: Invalid mouse position");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Mouse", "SetAbsPosition", "uu", 99, 49),
                  "ok");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Keyboard", "Press", "u", 30), "ok");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Keyboard", "Release", "u", 30), "ok");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Mouse", "Press", "u", 0), "ok");
        EXPECT_EQ(fake.call_console("org.qemu.Display1.Console", "SetUIInfo", "qqiiuu", 300, 200, 0,
                                    0, 1024, 768),
                  "org.qemu.Display1.Error.Unsupported: SetUIInfo is not supported");
        EXPECT_EQ(fake.command("events"),
                  "ok rel:5,-3 abs:99,49 key-press:30 key-release:30 button-press:0");
        EXPECT_EQ(fake.command("events"), "ok");
        EXPECT_EQ(fake.command("set-modifiers 4"), "ok");
        uint32_t modifiers = 0;
        ASSERT_GE(sd_bus_get_property_trivial(fake.main_bus(), nullptr, kConsolePath,
                                              "org.qemu.Display1.Keyboard", "Modifiers", &error,
                                              'u', &modifiers),
                  0);
        EXPECT_EQ(modifiers, 4u);
        sd_bus_error_free(&error);
    }
}

TEST(Input, PropertiesChangedFollowTheVersion)
{
    for (const char *version : {"7.2", "9.2"}) {
        FakeQemu fake(version);
        const bool is72 = std::string(version) == "7.2";
        EXPECT_EQ(fake.command("mouse-mode abs"), "ok");
        EXPECT_EQ(fake.command("set-modifiers 2"), "ok");
        EXPECT_EQ(fake.command("resize-silently 800 600"), "ok");
        std::vector<std::string> expected = {"org.qemu.Display1.Keyboard.Modifiers",
                                             "org.qemu.Display1.Console.Width",
                                             "org.qemu.Display1.Console.Height"};
        if (!is72) // 7.2 never updates IsAbsolute in the fake
            expected.insert(expected.begin(), "org.qemu.Display1.Mouse.IsAbsolute");
        fake.dispatch_until([&] { return fake.changed.size() >= expected.size(); });
        EXPECT_EQ(fake.changed, expected) << version;
    }
}

TEST(Input, MultiTouchFrom81)
{
    FakeQemu fake("10.1");
    const char *touch = "org.qemu.Display1.MultiTouch";
    EXPECT_EQ(fake.call_console(touch, "SendEvent", "utdd", 0u, uint64_t(1), 10.5, 20.0), "ok");
    EXPECT_EQ(fake.call_console(touch, "SendEvent", "utdd", 4u, uint64_t(1), 1.0, 1.0),
              "org.qemu.Display1.Error.Invalid: Invalid touch event kind");
    EXPECT_EQ(fake.call_console(touch, "SendEvent", "utdd", 1u, uint64_t(10), 1.0, 1.0),
              "org.qemu.Display1.Error.Invalid: Unexpected touch slot number:  10 >= 10");
    EXPECT_EQ(fake.command("events"), "ok touch:0,1,10.5,20");
}

TEST(Input, VirtioAcceptsSetUIInfo)
{
    FakeQemu fake("9.2", {"--virtio"});
    EXPECT_EQ(fake.call_console("org.qemu.Display1.Console", "SetUIInfo", "qqiiuu", 300, 200, 0, 0,
                                1024, 768),
              "ok");
    EXPECT_EQ(fake.command("events"), "ok uiinfo:300,200,0,0,1024,768");
    EXPECT_EQ(fake.console_u32("Width"), 1024u);
    EXPECT_EQ(fake.console_u32("Height"), 768u);
}

TEST(Errors, ClientRejectionsAndBadCommands)
{
    FakeQemu fake("9.2");
    EXPECT_EQ(fake.command("bad-scanout 1 1 4 0x20020888 4"),
              "error no-listener: no listener is registered");
    fake.reject = {"Scanout", "ScanoutDMABUF", "CursorDefine", "ScanoutMap", "Update"};
    fake.register_listener({kMapInterface});
    ASSERT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kMapInterface);
    fake.calls().clear();
    EXPECT_EQ(fake.command("bad-scanout 100 100 400 x8r8g8b8 16"),
              "error org.example.Rejected: Scanout rejected");
    EXPECT_EQ(fake.command("bad-update -1 0 2 2 8 0xdeadbeef 0"),
              "error org.example.Rejected: Update rejected");
    EXPECT_EQ(fake.command("bad-map 4096 16 16 64 x8r8g8b8 100"),
              "error org.example.Rejected: ScanoutMap rejected");
    EXPECT_EQ(fake.command("bad-map-fd pipe 4 4"),
              "error org.example.Rejected: ScanoutMap rejected");
    EXPECT_EQ(fake.command("bad-dmabuf-fd dir 4 4"),
              "error org.example.Rejected: ScanoutDMABUF rejected");
    EXPECT_EQ(fake.command("bad-dmabuf 64 64 256 XR24 10"),
              "error org.example.Rejected: ScanoutDMABUF rejected");
    EXPECT_EQ(fake.command("bad-cursor 64 64 0 0 3"),
              "error org.example.Rejected: CursorDefine rejected");
    EXPECT_EQ(fake.command("bad-update-dmabuf 0 0 -5 70000"), "ok");
    auto bad = fake.take("Update");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->numbers, (std::vector<int64_t>{-1, 0, 2, 2, 8, 0xdeadbeef}));
    auto sized = fake.take("ScanoutMap");
    ASSERT_TRUE(sized);
    EXPECT_EQ(sized->numbers, (std::vector<int64_t>{4096, 16, 16, 64, kX8r8g8b8}));
    struct stat st {};
    ASSERT_EQ(fstat(sized->fds[0].get(), &st), 0);
    EXPECT_EQ(st.st_size, 100);
    auto fd_kind = fake.take("ScanoutMap"); // the second one carried the pipe
    ASSERT_TRUE(fd_kind);
    ASSERT_EQ(fstat(fd_kind->fds[0].get(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));

    EXPECT_EQ(fake.command("frobnicate").rfind("error usage: unknown command", 0), 0u);
    EXPECT_EQ(fake.command("scanout 0 10 x8r8g8b8 ffffff"),
              "error usage: scanout W H FORMAT C1 [C2 C3 C4] [stride=S]");
    EXPECT_EQ(fake.command("scanout 10 10 y8 ffffff"),
              "error usage: scanout W H FORMAT C1 [C2 C3 C4] [stride=S]");
    EXPECT_EQ(fake.command("update-dmabuf 0 0 1 1 ffffff"),
              "error unsupported: no DMA-BUF scanout; use scanout-dmabuf first");
    EXPECT_EQ(fake.command("wait-listener"), std::string("ok interfaces=") + kMapInterface);
}

TEST(Lifetime, ClosingTheMainConnectionEndsTheFake)
{
    FakeQemu fake("10.1");
    EXPECT_EQ(fake.command("events"), "ok");
    fake.close_main();
    EXPECT_EQ(fake.next_line(), "closed");
}

TEST(Lifetime, QuitAnswersAndExits)
{
    FakeQemu fake("7.2");
    EXPECT_EQ(fake.command("quit"), "ok");
}

} // namespace
