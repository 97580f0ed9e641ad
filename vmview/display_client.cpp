#include "vmview/display_client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <sys/socket.h>

#include "base/log.hpp"
#include "vmview/bus_properties.hpp"

namespace phyllome::vmview {
namespace {

constexpr const char *kVmPath = "/org/qemu/Display1/VM";
constexpr const char *kVmInterface = "org.qemu.Display1.VM";
constexpr const char *kConsoleInterface = "org.qemu.Display1.Console";
constexpr const char *kConsolePathPrefix = "/org/qemu/Display1/Console_";
constexpr const char *kAudioPath = "/org/qemu/Display1/Audio";
constexpr const char *kAudioInterface = "org.qemu.Display1.Audio";
constexpr const char *kKeyboardInterface = "org.qemu.Display1.Keyboard";
constexpr const char *kMouseInterface = "org.qemu.Display1.Mouse";
constexpr uint32_t kMaxQemuButton = 8; // 7.2 does not range-check them

// Bounds what a peer can make us allocate: a VM has a handful of consoles.
constexpr std::size_t kMaxConsoles = 16;

std::string console_path(uint32_t id)
{
    return kConsolePathPrefix + std::to_string(id);
}

// The user data of an asynchronous call on a console: the client and which
// console the reply is for.
struct ConsoleCall {
    ConsoleCall(DisplayClient *c, uint32_t console, std::shared_ptr<std::size_t> counter)
        : client(c), id(console), in_flight(std::move(counter))
    {
        ++*in_flight;
    }
    ~ConsoleCall() { --*in_flight; }
    ConsoleCall(const ConsoleCall &) = delete;
    ConsoleCall &operator=(const ConsoleCall &) = delete;

