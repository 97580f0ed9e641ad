#include "clipboard.hpp"

#include "calls.hpp"

#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

namespace fake_qemu {
namespace {

constexpr const char *kErrorFailed = "org.qemu.Display1.Error.Failed";
constexpr const char *kErrorInvalid = "org.qemu.Display1.Error.Invalid";
constexpr uint32_t kSelections = 3; // clipboard, primary, secondary

constexpr uint64_t kMethod = SD_BUS_VTABLE_UNPRIVILEGED;

std::string join(const std::vector<std::string> &mimes)
{
    std::string out;
    for (size_t i = 0; i < mimes.size(); ++i)
        out += (i ? "|" : "") + mimes[i];
    return out;
}

int read_strings(sd_bus_message *m, std::vector<std::string> &out)
{
    int r = sd_bus_message_enter_container(m, 'a', "s");
    if (r < 0)
        return r;
    const char *s = nullptr;
    while ((r = sd_bus_message_read(m, "s", &s)) > 0)
        out.emplace_back(s);
    return r < 0 ? r : sd_bus_message_exit_container(m);
}

bool has_text(const std::vector<std::string> &mimes)
{
    for (const auto &mime : mimes)
        if (mime == kClipboardText)
            return true;
    return false;
}

struct AsyncCall {
    CallDone done;
    uint64_t start_us;
};

} // namespace

Clipboard::Clipboard(sd_bus *bus, const Options &options) : bus_(bus), options_(options)
{
    stale_peer_ = options.clipboard_reconnect && !options.version.unregisters_clipboard_on_close();
}

int Clipboard::export_object()
{
    vtable_ = {SD_BUS_VTABLE_START(0),
               SD_BUS_METHOD("Register", "", "", on_register, kMethod),
               SD_BUS_METHOD("Unregister", "", "", on_unregister, kMethod),
               SD_BUS_METHOD("Grab", "uuas", "", on_grab, kMethod),
               SD_BUS_METHOD("Release", "u", "", on_release, kMethod),
               SD_BUS_METHOD("Request", "uas", "say", on_request, kMethod)};
    if (options_.version.has_interfaces())
        vtable_.push_back(SD_BUS_PROPERTY("Interfaces", "as", get_property, 0,
                                          SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE));
    vtable_.push_back(SD_BUS_VTABLE_END);
    sd_bus_slot *slot = nullptr;
    const int r = sd_bus_add_object_vtable(bus_, &slot, kClipboardPath, kClipboardInterface,
                                           vtable_.data(), this);
    if (r < 0)
        return r;
    slot_.reset(slot);
    return 0;
}

const char *Clipboard::owner() const
{
    switch (owner_) {
    case Owner::Guest:
        return "guest";
    case Owner::Client:
        return "client";
    case Owner::None:
        break;
    }
    return "none";
}

void Clipboard::when_registered(std::function<void()> done)
{
    if (registered_)
        done();
    else
        waiters_.push_back(std::move(done));
}

std::string Clipboard::take_calls()
{
    std::string out;
    for (const auto &call : calls_)
        out += " " + call;
    calls_.clear();
    return out;
}

bool Clipboard::check_caller(sd_bus_message *m, const std::string &call)
{
    if (registered_) {
        record(call);
        return true;
    }
    record(call + "!");
    sd_bus_reply_method_errorf(m, kErrorFailed, "Unregistered caller");
    return false;
}

// QEMU's order: refuse a second peer; read the peer's properties with a
// blocking GetAll (its proxy); restart the serial, which calls the peer's
// Register; then answer.
int Clipboard::on_register(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    auto *self = static_cast<Clipboard *>(userdata);
    if (self->registered_ || self->stale_peer_) {
        self->record("register!");
        return sd_bus_reply_method_errorf(m, kErrorFailed, "Clipboard peer already registered!");
    }
    self->record("register");
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message *reply = nullptr;
    const int r =
        sd_bus_call_method(self->bus_, nullptr, kClipboardPath, "org.freedesktop.DBus.Properties",
                           "GetAll", &error, &reply, "s", kClipboardInterface);
    sd_bus_message_unref(reply);
    if (r < 0) {
        const std::string why = error.message ? error.message : strerror(-r);
        sd_bus_error_free(&error);
        return sd_bus_reply_method_errorf(m, kErrorFailed, "Failed to setup proxy: %s",
                                          why.c_str());
    }
    self->registered_ = true;
    self->serial_ = 0;
    self->owner_ = Owner::None;
    self->call_client(
        "Register", [](sd_bus_message *) { return 0; }, [](const CallResult &) {});
    const int sent = sd_bus_reply_method_return(m, "");
    auto waiters = std::move(self->waiters_);
    self->waiters_.clear();
    for (auto &done : waiters)
        done();
    return sent;
}

int Clipboard::on_unregister(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    auto *self = static_cast<Clipboard *>(userdata);
    if (!self->check_caller(m, "unregister"))
        return 1;
    self->registered_ = false;
    if (self->owner_ == Owner::Client)
        self->owner_ = Owner::None;
    return sd_bus_reply_method_return(m, "");
}

int Clipboard::on_grab(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    auto *self = static_cast<Clipboard *>(userdata);
    uint32_t selection = 0, serial = 0;
    std::vector<std::string> mimes;
    int r = sd_bus_message_read(m, "uu", &selection, &serial);
    if (r >= 0)
        r = read_strings(m, mimes);
    if (r < 0)
        return r;
    const std::string call =
        "grab:" + std::to_string(selection) + "," + std::to_string(serial) + "," + join(mimes);
    if (!self->check_caller(m, call))
        return 1;
    if (selection >= kSelections)
        return sd_bus_reply_method_errorf(m, kErrorInvalid, "Invalid clipboard selection: %u",
                                          selection);
    if (selection == 0) {
        self->serial_ = serial;
        self->owner_ = has_text(mimes) ? Owner::Client : Owner::None;
    }
    return sd_bus_reply_method_return(m, "");
}

int Clipboard::on_release(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    auto *self = static_cast<Clipboard *>(userdata);
    uint32_t selection = 0;
    const int r = sd_bus_message_read(m, "u", &selection);
    if (r < 0)
        return r;
    if (!self->check_caller(m, "release:" + std::to_string(selection)))
        return 1;
    if (selection == 0 && self->owner_ == Owner::Client)
        self->owner_ = Owner::None;
    return sd_bus_reply_method_return(m, "");
}

// The client pastes from the guest. QEMU asks the guest's agent and answers
// once it has the text; here the guest's text is at hand.
int Clipboard::on_request(sd_bus_message *m, void *userdata, sd_bus_error *)
{
    auto *self = static_cast<Clipboard *>(userdata);
    uint32_t selection = 0;
    std::vector<std::string> mimes;
    int r = sd_bus_message_read(m, "u", &selection);
    if (r >= 0)
        r = read_strings(m, mimes);
    if (r < 0)
        return r;
    if (!self->check_caller(m, "request:" + std::to_string(selection) + "," + join(mimes)))
        return 1;
    if (selection >= kSelections)
        return sd_bus_reply_method_errorf(m, kErrorInvalid, "Invalid clipboard selection: %u",
                                          selection);
    if (selection != 0 || self->owner_ != Owner::Guest)
        return sd_bus_reply_method_errorf(m, kErrorFailed, "Empty clipboard");
    if (!has_text(mimes))
        return sd_bus_reply_method_errorf(m, kErrorFailed, "Unhandled MIME types requested");
    sd_bus_message *reply = nullptr;
    r = sd_bus_message_new_method_return(m, &reply);
    if (r >= 0)
        r = sd_bus_message_append(reply, "s", self->answer_mime_.c_str());
    if (r >= 0)
        r = sd_bus_message_append_array(reply, 'y', self->guest_data_.data(),
                                        self->guest_data_.size());
    if (r >= 0)
        r = sd_bus_send(nullptr, reply, nullptr);
    sd_bus_message_unref(reply);
    return r < 0 ? r : 1;
}

int Clipboard::get_property(sd_bus *, const char *, const char *, const char *,
                            sd_bus_message *reply, void *, sd_bus_error *)
{
    return sd_bus_message_append(reply, "as", 0);
}

void Clipboard::call_client(const char *member, const Appender &append, CallDone done)
{
    sd_bus_message *call = nullptr;
    int r = sd_bus_message_new_method_call(bus_, &call, nullptr, kClipboardPath,
                                           kClipboardInterface, member);
    if (r >= 0)
        r = append(call);
    auto *pending = new AsyncCall{std::move(done), monotonic_us()};
    sd_bus_slot *slot = nullptr;
    if (r >= 0)
        r = sd_bus_call_async(
            bus_, &slot, call,
            [](sd_bus_message *reply, void *data, sd_bus_error *) {
                auto *pending = static_cast<AsyncCall *>(data);
                CallResult result;
                result.elapsed_us = monotonic_us() - pending->start_us;
                if (const sd_bus_error *e = sd_bus_message_get_error(reply)) {
                    result.error_name = e->name ? e->name : "";
                    result.error_message = e->message ? e->message : "";
                    result.timed_out = sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY);
                } else {
                    result.ok = true;
                }
                pending->done(result);
                return 0;
            },
            pending, kReplyTimeoutUs);
    sd_bus_message_unref(call);
    if (r < 0) {
        CallResult result;
        result.error_name = "send";
        result.error_message = strerror(-r);
        auto done_now = std::move(pending->done);
        delete pending;
        done_now(result);
        return;
    }
    sd_bus_slot_set_destroy_callback(slot,
                                     [](void *data) { delete static_cast<AsyncCall *>(data); });
    sd_bus_slot_set_floating(slot, 1);
    sd_bus_slot_unref(slot);
}

