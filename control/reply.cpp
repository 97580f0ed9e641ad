#include "control/reply.hpp"

namespace phyllome::control {

nlohmann::json ok(nlohmann::json fields)
{
    nlohmann::json reply = fields.is_object() ? std::move(fields) : nlohmann::json::object();
    reply["ok"] = true;
    return reply;
}

nlohmann::json error(std::string_view message)
{
    return {{"ok", false}, {"error", std::string(message)}};
}

std::string to_line(const nlohmann::json &reply)
{
    return reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

} // namespace phyllome::control
