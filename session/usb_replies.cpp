#include "session/usb_replies.hpp"

#include <cstdio>

#include "config/usb_class.hpp"
#include "control/reply.hpp"

namespace phyllome {

namespace {

std::string hex4(unsigned value)
{
    char text[8];
    std::snprintf(text, sizeof text, "%04x", value & 0xffff);
    return text;
}

nlohmann::json optional_text(const std::optional<std::string> &value)
{
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

} // namespace

nlohmann::json usb_json(const UsbRouter &router, const std::string &problem)
{
    nlohmann::json devices = nlohmann::json::array();
    for (const UsbRouter::DeviceStatus &s : router.status()) {
        nlohmann::json classes = nlohmann::json::array();
        for (const std::uint8_t c : s.device.classes)
            classes.push_back(std::string(config::usb_class_name(c)));
        devices.push_back({{"device", s.device.sysname},
                           {"name", s.device.name()},
                           {"vendor", hex4(s.device.vendor)},
                           {"product", hex4(s.device.product)},
                           {"bus", s.device.busnum},
                           {"address", s.device.devnum},
                           {"id_path", s.device.id_path},
                           {"classes", classes},
                           {"seat", optional_text(s.seat)},
                           {"vm", optional_text(s.vm)},
                           {"state", s.state},
                           {"reason", s.reason},
                           {"error", s.error},
                           {"manual", s.manual}});
    }
    nlohmann::json vms = nlohmann::json::array();
    for (const UsbRouter::VmStatus &vm : router.vms())
        vms.push_back({{"vm", vm.vm}, {"known", vm.known}, {"error", vm.error}});
    return {{"devices", devices}, {"vms", vms}, {"problem", problem}};
}

void usb_command(UsbRouter &router, const std::string &problem, const control::UsbRequest &request,
                 std::function<void(const nlohmann::json &)> reply)
{
    using Action = control::UsbRequest::Action;
    switch (request.action) {
    case Action::List:
        reply(control::ok(usb_json(router, problem)));
        return;
    case Action::Attach:
        router.attach(request.device, request.vm,
                      [&router, reply, device = request.device](const std::string &error) {
                          if (!error.empty())
                              return reply(control::error("usb " + device + ": " + error));
                          nlohmann::json vm = nullptr;
                          for (const auto &s : router.status())
                              if (s.device.sysname == device && s.vm)
                                  vm = *s.vm;
                          reply(control::ok({{"device", device}, {"vm", vm}}));
                      });
        return;
    case Action::Detach:
        router.detach(request.device, [reply, device = request.device](const std::string &error) {
            reply(error.empty() ? control::ok({{"device", device}})
                                : control::error("usb " + device + ": " + error));
        });
        return;
    }
}

} // namespace phyllome
