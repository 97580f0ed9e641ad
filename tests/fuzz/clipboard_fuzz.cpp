// libFuzzer entry point: a hostile QEMU facing a real vmview::Clipboard over
// a real sd-bus peer-to-peer connection. This process is QEMU on the other
// end (the authentication server): it answers the session's Register (or
// refuses it, as 7.2 does after a reconnect), calls the session's Register,
// Unregister, Grab, Release and Request with fuzzer-chosen selections,
// serials and MIME lists, and answers the session's Request (a take) with
// any type, size and bytes. The session side takes and offers when the
// input says so.
//
// After every step: every call was answered; the session asked QEMU for
// data only when told to take; what a take delivered is at most 1 MiB of
// valid UTF-8 and exactly what QEMU sent; a Request QEMU makes is answered
// with data only while an offer stands, and then with exactly the offer.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <systemd/sd-bus.h>

#include "tests/fuzz/fuzz_input.hpp"
#include "vmview/clipboard.hpp"
#include "vmview/clipboard_checks.hpp"

namespace {

using namespace phyllome::vmview;
using phyllome::fuzz::check;
using phyllome::fuzz::Input;

constexpr int kMaxSteps = 32;
constexpr const char *kPath = "/org/qemu/Display1/Clipboard";
constexpr const char *kInterface = "org.qemu.Display1.Clipboard";

struct Reply {
    bool done = false;
    bool failed = false;
    std::string mime;
    std::string data;
};

int on_reply(sd_bus_message *m, void *data, sd_bus_error *)
{
    auto *reply = static_cast<Reply *>(data);
    reply->done = true;
    reply->failed = sd_bus_message_is_method_error(m, nullptr);
    if (!reply->failed && std::string_view(sd_bus_message_get_signature(m, 1)) == "say") {
        const char *mime = nullptr;
        const void *bytes = nullptr;
        size_t size = 0;
        check(sd_bus_message_read(m, "s", &mime) >= 0);
        check(sd_bus_message_read_array(m, 'y', &bytes, &size) >= 0);
        reply->mime = mime;
        reply->data.assign(static_cast<const char *>(bytes), size);
    }
    return 0;
}

class Harness {
public:
    explicit Harness(Input &in) : in_(in) {}
    ~Harness()
    {
        clipboard_.reset();
        sd_bus_slot_unref(qemu_object_);
        if (client_)
            sd_bus_flush_close_unref(client_);
        if (qemu_)
            sd_bus_close_unref(qemu_);
    }

    bool start()
    {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0)
            return false;
        const sd_id128_t id = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
        if (sd_bus_new(&qemu_) < 0 || sd_bus_set_fd(qemu_, sv[1], sv[1]) < 0 ||
            sd_bus_new(&client_) < 0 || sd_bus_set_fd(client_, sv[0], sv[0]) < 0) {
            close(sv[0]);
            close(sv[1]);
            return false;
        }
        check(sd_bus_add_object_vtable(qemu_, &qemu_object_, kPath, kInterface, kQemuVtable,
                                       this) >= 0);
        if (sd_bus_set_server(qemu_, 1, id) < 0 || sd_bus_start(qemu_) < 0 ||
            sd_bus_start(client_) < 0)
            return false;
        register_fails_ = in_.byte() % 4 == 0;
        clipboard_ = std::make_unique<Clipboard>(client_, "fuzz", nullptr, nullptr);
        for (int round = 0; round < 1000 && clipboard_->state() == Clipboard::State::Registering;
             ++round)
            pump();
        check(clipboard_->state() != Clipboard::State::Registering);
        return true;
    }

    void run()
    {
        for (int i = 0; i < kMaxSteps && !in_.empty(); ++i) {
            step();
            check(requests_received_ <= takes_asked_);
            if (clipboard_->offering())
                check(clipboard_->offer_bytes() == last_offer_.size());
        }
    }

private:
    static const sd_bus_vtable kQemuVtable[];

    // QEMU's Register: accepted, or refused as 7.2 refuses a second peer.
    static int qemu_register(sd_bus_message *m, void *data, sd_bus_error *)
    {
        auto *self = static_cast<Harness *>(data);
        if (self->register_fails_)
            return sd_bus_reply_method_errorf(m, "org.qemu.Display1.Error.Failed",
                                              "Clipboard peer already registered!");
        return sd_bus_reply_method_return(m, "");
    }
    static int qemu_ok(sd_bus_message *m, void *, sd_bus_error *)
    {
        return sd_bus_reply_method_return(m, "");
    }
    // QEMU answers the session's take with whatever the input says.
    static int qemu_request(sd_bus_message *m, void *data, sd_bus_error *)
    {
        auto *self = static_cast<Harness *>(data);
        ++self->requests_received_;
        Input &in = self->in_;
        const uint8_t how = in.byte();
        if (how % 8 == 0)
            return sd_bus_reply_method_errorf(m, "org.qemu.Display1.Error.Failed",
                                              "Empty clipboard");
        static const char *const kMimes[] = {"text/plain;charset=utf-8", "text/plain", "",
                                             "text/html", "TEXT/PLAIN;CHARSET=UTF-8"};
        std::string mime =
            how & 0x80 ? std::string(in.byte() % 300, 'm') : kMimes[(how >> 3) % std::size(kMimes)];
        if ((how >> 3) % 8 >= std::size(kMimes))
            mime = kMimes[0];
        size_t size = in.value() % 4096;
        if ((how & 0x70) == 0x70)
            size = kMaxClipboardBytes + (in.byte() & 1); // the bound and one more
        std::string text(size, 'a');
        const std::vector<uint8_t> content = in.bytes(std::min<size_t>(size, 64));
        std::copy(content.begin(), content.end(), text.begin());
        self->answered_ = text;
        sd_bus_message *reply = nullptr;
        check(sd_bus_message_new_method_return(m, &reply) >= 0);
        check(sd_bus_message_append(reply, "s", mime.c_str()) >= 0);
        check(sd_bus_message_append_array(reply, 'y', text.data(), text.size()) >= 0);
        check(sd_bus_send(nullptr, reply, nullptr) >= 0);
        sd_bus_message_unref(reply);
        return 1;
    }

