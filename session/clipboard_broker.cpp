#include "session/clipboard_broker.hpp"

#include "base/log.hpp"
#include "vmview/clipboard.hpp"
#include "vmview/clipboard_checks.hpp"

namespace phyllome {

ClipboardBroker::ClipboardBroker(Banner banner) : banner_(std::move(banner))
{
}

ClipboardBroker::~ClipboardBroker()
{
    *alive_ = false; // a take still under way finds nothing to fill
}

std::string ClipboardBroker::key(const std::string &seat, bool across_seats)
{
    return across_seats ? std::string() : seat;
}

void ClipboardBroker::follow_mode(bool across_seats)
{
    if (across_seats_ && *across_seats_ != across_seats && !buffers_.empty()) {
        base::log_info("Clipboard: clipboard_across_seats changed: the buffers are emptied");
        buffers_.clear();
    }
    across_seats_ = across_seats;
}

std::string ClipboardBroker::unusable(const Where &where)
{
    if (!where.clipboard)
        return "not connected";
    if (where.channel == false)
        return "no qemu-vdagent channel (phyllomectl vm adopt " + *where.vm + " adds it)";
    if (where.clipboard->state() != vmview::Clipboard::State::Registered)
        return where.clipboard->status_text();
    return {};
}

void ClipboardBroker::take(const Where &where)
{
    follow_mode(where.across_seats);
    if (!where.vm)
        return banner_(where.seat, "No VM on this seat to copy from");
    const std::string vm = *where.vm;
    if (std::string why = unusable(where); !why.empty())
        return banner_(where.seat, vm + " has no clipboard: " + why);
    const std::string buffer_key = key(where.seat, where.across_seats);
    const std::string seat = where.seat;
    std::weak_ptr<bool> alive = alive_;
    where.clipboard->take([this, alive, buffer_key, seat, vm](std::optional<std::string> text,
                                                              const std::string &error) {
        if (alive.expired() || !*alive.lock())
            return;
        if (!text)
            return banner_(seat, "Nothing copied from " + vm + ": " + error);
        // The rule may have changed while QEMU answered: the text goes
        // where the seat's chord would put it now.
        const std::string now_key = across_seats_ ? key(seat, *across_seats_) : buffer_key;
        const std::size_t bytes = text->size();
        buffers_[now_key] = Buffer{std::move(*text), vm, seat};
        base::log_info("Clipboard: seat %s copied %zu bytes from %s", seat.c_str(), bytes,
                       vm.c_str());
        banner_(seat, "Copied " + vmview::describe_size(bytes) + " of text from " + vm);
    });
}

void ClipboardBroker::give(const Where &where)
{
    follow_mode(where.across_seats);
    auto it = buffers_.find(key(where.seat, where.across_seats));
    if (it == buffers_.end())
        return banner_(where.seat, "Nothing to paste on this seat");
    if (!where.vm)
        return banner_(where.seat, "No VM on this seat to paste into");
    const std::string &vm = *where.vm;
    if (std::string why = unusable(where); !why.empty())
        return banner_(where.seat, vm + " has no clipboard: " + why);
    const std::size_t bytes = it->second.text.size();
    if (std::string error = where.clipboard->offer(it->second.text); !error.empty())
        return banner_(where.seat, "Nothing pasted into " + vm + ": " + error);
    base::log_info("Clipboard: seat %s offered %zu bytes to %s", where.seat.c_str(), bytes,
                   vm.c_str());
    banner_(where.seat, "Pasted " + vmview::describe_size(bytes) + " into " + vm);
}

std::vector<ClipboardBroker::BufferInfo> ClipboardBroker::buffers() const
{
    std::vector<BufferInfo> out;
    for (const auto &[seat, buffer] : buffers_)
        out.push_back({seat, buffer.text.size(), buffer.from_vm, buffer.from_seat});
    return out;
}

std::optional<ClipboardBroker::BufferInfo> ClipboardBroker::buffer_for(const std::string &seat,
                                                                       bool across_seats) const
{
    auto it = buffers_.find(key(seat, across_seats));
    if (it == buffers_.end())
        return std::nullopt;
    return BufferInfo{it->first, it->second.text.size(), it->second.from_vm, it->second.from_seat};
}

} // namespace phyllome
