// A client of one VM's QEMU D-Bus display (org.qemu.Display1) over a
// peer-to-peer connection: QEMU's side of `add_client`, handed to us as a
// connected socket. It finds the consoles, registers a Listener for each and
// keeps their sizes current. Everything runs on the compositor's loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <systemd/sd-bus.h>
#include <wayland-server-core.h>

#include "base/unique_fd.hpp"
#include "vmview/audio_listener.hpp"
#include "vmview/bus_source.hpp"
#include "vmview/clipboard.hpp"
#include "vmview/console.hpp"

namespace phyllome::vmview {

class DisplayClient {
public:
    struct Handlers {
        // A console's listener is registered; frames follow.
        std::function<void(Console &console)> console_added;
        // A console's listener connection ended.
        std::function<void(Console &console)> console_disconnected;
        // The connection to QEMU ended (QEMU quit, the VM stopped, a
        // protocol error); the client is unusable afterwards.
        std::function<void(const std::string &reason)> closed;
        // SetUIInfo refused, with QEMU's reason (see set_ui_info).
        std::function<void(uint32_t console_id, const std::string &why)> ui_info_unsupported;
        // The guest's pointer changed form (QEMU said so, or refused a
        // motion in the old form, which is then lost): the caller sends the
        // position again so that the guest's cursor is where the seat's is.
        std::function<void(uint32_t console_id, bool absolute)> pointer_mode;
        // The guest's keyboard LEDs changed (see keyboard_leds()).
        std::function<void(uint32_t console_id, uint32_t leds)> keyboard_leds;
        // QEMU took our sound output or input listener (only with a D-Bus
        // audiodev); its voices follow.
        std::function<void(AudioListener &listener)> audio_added;
        // The clipboard's registration, the guest's text or our offer
        // changed (see clipboard()).
        std::function<void()> clipboard_changed;
    };

    DisplayClient(wl_event_loop *loop, base::UniqueFd fd, std::string vm_name, Handlers handlers);
    ~DisplayClient();
    DisplayClient(const DisplayClient &) = delete;
    DisplayClient &operator=(const DisplayClient &) = delete;

    const std::string &vm_name() const { return vm_name_; }
    const std::vector<std::unique_ptr<Console>> &consoles() const { return consoles_; }
    // The sound listeners QEMU took; null without a D-Bus audiodev (or
    // before QEMU answered).
    AudioListener *audio(AudioListener::Direction direction) const
    {
        return (direction == AudioListener::Direction::Out ? audio_out_ : audio_in_).get();
    }
    bool connected() const { return connected_; }
    // The VM's clipboard peer (org.qemu.Display1.Clipboard); null when the
    // connection could not start.
    Clipboard *clipboard() const { return clipboard_.get(); }

    // Where the VM's sound stands with QEMU.
    enum class AudioSupport {
        Asking,    // QEMU has not said yet
        Listening, // QEMU took our sound listeners (audio(): both, or one)
        OldQemu,   // QEMU before 8.1: its D-Bus audio is left alone
        None,      // no listener: no D-Bus audiodev (audio_refusal() says why)
    };
    AudioSupport audio_support() const { return audio_support_; }
    // QEMU's answer when it took no listener (AudioSupport::None).
    const std::string &audio_refusal() const { return audio_refusal_; }

    // Asks the guest to take this size for a console (Console.SetUIInfo):
    // the output's resolution and physical size. A repeat of the last
    // request is not sent. Devices without the hook (standard VGA) refuse;
    // the ui_info_unsupported handler is then told, that console is not asked again
    // on this connection, and the scaling setting applies.
    void set_ui_info(uint32_t console_id, uint32_t width, uint32_t height, uint16_t width_mm,
                     uint16_t height_mm);

    // Input for a console, in order, on the main connection. Keys are
    // qnum codes; buttons are QEMU's (left 0, middle 1, right 2, wheel up 3,
    // down 4, side 5, extra 6, wheel left 7, right 8). Calls for a console
    // that does not exist, or after the connection closed, are dropped.
    void key(uint32_t console_id, uint32_t qnum, bool pressed);
    void button(uint32_t console_id, uint32_t button, bool pressed);
    // Pointer motion in both forms; the one the guest takes is sent. QEMU
    // 7.2 reports IsAbsolute wrongly until the mode first changes, so a
    // refusal ("Mouse is not absolute/relative") flips the form used.
    void motion(uint32_t console_id, uint32_t x, uint32_t y, int32_t dx, int32_t dy);
    // One form only, for a caller that already chose by mouse_absolute().
    void motion_absolute(uint32_t console_id, uint32_t x, uint32_t y);
    void motion_relative(uint32_t console_id, int32_t dx, int32_t dy);
    bool mouse_absolute(uint32_t console_id) const;

    // Asynchronous calls still waiting for QEMU's answer; each holds a
    // little memory until answered or the connection closes.
    std::size_t calls_in_flight() const { return *calls_in_flight_; }
    // The guest's keyboard LEDs (Keyboard.Modifiers: scroll 1, num 2, caps 4).
    uint32_t keyboard_leds(uint32_t console_id) const;

private:
    void fail(const std::string &reason);
    void read_vm();
    void read_console(uint32_t id);
    void register_listener(Console::Info info);
    void register_audio(AudioListener::Direction direction);
    void no_audio(const std::string &why);
    void refresh_console_size(Console &console);
    Console *find_console(uint32_t id);
    const Console *find_console(uint32_t id) const;

    static int on_vm_properties(sd_bus_message *reply, void *data, sd_bus_error *error);
    template <AudioListener::Direction direction>
    static int on_audio_registered(sd_bus_message *reply, void *data, sd_bus_error *error);
    static int on_properties_changed(sd_bus_message *m, void *data, sd_bus_error *error);

    wl_event_loop *loop_;
    std::string vm_name_;
    Handlers handlers_;
    sd_bus *bus_ = nullptr;
    std::unique_ptr<BusSource> source_;
    bool connected_ = true;
    std::vector<std::unique_ptr<Console>> consoles_;
    std::unique_ptr<AudioListener> audio_out_, audio_in_;
    std::unique_ptr<Clipboard> clipboard_;
    base::UniqueFd audio_out_fd_, audio_in_fd_; // ours, until QEMU answers
    AudioSupport audio_support_ = AudioSupport::Asking;
    std::string audio_refusal_;
    struct UiInfo {
        uint32_t width, height;
        uint16_t width_mm, height_mm;
        bool operator==(const UiInfo &) const = default;
    };
    std::map<uint32_t, UiInfo> ui_info_sent_;
    std::set<uint32_t> ui_info_unsupported_;
    struct InputState {
        bool absolute = true; // tried first: 7.2 misreports it as false
        uint32_t leds = 0;
    };
    std::map<uint32_t, InputState> input_;
    void read_input_properties(uint32_t console_id);
    void set_mouse_absolute(uint32_t console_id, bool absolute);
    void apply_input_properties(uint32_t console_id, sd_bus_message *m);
    // `needs_reply`: the reply is read (pointer motion: QEMU refuses the
    // wrong form); otherwise the call is sent without one.
    void call_input(uint32_t console_id, const char *interface, const char *method,
                    bool needs_reply, const char *signature, ...);
    sd_bus_slot *properties_match_ = nullptr;
    std::shared_ptr<std::size_t> calls_in_flight_ = std::make_shared<std::size_t>(0);
};

} // namespace phyllome::vmview