    DisplayClient *client;
    uint32_t id;
    std::shared_ptr<std::size_t> in_flight; // the client's count, which may outlive it
};

// Hands an asynchronous call's data to its slot, which frees it with the
// call (answered or not); frees it at once if the call was not sent.
bool own_call(int sent, sd_bus_slot *slot, ConsoleCall *call)
{
    if (sent < 0) {
        delete call;
        return false;
    }
    sd_bus_slot_set_destroy_callback(slot,
                                     [](void *data) { delete static_cast<ConsoleCall *>(data); });
    // Floating: the bus takes its own reference to the slot and frees it
    // once the call is answered or the bus goes. Ours must go now, or the
    // slot and its data outlive every call (a leak per call).
    sd_bus_slot_set_floating(slot, 1);
    sd_bus_slot_unref(slot);
    return true;
}

} // namespace

DisplayClient::DisplayClient(wl_event_loop *loop, base::UniqueFd fd, std::string vm_name,
                             Handlers handlers)
    : loop_(loop), vm_name_(std::move(vm_name)), handlers_(std::move(handlers))
{
    int r = sd_bus_new(&bus_);
    if (r >= 0)
        r = sd_bus_set_fd(bus_, fd.get(), fd.get());
    if (r >= 0)
        fd.release();
    if (r >= 0)
        r = sd_bus_negotiate_fds(bus_, 1);
    if (r >= 0)
        r = sd_bus_start(bus_);
    if (r < 0) {
        connected_ = false;
        base::log_info("VM %s: cannot start the display connection: %s", vm_name_.c_str(),
                       std::strerror(-r));
        return;
    }
    // Width and Height changes arrive here, not on the listener connection:
    // they are the 7.2 resize guard's answer.
    sd_bus_match_signal(bus_, &properties_match_, nullptr, nullptr,
                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                        on_properties_changed, this);
    source_ = std::make_unique<BusSource>(loop_, bus_, [this](int error) {
        fail(std::string("connection closed: ") + std::strerror(error));
    });
    read_vm();
    clipboard_ = std::make_unique<Clipboard>(
        bus_, vm_name_, [this] { source_->update(); },
        [this] {
            if (handlers_.clipboard_changed)
                handlers_.clipboard_changed();
        });
    source_->update();
}

DisplayClient::~DisplayClient()
{
    clipboard_.reset();
    consoles_.clear();
    audio_out_.reset();
    audio_in_.reset();
    if (properties_match_)
        sd_bus_slot_unref(properties_match_);
    source_.reset();
    if (bus_)
        sd_bus_flush_close_unref(bus_);
}

void DisplayClient::fail(const std::string &reason)
{
    if (!connected_)
        return;
    connected_ = false;
    base::log_info("VM %s: display %s", vm_name_.c_str(), reason.c_str());
    if (handlers_.closed)
        handlers_.closed(reason); // may destroy this
}

void DisplayClient::read_vm()
{
    // p2p: QEMU is the peer itself, so calls carry no destination.
    const int r =
        sd_bus_call_method_async(bus_, nullptr, nullptr, kVmPath, "org.freedesktop.DBus.Properties",
                                 "GetAll", on_vm_properties, this, "s", kVmInterface);
    if (r < 0)
        fail(std::string("cannot ask for the VM's consoles: ") + std::strerror(-r));
}

int DisplayClient::on_vm_properties(sd_bus_message *reply, void *data, sd_bus_error *)
{
    auto *self = static_cast<DisplayClient *>(data);
    if (sd_bus_message_is_method_error(reply, nullptr)) {
        self->fail(std::string("QEMU did not list its consoles: ") +
                   sd_bus_message_get_error(reply)->message);
        return 0;
    }
    std::vector<uint32_t> ids;
    bool has_interfaces = false; // QEMU 8.1 and newer
    const int r = read_properties(reply, [&](const std::string &name, sd_bus_message *m) {
        if (name == "ConsoleIDs")
            return read_u32_array(m, ids, kMaxConsoles);
        if (name == "Interfaces")
            has_interfaces = true;
        return 0;
    });
    if (r < 0) {
        self->fail("malformed VM properties from QEMU");
        return 0;
    }
    if (ids.empty())
        base::log_info("VM %s: QEMU lists no console", self->vm_name_.c_str());
    for (uint32_t id : ids)
        self->read_console(id);
    // QEMU before 8.0 keys audio listeners by the caller's bus name, which a
    // peer-to-peer connection does not have: registering one there can crash
    // it. 8.1 is the first release that says which it is (VM.Interfaces).
    if (has_interfaces) {
        self->register_audio(AudioListener::Direction::Out);
        self->register_audio(AudioListener::Direction::In);
    } else {
        self->audio_support_ = AudioSupport::OldQemu;
        base::log_info("VM %s: no sound: QEMU older than 8.1 cannot take a sound listener on "
                       "this connection",
                       self->vm_name_.c_str());
    }
    return 0;
}

void DisplayClient::no_audio(const std::string &why)
{
    // One listener taken is sound enough; the first refusal is the reason.
    if (audio_support_ == AudioSupport::Listening || audio_support_ == AudioSupport::None)
        return;
    audio_support_ = AudioSupport::None;
    audio_refusal_ = why;
}

void DisplayClient::register_audio(AudioListener::Direction direction)
{
    const bool out = direction == AudioListener::Direction::Out;
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0) {
        base::log_info("VM %s: sound: socketpair: %s", vm_name_.c_str(), std::strerror(errno));
        no_audio(std::string("socketpair: ") + std::strerror(errno));
        return;
    }
    base::UniqueFd ours(pair[0]), theirs(pair[1]);
    const int r = sd_bus_call_method_async(bus_, nullptr, nullptr, kAudioPath, kAudioInterface,
                                           out ? "RegisterOutListener" : "RegisterInListener",
                                           out ? on_audio_registered<AudioListener::Direction::Out>
                                               : on_audio_registered<AudioListener::Direction::In>,
                                           this, "h", theirs.get());
    if (r < 0) {
        base::log_info("VM %s: sound: cannot register a listener: %s", vm_name_.c_str(),
                       std::strerror(-r));
        no_audio(std::string("cannot register a listener: ") + std::strerror(-r));
        return;
    }
    theirs.reset(); // the message holds its own copy
    source_->update();
    // Our side of the handshake starts with QEMU's answer: QEMU answers
    // before it runs its own side, and a VM without sound answers with an
    // error (then nothing is set up, and nothing is logged twice).
    (out ? audio_out_fd_ : audio_in_fd_) = std::move(ours);
}

