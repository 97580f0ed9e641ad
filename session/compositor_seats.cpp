#include "session/compositor_seats.hpp"

#include <algorithm>

#include "compositor/output.hpp"

namespace phyllome {

void CompositorSeats::show_console(const std::string &output, vmview::Console *console,
                                   config::Scaling scaling)
{
    if (Output *found = server_.find_output(output))
        found->show_console(console, scaling);
}

input::Placement CompositorSeats::console_placement(const std::string &output) const
{
    const Output *found = server_.find_output(output);
    return found ? found->console_placement() : input::Placement{};
}

Seats::Compositor::GuestSize CompositorSeats::guest_size(const std::string &output) const
{
    const Output *found = server_.find_output(output);
    if (!found)
        return {};
    const Output::SeenSize seen = found->seen_size();
    auto pixels = [](int value) {
        return static_cast<uint32_t>(std::max(value, 0));
    };
    auto millimetres = [](int value) {
        return static_cast<uint16_t>(std::clamp(value, 0, 65535));
    };
    return {pixels(seen.width), pixels(seen.height), millimetres(seen.width_mm),
            millimetres(seen.height_mm)};
}

void CompositorSeats::identify(const std::string &output, const StatusCardText &text,
                               int milliseconds)
{
    if (Output *found = server_.find_output(output))
        found->identify(text, milliseconds);
}

void CompositorSeats::banner(const std::string &output, const std::string &text, int milliseconds)
{
    if (Output *found = server_.find_output(output))
        found->banner(text, milliseconds);
}

void CompositorSeats::show_input_hint(const std::string &output,
                                      const std::optional<StatusCardText> &text)
{
    if (Output *found = server_.find_output(output))
        found->show_input_hint(text);
}

void CompositorSeats::route(const std::string &seat, input::VmInput *vm,
                            std::vector<input::Head> heads, const std::vector<std::string> &outputs)
{
    std::vector<wlr_output *> wlr_outputs;
    for (const std::string &name : outputs)
        if (Output *found = server_.find_output(name))
            wlr_outputs.push_back(found->wlr());
    input_.set_seat(seat, vm, std::move(heads), std::move(wlr_outputs));
}

bool CompositorSeats::input_grabbed(const std::string &seat) const
{
    return input_.router().seat_grabbed(seat);
}

} // namespace phyllome