void Clipboard::guest_copy(std::string data, CallDone done)
{
    guest_grab(0, serial_ + 1, {kClipboardText}, std::move(data), std::move(done));
}

void Clipboard::guest_grab(uint32_t selection, uint32_t serial,
                           const std::vector<std::string> &mimes, std::string data, CallDone done)
{
    if (selection == 0) {
        serial_ = serial;
        owner_ = has_text(mimes) ? Owner::Guest : Owner::None;
        guest_data_ = std::move(data);
    }
    call_client(
        "Grab",
        [&](sd_bus_message *m) {
            int r = sd_bus_message_append(m, "uu", selection, serial);
            if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "s");
            for (const auto &mime : mimes)
                if (r >= 0)
                    r = sd_bus_message_append(m, "s", mime.c_str());
            return r < 0 ? r : sd_bus_message_close_container(m);
        },
        std::move(done));
}

void Clipboard::guest_release(uint32_t selection, CallDone done)
{
    if (selection == 0 && owner_ == Owner::Guest) {
        owner_ = Owner::None;
        guest_data_.clear();
    }
    call_client(
        "Release", [&](sd_bus_message *m) { return sd_bus_message_append(m, "u", selection); },
        std::move(done));
}

void Clipboard::reset(CallDone done)
{
    serial_ = 0;
    call_client(
        "Register", [](sd_bus_message *) { return 0; }, std::move(done));
}