template <AudioListener::Direction direction>
int DisplayClient::on_audio_registered(sd_bus_message *reply, void *data, sd_bus_error *)
{
    auto *self = static_cast<DisplayClient *>(data);
    const bool out = direction == AudioListener::Direction::Out;
    base::UniqueFd fd = std::move(out ? self->audio_out_fd_ : self->audio_in_fd_);
    if (sd_bus_message_is_method_error(reply, nullptr)) {
        // QEMU has no Audio object without `-audiodev dbus`. Said once:
        // the input is refused alike.
        const sd_bus_error *error = sd_bus_message_get_error(reply);
        const std::string message = error->message ? error->message
                                    : error->name  ? error->name
                                                   : "refused";
        if (out)
            base::log_info("VM %s: no sound: %s", self->vm_name_.c_str(), message.c_str());
        self->no_audio(message);
        return 0;
    }
    self->audio_support_ = AudioSupport::Listening;
    auto &listener = out ? self->audio_out_ : self->audio_in_;
    listener = std::make_unique<AudioListener>(self->loop_, direction, self->vm_name_,
                                               std::move(fd), nullptr);
    if (self->handlers_.audio_added)
        self->handlers_.audio_added(*listener);
    return 0;
}

void DisplayClient::read_console(uint32_t id)
{
    auto *call = new ConsoleCall(this, id, calls_in_flight_);
    sd_bus_slot *slot = nullptr;
    const int r = sd_bus_call_method_async(
        bus_, &slot, nullptr, console_path(id).c_str(), "org.freedesktop.DBus.Properties", "GetAll",
        [](sd_bus_message *reply, void *data, sd_bus_error *) {
            auto *call = static_cast<ConsoleCall *>(data);
            DisplayClient *self = call->client;
            Console::Info info;
            info.id = call->id;
            if (sd_bus_message_is_method_error(reply, nullptr)) {
                base::log_info("VM %s: console %u: %s", self->vm_name_.c_str(), info.id,
                               sd_bus_message_get_error(reply)->message);
                return 0;
            }
            const int r = read_properties(reply, [&](const std::string &name, sd_bus_message *m) {
                if (name == "Label")
                    return read_string(m, info.label);
                if (name == "Head")
                    return read_u32(m, info.head);
                if (name == "Width")
                    return read_u32(m, info.width);
                if (name == "Height")
                    return read_u32(m, info.height);
                return 0;
            });
            if (r < 0) {
                base::log_info("VM %s: console %u: malformed properties", self->vm_name_.c_str(),
                               info.id);
                return 0;
            }
            self->register_listener(std::move(info));
            return 0;
        },
        call, "s", kConsoleInterface);
    if (!own_call(r, slot, call)) {
        fail(std::string("cannot read a console: ") + std::strerror(-r));
        return;
    }
}