    void pump()
    {
        while (sd_bus_process(qemu_, nullptr) > 0 || sd_bus_process(client_, nullptr) > 0) {
        }
    }

    Reply call(sd_bus_message *m)
    {
        Reply reply;
        sd_bus_slot *slot = nullptr;
        const int r = sd_bus_call_async(qemu_, &slot, m, on_reply, &reply, UINT64_MAX - 1);
        sd_bus_message_unref(m);
        if (r < 0)
            return reply;
        for (int round = 0; round < 100000 && !reply.done; ++round)
            pump();
        sd_bus_slot_unref(slot);
        check(reply.done); // every call is answered
        return reply;
    }

    sd_bus_message *new_call(const char *member)
    {
        sd_bus_message *m = nullptr;
        check(sd_bus_message_new_method_call(qemu_, &m, nullptr, kPath, kInterface, member) >= 0);
        return m;
    }

    uint32_t selection()
    {
        const uint8_t b = in_.byte();
        return b < 220 ? b % 4 : in_.u32();
    }

    void append_mimes(sd_bus_message *m)
    {
        static const char *const kMimes[] = {"text/plain;charset=utf-8", "text/plain", "image/png",
                                             ""};
        const uint8_t count = in_.byte() % 24;
        check(sd_bus_message_open_container(m, 'a', "s") >= 0);
        for (uint8_t i = 0; i < count; ++i) {
            const uint8_t b = in_.byte();
            const std::string mime =
                b & 0x80 ? std::string(b % 2 ? 255 : 256, 't') : kMimes[b % std::size(kMimes)];
            check(sd_bus_message_append(m, "s", mime.c_str()) >= 0);
        }
        check(sd_bus_message_close_container(m) >= 0);
    }

    void step()
    {
        switch (in_.byte() % 8) {
        case 0: { // the guest grabs
            sd_bus_message *m = new_call("Grab");
            const uint32_t serial = in_.byte() < 200 ? in_.byte() % 8 : in_.u32();
            check(sd_bus_message_append(m, "uu", selection(), serial) >= 0);
            append_mimes(m);
            call(m);
            break;
        }
        case 1: {
            sd_bus_message *m = new_call("Release");
            check(sd_bus_message_append(m, "u", selection()) >= 0);
            call(m);
            break;
        }
        case 2: { // the guest pastes: data only from a standing offer
            sd_bus_message *m = new_call("Request");
            check(sd_bus_message_append(m, "u", selection()) >= 0);
            append_mimes(m);
            const bool offering = clipboard_->offering();
            const Reply reply = call(m);
            if (!reply.failed) {
                check(offering);
                check(reply.mime == kClipboardTextMime);
                check(reply.data == last_offer_);
            }
            break;
        }
        case 3:
            call(new_call("Register"));
            check(!clipboard_->offering() && !clipboard_->guest_has_text());
            break;
        case 4:
            call(new_call("Unregister"));
            break;
        case 5: { // the session takes
            ++takes_asked_;
            std::optional<std::optional<std::string>> taken;
            answered_.clear();
            clipboard_->take([&](std::optional<std::string> text, const std::string &) {
                taken = std::move(text);
            });
            for (int round = 0; round < 100000 && !taken; ++round)
                pump();
            check(taken.has_value());
            if (*taken) {
                const std::string &text = **taken;
                check(text.size() <= kMaxClipboardBytes);
                check(is_valid_utf8({reinterpret_cast<const uint8_t *>(text.data()), text.size()}));
                check(text == answered_);
            }
            break;
        }
        case 6: { // the session offers
            std::string text(in_.byte() % 64, 'o');
            const std::vector<uint8_t> content = in_.bytes(text.size());
            std::copy(content.begin(), content.end(), text.begin());
            if (clipboard_->offer(text).empty())
                last_offer_ = text;
            pump();
            break;
        }
        default: { // QEMU reads the properties, as its proxy does
            sd_bus_message *m = nullptr;
            check(sd_bus_message_new_method_call(qemu_, &m, nullptr, kPath,
                                                 "org.freedesktop.DBus.Properties", "GetAll") >= 0);
            check(sd_bus_message_append(m, "s", kInterface) >= 0);
            check(!call(m).failed);
            break;
        }
        }
    }

    Input &in_;
    sd_bus *qemu_ = nullptr;
    sd_bus *client_ = nullptr;
    sd_bus_slot *qemu_object_ = nullptr;
    std::unique_ptr<Clipboard> clipboard_;
    bool register_fails_ = false;
    unsigned takes_asked_ = 0;
    unsigned requests_received_ = 0;
    std::string answered_;
    std::string last_offer_;
};

const sd_bus_vtable Harness::kQemuVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Register", "", "", qemu_register, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Unregister", "", "", qemu_ok, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Grab", "uuas", "", qemu_ok, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Release", "u", "", qemu_ok, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Request", "uas", "say", qemu_request, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Input in(data, size);
    Harness harness(in);
    if (harness.start())
        harness.run();
    return 0;
}
