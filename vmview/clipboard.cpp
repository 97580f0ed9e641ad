#include "vmview/clipboard.hpp"

#include <bit>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/log.hpp"
#include "vmview/clipboard_checks.hpp"

namespace phyllome::vmview {
namespace {

constexpr const char *kPath = "/org/qemu/Display1/Clipboard";
constexpr const char *kInterface = "org.qemu.Display1.Clipboard";
constexpr const char *kErrorInvalid = "org.qemu.Display1.Error.Invalid";
constexpr const char *kErrorFailed = "org.qemu.Display1.Error.Failed";
// QEMU gives up on the guest after 5 s; a little more covers the bus.
constexpr uint64_t kTakeTimeoutUs = 10'000'000;

// Reads an `as` argument, refusing more than kMaxClipboardMimes entries
// before keeping them all. < 0: malformed; *why set: refused.
int read_mimes(sd_bus_message *m, std::vector<std::string> &out, std::optional<std::string> &why)
{
    int r = sd_bus_message_enter_container(m, 'a', "s");
    if (r < 0)
        return r;
    const char *mime = nullptr;
    while ((r = sd_bus_message_read(m, "s", &mime)) > 0) {
        if (out.size() == kMaxClipboardMimes) {
            why = "more than " + std::to_string(kMaxClipboardMimes) + " MIME types";
            return 0;
        }
        out.emplace_back(mime);
    }
    if (r < 0)
        return r;
    r = sd_bus_message_exit_container(m);
    if (r < 0)
        return r;
    why = check_clipboard_mimes(out);
    return 0;
}

} // namespace

const sd_bus_vtable Clipboard::kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Register", "", "", on_register, 0),
    SD_BUS_METHOD("Unregister", "", "", on_unregister, 0),
    SD_BUS_METHOD("Grab", "uuas", "", on_grab, 0),
    SD_BUS_METHOD("Release", "u", "", on_release, 0),
    SD_BUS_METHOD("Request", "uas", "say", on_request, 0),
    // QEMU 8.1 reads it (no optional interfaces here); older QEMU ignores it.
    SD_BUS_PROPERTY("Interfaces", "as", get_interfaces, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_VTABLE_END,
};

Clipboard::Clipboard(sd_bus *bus, std::string vm_name, std::function<void()> flush,
                     std::function<void()> changed)
    : bus_(bus), vm_name_(std::move(vm_name)), flush_(std::move(flush)),
      changed_(std::move(changed))
{
    // Exported first: QEMU reads our properties inside its Register handler.
    int r = sd_bus_add_object_vtable(bus_, &object_slot_, kPath, kInterface, kVtable, this);
    if (r >= 0)
        r = sd_bus_call_method_async(bus_, &register_slot_, nullptr, kPath, kInterface, "Register",
                                     on_registered, this, "");
    if (r < 0) {
        state_ = State::Failed;
        error_ = std::string("cannot register: ") + std::strerror(-r);
        base::log_info("VM %s: clipboard: %s", vm_name_.c_str(), error_.c_str());
    }
}

Clipboard::~Clipboard()
{
    // Unanswered calls are dropped with their slots: no callback runs later.
    sd_bus_slot_unref(take_slot_);
    sd_bus_slot_unref(grab_slot_);
    sd_bus_slot_unref(register_slot_);
    sd_bus_slot_unref(object_slot_);
}

std::string Clipboard::status_text() const
{
    switch (state_) {
    case State::Registering:
        return "registering";
    case State::Registered:
        return "registered";
    case State::OldQemuStuck:
        return "QEMU 7.2: unavailable until the VM restarts";
    case State::Failed:
        break;
    }
    return "error: " + error_;
}

void Clipboard::notify()
{
    if (changed_)
        changed_();
}

int Clipboard::refuse(sd_bus_error *error, const char *method, const std::string &why)
{
    ++calls_refused_;
    // A guest can make QEMU call as often as it likes: the first few and
    // then powers of two are logged.
    if (calls_refused_ < 4 || std::has_single_bit(calls_refused_))
        base::log_info("VM %s: clipboard: %s refused: %s (%llu refused so far)", vm_name_.c_str(),
                       method, why.c_str(), static_cast<unsigned long long>(calls_refused_));
    return sd_bus_error_set(error, kErrorInvalid, why.c_str());
}

int Clipboard::on_registered(sd_bus_message *reply, void *data, sd_bus_error *)
{
    auto *self = static_cast<Clipboard *>(data);
    self->register_slot_ = sd_bus_slot_unref(self->register_slot_);
    if (const sd_bus_error *error = sd_bus_message_get_error(reply)) {
        const std::string message = error->message ? error->message : "refused";
        if (message.find("already registered") != std::string::npos) {
            self->state_ = State::OldQemuStuck;
            self->error_ = message;
        } else {
            self->state_ = State::Failed;
            self->error_ = message;
        }
        base::log_info("VM %s: clipboard: Register failed: %s", self->vm_name_.c_str(),
                       message.c_str());
    } else {
        self->state_ = State::Registered;
        self->error_.clear();
        base::log_info("VM %s: clipboard registered", self->vm_name_.c_str());
    }
    self->notify();
    return 0;
}

// QEMU calls our Register after ours succeeded, and whenever the guest's
// agent connects again: the serial restarts, and what either side had
// announced is gone.
int Clipboard::on_register(sd_bus_message *m, void *data, sd_bus_error *)
{
    auto *self = static_cast<Clipboard *>(data);
    self->serial_ = 0;
    self->guest_has_text_ = false;
    self->offer_.reset();
    self->notify();
    return sd_bus_reply_method_return(m, "");
}

int Clipboard::on_unregister(sd_bus_message *m, void *data, sd_bus_error *)
{
    auto *self = static_cast<Clipboard *>(data);
    self->guest_has_text_ = false;
    self->offer_.reset();
    self->notify();
    return sd_bus_reply_method_return(m, "");
}

int Clipboard::on_grab(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<Clipboard *>(data);
    uint32_t selection = 0, serial = 0;
    std::vector<std::string> mimes;
    std::optional<std::string> why;
    if (sd_bus_message_read(m, "uu", &selection, &serial) < 0 || read_mimes(m, mimes, why) < 0)
        return self->refuse(error, "Grab", "unreadable arguments");
    if (why)
        return self->refuse(error, "Grab", *why);
    if (selection != kClipboardSelection)
        return sd_bus_reply_method_return(m, ""); // Primary, Secondary: not ours to follow
    // The highest serial owns the clipboard; on a tie our offer stays.
    if (serial < self->serial_ || (serial == self->serial_ && self->offer_))
        return sd_bus_reply_method_return(m, "");
    self->serial_ = serial;
    self->offer_.reset();
    self->guest_has_text_ = lists_clipboard_text(mimes);
    self->notify();
    return sd_bus_reply_method_return(m, "");
}

int Clipboard::on_release(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<Clipboard *>(data);
    uint32_t selection = 0;
    if (sd_bus_message_read(m, "u", &selection) < 0)
        return self->refuse(error, "Release", "unreadable arguments");
    if (selection == kClipboardSelection && self->guest_has_text_) {
        self->guest_has_text_ = false;
        self->notify();
    }
    return sd_bus_reply_method_return(m, "");
}

// The guest pastes what we offered. QEMU waits for this answer with the VM
// stopped, so it comes from memory at once, or as an error.
int Clipboard::on_request(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<Clipboard *>(data);
    uint32_t selection = 0;
    std::vector<std::string> mimes;
    std::optional<std::string> why;
    if (sd_bus_message_read(m, "u", &selection) < 0 || read_mimes(m, mimes, why) < 0)
        return self->refuse(error, "Request", "unreadable arguments");
    if (why)
        return self->refuse(error, "Request", *why);
    if (auto bad = check_clipboard_selection(selection))
        return self->refuse(error, "Request", *bad);
    if (!lists_clipboard_text(mimes))
        return self->refuse(error, "Request", "only text/plain;charset=utf-8 is offered");
    if (!self->offer_)
        return sd_bus_error_set(error, kErrorFailed, "Nothing is offered");
    sd_bus_message *reply = nullptr;
    int r = sd_bus_message_new_method_return(m, &reply);
    if (r >= 0)
        r = sd_bus_message_append(reply, "s", std::string(kClipboardTextMime).c_str());
    if (r >= 0)
        r = sd_bus_message_append_array(reply, 'y', self->offer_->data(), self->offer_->size());
    if (r >= 0)
        r = sd_bus_send(nullptr, reply, nullptr);
    sd_bus_message_unref(reply);
    if (r >= 0)
        ++self->requests_answered_;
    return r < 0 ? r : 1;
}

int Clipboard::get_interfaces(sd_bus *, const char *, const char *, const char *,
                              sd_bus_message *reply, void *, sd_bus_error *)
{
    return sd_bus_message_append(reply, "as", 0);
}

void Clipboard::take(TakeDone done)
{
    if (state_ != State::Registered)
        return done(std::nullopt, "the clipboard is " + status_text());
    if (take_slot_)
        return done(std::nullopt, "a copy from this VM is already under way");
    if (!guest_has_text_)
        return done(std::nullopt, "nothing was copied in the VM");
    const std::string mime(kClipboardTextMime);
    sd_bus_message *call = nullptr;
    int r = sd_bus_message_new_method_call(bus_, &call, nullptr, kPath, kInterface, "Request");
    if (r >= 0)
        r = sd_bus_message_append(call, "u", kClipboardSelection);
    if (r >= 0)
        r = sd_bus_message_append(call, "as", 1, mime.c_str());
    if (r >= 0)
        r = sd_bus_call_async(bus_, &take_slot_, call, on_take_reply, this, kTakeTimeoutUs);
    sd_bus_message_unref(call);
    if (r < 0)
        return done(std::nullopt, std::string("cannot ask QEMU: ") + std::strerror(-r));
    take_done_ = std::move(done);
    if (flush_)
        flush_();
}

int Clipboard::on_take_reply(sd_bus_message *reply, void *data, sd_bus_error *)
{
    auto *self = static_cast<Clipboard *>(data);
    if (const sd_bus_error *error = sd_bus_message_get_error(reply)) {
        self->finish_take(std::nullopt, error->message ? error->message : "refused");
        return 0;
    }
    const char *mime = nullptr;
    const void *bytes = nullptr;
    size_t size = 0;
    if (sd_bus_message_read(reply, "s", &mime) < 0 ||
        sd_bus_message_read_array(reply, 'y', &bytes, &size) < 0) {
        self->finish_take(std::nullopt, "QEMU's answer is malformed");
        return 0;
    }
    const std::span<const uint8_t> data_span(static_cast<const uint8_t *>(bytes), size);
    if (auto why = check_clipboard_reply(mime, data_span)) {
        ++self->calls_refused_;
        self->finish_take(std::nullopt, *why);
        return 0;
    }
    self->finish_take(std::string(static_cast<const char *>(bytes), size), {});
    return 0;
}

void Clipboard::finish_take(std::optional<std::string> text, const std::string &error)
{
    take_slot_ = sd_bus_slot_unref(take_slot_);
    TakeDone done = std::move(take_done_);
    take_done_ = nullptr;
    if (!text)
        base::log_info("VM %s: clipboard: nothing taken: %s", vm_name_.c_str(), error.c_str());
    if (done)
        done(std::move(text), error); // may destroy this
}

int Clipboard::on_grab_reply(sd_bus_message *reply, void *data, sd_bus_error *)
{
    auto *self = static_cast<Clipboard *>(data);
    self->grab_slot_ = sd_bus_slot_unref(self->grab_slot_);
    if (const sd_bus_error *error = sd_bus_message_get_error(reply)) {
        base::log_info("VM %s: clipboard: QEMU refused the offer: %s", self->vm_name_.c_str(),
                       error->message ? error->message : "no reason");
        self->offer_.reset();
    }
    self->notify();
    return 0;
}

std::string Clipboard::offer(std::string text)
{
    if (state_ != State::Registered)
        return "the clipboard is " + status_text();
    if (auto why = check_clipboard_reply(
            kClipboardTextMime, {reinterpret_cast<const uint8_t *>(text.data()), text.size()}))
        return *why;
    const uint32_t serial = serial_ + 1;
    const std::string mime(kClipboardTextMime);
    sd_bus_message *call = nullptr;
    int r = sd_bus_message_new_method_call(bus_, &call, nullptr, kPath, kInterface, "Grab");
    if (r >= 0)
        r = sd_bus_message_append(call, "uu", kClipboardSelection, serial);
    if (r >= 0)
        r = sd_bus_message_append(call, "as", 1, mime.c_str());
    // A newer offer replaces the older one, whose answer no longer matters.
    grab_slot_ = sd_bus_slot_unref(grab_slot_);
    if (r >= 0)
        r = sd_bus_call_async(bus_, &grab_slot_, call, on_grab_reply, this, 0);
    sd_bus_message_unref(call);
    if (r < 0)
        return std::string("cannot offer: ") + std::strerror(-r);
    serial_ = serial;
    guest_has_text_ = false;
    offer_ = std::move(text);
    if (flush_)
        flush_();
    notify();
    return {};
}

} // namespace phyllome::vmview