void DisplayClient::register_listener(Console::Info info)
{
    if (find_console(info.id))
        return;
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) != 0) {
        base::log_info("VM %s: console %u: socketpair: %s", vm_name_.c_str(), info.id,
                       std::strerror(errno));
        return;
    }
    base::UniqueFd ours(pair[0]), theirs(pair[1]);
    // QEMU answers RegisterListener before it starts its side of the
    // listener handshake, so the call goes first and nothing here waits.
    const uint32_t id = info.id;
    const int r = sd_bus_call_method_async(
        bus_, nullptr, nullptr, console_path(id).c_str(), kConsoleInterface, "RegisterListener",
        [](sd_bus_message *reply, void *data, sd_bus_error *) {
            auto *self = static_cast<DisplayClient *>(data);
            if (sd_bus_message_is_method_error(reply, nullptr))
                base::log_info("VM %s: RegisterListener failed: %s", self->vm_name_.c_str(),
                               sd_bus_message_get_error(reply)->message);
            return 0;
        },
        this, "h", theirs.get());
    if (r < 0) {
        base::log_info("VM %s: console %u: RegisterListener: %s", vm_name_.c_str(), id,
                       std::strerror(-r));
        return;
    }
    theirs.reset(); // the message holds its own copy
    source_->update();

    Console::Handlers console_handlers;
    console_handlers.size_check = [this, id] {
        if (Console *c = find_console(id))
            refresh_console_size(*c);
    };
    console_handlers.disconnected = [this, id] {
        if (Console *c = find_console(id); c && handlers_.console_disconnected)
            handlers_.console_disconnected(*c);
    };
    auto console = std::make_unique<Console>(loop_, std::move(info), vm_name_, std::move(ours),
                                             std::move(console_handlers));
    Console &added = *console;
    consoles_.push_back(std::move(console));
    read_input_properties(id);
    if (handlers_.console_added)
        handlers_.console_added(added);
}

void DisplayClient::refresh_console_size(Console &console)
{
    auto *call = new ConsoleCall(this, console.info().id, calls_in_flight_);
    sd_bus_slot *slot = nullptr;
    const int r = sd_bus_call_method_async(
        bus_, &slot, nullptr, console_path(console.info().id).c_str(),
        "org.freedesktop.DBus.Properties", "GetAll",
        [](sd_bus_message *reply, void *data, sd_bus_error *) {
            auto *call = static_cast<ConsoleCall *>(data);
            Console *console = call->client->find_console(call->id);
            if (!console || sd_bus_message_is_method_error(reply, nullptr))
                return 0;
            uint32_t width = 0, height = 0;
            if (read_properties(reply, [&](const std::string &name, sd_bus_message *m) {
                    if (name == "Width")
                        return read_u32(m, width);
                    if (name == "Height")
                        return read_u32(m, height);
                    return 0;
                }) >= 0)
                console->set_console_size(width, height);
            return 0;
        },
        call, "s", kConsoleInterface);
    if (!own_call(r, slot, call))
        return;
    source_->update();
}

int DisplayClient::on_properties_changed(sd_bus_message *m, void *data, sd_bus_error *)
{
    auto *self = static_cast<DisplayClient *>(data);
    const char *path = sd_bus_message_get_path(m);
    const std::string prefix = kConsolePathPrefix;
    if (!path || std::strncmp(path, prefix.c_str(), prefix.size()) != 0)
        return 0;
    char *end = nullptr;
    const unsigned long id = std::strtoul(path + prefix.size(), &end, 10);
    Console *console =
        (end && *end == '\0') ? self->find_console(static_cast<uint32_t>(id)) : nullptr;
    const char *interface = nullptr;
    if (!console || sd_bus_message_read(m, "s", &interface) < 0)
        return 0;
    if (std::strcmp(interface, kMouseInterface) == 0 ||
        std::strcmp(interface, kKeyboardInterface) == 0) {
        self->apply_input_properties(console->info().id, m);
        return 0;
    }
    if (std::strcmp(interface, kConsoleInterface) != 0)
        return 0;
    std::optional<uint32_t> width, height;
    read_properties(m, [&](const std::string &name, sd_bus_message *value) {
        uint32_t v = 0;
        int r = 0;
        if (name == "Width" && (r = read_u32(value, v)) > 0)
            width = v;
        else if (name == "Height" && (r = read_u32(value, v)) > 0)
            height = v;
        return r;
    });
    if (width || height)
        console->set_console_size(width.value_or(console->info().width),
                                  height.value_or(console->info().height));
    return 0;
}

