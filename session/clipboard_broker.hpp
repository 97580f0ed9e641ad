// Copy and paste between VMs, only when the person asks. Each seat has a
// buffer (or all seats share one, with clipboard_across_seats); text
// moves only on a seat's chord: `take` copies the shown VM's clipboard into
// the seat's buffer, `give` offers that buffer to the VM the seat shows
// now. A buffer taken on one seat is never given on another unless the
// seats share one. Every step ends in a banner for the seat, which names
// sizes and VMs, never the content. No wlroots here: the banner is the
// caller's to draw.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace phyllome::vmview {
class Clipboard;
}

namespace phyllome {

class ClipboardBroker {
public:
    // Shows `text` on the seat's screens.
    using Banner = std::function<void(const std::string &seat, const std::string &text)>;

    explicit ClipboardBroker(Banner banner);
    ~ClipboardBroker();
    ClipboardBroker(const ClipboardBroker &) = delete;
    ClipboardBroker &operator=(const ClipboardBroker &) = delete;

    // What a chord acts on: the seat, whether seats share one buffer, the
    // VM the seat shows (nullopt: none) and that VM's clipboard (null: not
    // connected).
    struct Where {
        std::string seat;
        bool across_seats = false;
        std::optional<std::string> vm;
        vmview::Clipboard *clipboard = nullptr;
        // Whether libvirt's definition has the qemu-vdagent channel with the
        // clipboard on (nullopt: not known, a VM not followed through libvirt).
        std::optional<bool> channel;
    };
    void take(const Where &where);
    void give(const Where &where);

    // The buffers, for status: sizes and origins only.
    struct BufferInfo {
        std::string seat; // the seat it belongs to; empty for the shared buffer
        std::size_t bytes = 0;
        std::string from_vm;
        std::string from_seat;
    };
    std::vector<BufferInfo> buffers() const;
    // The buffer `seat` would give from, if any.
    std::optional<BufferInfo> buffer_for(const std::string &seat, bool across_seats) const;

private:
    // Why the VM's clipboard cannot be used now; empty when it can.
    static std::string unusable(const Where &where);
    struct Buffer {
        std::string text;
        std::string from_vm;
        std::string from_seat;
    };
    // Which buffer a seat uses: its own, or the shared one ("").
    static std::string key(const std::string &seat, bool across_seats);
    // Switching between shared and per-seat buffers empties them all, so
    // that nothing taken under one rule is given under the other.
    void follow_mode(bool across_seats);

    Banner banner_;
    std::map<std::string, Buffer> buffers_;
    std::optional<bool> across_seats_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace phyllome