CallResult Clipboard::guest_paste(uint32_t selection, const std::vector<std::string> &mimes,
                                  std::string *mime, std::string *data)
{
    CallResult result;
    const uint64_t start = monotonic_us();
    sd_bus_message *call = nullptr;
    sd_bus_message *reply = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    int r = sd_bus_message_new_method_call(bus_, &call, nullptr, kClipboardPath,
                                           kClipboardInterface, "Request");
    if (r >= 0)
        r = sd_bus_message_append(call, "u", selection);
    if (r >= 0)
        r = sd_bus_message_open_container(call, 'a', "s");
    for (const auto &type : mimes)
        if (r >= 0)
            r = sd_bus_message_append(call, "s", type.c_str());
    if (r >= 0)
        r = sd_bus_message_close_container(call);
    if (r >= 0)
        r = sd_bus_call(bus_, call, kReplyTimeoutUs, &error, &reply);
    sd_bus_message_unref(call);
    result.elapsed_us = monotonic_us() - start;
    if (r < 0) {
        result.error_name = error.name ? error.name : "send";
        result.error_message = error.message ? error.message : strerror(-r);
        result.timed_out = sd_bus_error_has_name(&error, SD_BUS_ERROR_NO_REPLY);
        sd_bus_error_free(&error);
        return result;
    }
    const char *type = nullptr;
    const void *bytes = nullptr;
    size_t size = 0;
    if (sd_bus_message_read(reply, "s", &type) < 0 ||
        sd_bus_message_read_array(reply, 'y', &bytes, &size) < 0) {
        const char *signature = sd_bus_message_get_signature(reply, 1);
        result.error_name = "bad-reply";
        result.error_message = std::string("Request answered \"") + (signature ? signature : "") +
                               "\", expected \"say\"";
    } else {
        result.ok = true;
        *mime = type;
        data->assign(static_cast<const char *>(bytes), size);
    }
    sd_bus_message_unref(reply);
    return result;
}

} // namespace fake_qemu