void DisplayClient::set_ui_info(uint32_t console_id, uint32_t width, uint32_t height,
                                uint16_t width_mm, uint16_t height_mm)
{
    const UiInfo info{width, height, width_mm, height_mm};
    auto sent = ui_info_sent_.find(console_id);
    if (!connected_ || (sent != ui_info_sent_.end() && sent->second == info) ||
        ui_info_unsupported_.count(console_id))
        return;
    ui_info_sent_[console_id] = info;
    auto *call = new ConsoleCall(this, console_id, calls_in_flight_);
    sd_bus_slot *slot = nullptr;
    const int r = sd_bus_call_method_async(
        bus_, &slot, nullptr, console_path(console_id).c_str(), kConsoleInterface, "SetUIInfo",
        [](sd_bus_message *reply, void *data, sd_bus_error *) {
            auto *call = static_cast<ConsoleCall *>(data);
            if (!sd_bus_message_is_method_error(reply, nullptr))
                return 0;
            DisplayClient *self = call->client;
            const sd_bus_error *error = sd_bus_message_get_error(reply);
            // A device that cannot (standard VGA) never will while this
            // QEMU runs: not asked again.
            if (sd_bus_message_is_method_error(reply, "org.qemu.Display1.Error.Unsupported"))
                self->ui_info_unsupported_.insert(call->id);
            const std::string why = error && error->message ? error->message : "refused";
            if (self->handlers_.ui_info_unsupported)
                self->handlers_.ui_info_unsupported(call->id, why);
            else
                base::log_info("VM %s: console %u keeps its size (%s): scaling applies",
                               self->vm_name_.c_str(), call->id, why.c_str());
            return 0;
        },
        call, "qqiiuu", width_mm, height_mm, 0, 0, width, height);
    if (!own_call(r, slot, call))
        return;
    source_->update();
}

void DisplayClient::apply_input_properties(uint32_t console_id, sd_bus_message *m)
{
    InputState &state = input_[console_id];
    const uint32_t leds_before = state.leds;
    std::optional<bool> absolute;
    read_properties(m, [&](const std::string &name, sd_bus_message *value) {
        if (name == "IsAbsolute") {
            bool is_absolute = false;
            const int r = read_bool(value, is_absolute);
            if (r >= 0)
                absolute = is_absolute;
            return r;
        }
        if (name == "Modifiers")
            return read_u32(value, state.leds);
        return 0;
    });
    if (state.leds != leds_before && handlers_.keyboard_leds)
        handlers_.keyboard_leds(console_id, state.leds);
    if (absolute)
        set_mouse_absolute(console_id, *absolute);
}

void DisplayClient::set_mouse_absolute(uint32_t console_id, bool absolute)
{
    InputState &state = input_[console_id];
    if (state.absolute == absolute)
        return;
    state.absolute = absolute;
    base::log_info("VM %s: console %u: the guest's pointer is %s", vm_name_.c_str(), console_id,
                   absolute ? "absolute" : "relative");
    if (handlers_.pointer_mode)
        handlers_.pointer_mode(console_id, absolute);
}

void DisplayClient::read_input_properties(uint32_t console_id)
{
    for (const char *interface : {kKeyboardInterface, kMouseInterface}) {
        auto *call = new ConsoleCall(this, console_id, calls_in_flight_);
        sd_bus_slot *slot = nullptr;
        const int r = sd_bus_call_method_async(
            bus_, &slot, nullptr, console_path(console_id).c_str(),
            "org.freedesktop.DBus.Properties", "GetAll",
            [](sd_bus_message *reply, void *data, sd_bus_error *) {
                auto *call = static_cast<ConsoleCall *>(data);
                if (!sd_bus_message_is_method_error(reply, nullptr))
                    call->client->apply_input_properties(call->id, reply);
                return 0;
            },
            call, "s", interface);
        own_call(r, slot, call);
    }
}

