#include "config/config.hpp"

#include <cstdlib>

#include <array>

namespace phyllome::config {

namespace {

constexpr std::array<std::string_view, 4> kScalingNames{"fit", "stretch", "integer", "none"};

std::string plural(std::size_t n, std::string_view one, std::string_view many)
{
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

} // namespace

std::string_view to_string(Scaling scaling)
{
    return kScalingNames[static_cast<std::size_t>(scaling)];
}

std::optional<Scaling> parse_scaling(std::string_view text)
{
    for (std::size_t i = 0; i < kScalingNames.size(); ++i) {
        if (text == kScalingNames[i])
            return static_cast<Scaling>(i);
    }
    return std::nullopt;
}

const Vm *Config::find_vm(std::string_view name) const
{
    for (const auto &vm : vms) {
        if (vm.name == name)
            return &vm;
    }
    return nullptr;
}

const Seat *Config::find_seat(std::string_view name) const
{
    for (const auto &seat : seats) {
        if (seat.name == name)
            return &seat;
    }
    return nullptr;
}

Config default_config()
{
    Config config;
    Seat seat;
    seat.name = std::string(kDefaultSeatName);
    seat.all_outputs = true;
    seat.devices.push_back(DeviceRule{}); // "*"
    config.seats.push_back(std::move(seat));
    return config;
}

std::string state_dir()
{
    const char *state = std::getenv("XDG_STATE_HOME");
    if (state && state[0] == '/')
        return std::string(state) + "/phyllome";
    const char *home = std::getenv("HOME");
    return std::string(home && home[0] ? home : "") + "/.local/state/phyllome";
}

std::string resolve_uri(const std::string &uri)
{
    if (uri == kEmbeddedUri)
        return "qemu:///embed?root=" + state_dir() + "/libvirt";
    return uri;
}

std::string effective_uri(const Config &config, const Vm &vm)
{
    return resolve_uri(vm.uri ? *vm.uri : config.session.libvirt_uri);
}

std::vector<std::string> allowed_vms(const Config &config, const Seat &seat)
{
    if (!seat.all_vms)
        return seat.vms;
    std::vector<std::string> names;
    names.reserve(config.vms.size());
    for (const auto &vm : config.vms)
        names.push_back(vm.name);
    return names;
}

std::string summary(const Config &config)
{
    std::size_t outputs = 0;
    bool rest = false;
    for (const auto &seat : config.seats) {
        outputs += seat.outputs.size();
        rest = rest || seat.all_outputs;
    }
    std::string out = plural(config.vms.size(), "VM", "VMs") + ", " +
                      plural(config.seats.size(), "seat", "seats") + ", ";
    if (!rest)
        return out + plural(outputs, "output", "outputs");
    if (outputs == 0)
        return out + "every output";
    return out + plural(outputs, "output", "outputs") + " and every other output";
}

} // namespace phyllome::config