void DisplayClient::call_input(uint32_t console_id, const char *interface, const char *method,
                               bool needs_reply, const char *signature, ...)
{
    if (!connected_ || !find_console(console_id))
        return;
    sd_bus_message *message = nullptr;
    int r = sd_bus_message_new_method_call(bus_, &message, nullptr,
                                           console_path(console_id).c_str(), interface, method);
    if (r >= 0) {
        va_list args;
        va_start(args, signature);
        r = sd_bus_message_appendv(message, signature, args);
        va_end(args);
    }
    if (!needs_reply) {
        // Keys and buttons: nothing to learn from the reply, so none is
        // asked for and no call is tracked per event.
        if (r >= 0)
            r = sd_bus_message_set_expect_reply(message, 0);
        if (r >= 0)
            sd_bus_send(bus_, message, nullptr);
        sd_bus_message_unref(message);
        source_->update();
        return;
    }
    // The reply matters for the pointer form QEMU refuses.
    auto *call = new ConsoleCall(this, console_id, calls_in_flight_);
    sd_bus_slot *slot = nullptr;
    if (r >= 0)
        r = sd_bus_call_async(
            bus_, &slot, message,
            [](sd_bus_message *reply, void *data, sd_bus_error *) {
                auto *call = static_cast<ConsoleCall *>(data);
                const sd_bus_error *error = sd_bus_message_get_error(reply);
                if (!error || !error->message)
                    return 0;
                if (std::strstr(error->message, "not absolute"))
                    call->client->set_mouse_absolute(call->id, false);
                else if (std::strstr(error->message, "not relative"))
                    call->client->set_mouse_absolute(call->id, true);
                return 0;
            },
            call, 0);
    sd_bus_message_unref(message);
    if (!own_call(r, slot, call))
        return;
    source_->update();
}

void DisplayClient::key(uint32_t console_id, uint32_t qnum, bool pressed)
{
    call_input(console_id, kKeyboardInterface, pressed ? "Press" : "Release", false, "u", qnum);
}

void DisplayClient::button(uint32_t console_id, uint32_t button, bool pressed)
{
    if (button > kMaxQemuButton)
        return;
    call_input(console_id, kMouseInterface, pressed ? "Press" : "Release", false, "u", button);
}

void DisplayClient::motion(uint32_t console_id, uint32_t x, uint32_t y, int32_t dx, int32_t dy)
{
    if (mouse_absolute(console_id))
        motion_absolute(console_id, x, y);
    else
        motion_relative(console_id, dx, dy);
}

void DisplayClient::motion_absolute(uint32_t console_id, uint32_t x, uint32_t y)
{
    const Console *console = find_console(console_id);
    if (!console)
        return;
    // QEMU refuses positions outside the console.
    const uint32_t width = std::max(console->info().width, 1u);
    const uint32_t height = std::max(console->info().height, 1u);
    call_input(console_id, kMouseInterface, "SetAbsPosition", true, "uu", std::min(x, width - 1),
               std::min(y, height - 1));
}

void DisplayClient::motion_relative(uint32_t console_id, int32_t dx, int32_t dy)
{
    if (dx != 0 || dy != 0)
        call_input(console_id, kMouseInterface, "RelMotion", true, "ii", dx, dy);
}

bool DisplayClient::mouse_absolute(uint32_t console_id) const
{
    auto it = input_.find(console_id);
    return it == input_.end() || it->second.absolute;
}

uint32_t DisplayClient::keyboard_leds(uint32_t console_id) const
{
    auto it = input_.find(console_id);
    return it == input_.end() ? 0 : it->second.leds;
}

const Console *DisplayClient::find_console(uint32_t id) const
{
    for (const auto &console : consoles_)
        if (console->info().id == id)
            return console.get();
    return nullptr;
}

Console *DisplayClient::find_console(uint32_t id)
{
    for (auto &console : consoles_)
        if (console->info().id == id)
            return console.get();
    return nullptr;
}

} // namespace phyllome::vmview
