#include "control/request.hpp"

#include <array>
#include <set>
#include <vector>

namespace phyllome::control {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<VmAction, std::string_view>, 3> kVmActions = {{
    {VmAction::Start, "start"},
    {VmAction::Shutdown, "shutdown"},
    {VmAction::Destroy, "destroy"},
}};

constexpr std::string_view kCommands =
    "status, devices, switch, reload, vm, vm-create, vm-adopt, vm-list, vm-xml, vm-define, "
    "identify, usb";

// The largest CPU count a request may carry (the session checks its own
// bounds); keeps the value inside `unsigned`.
constexpr unsigned kMaxCpusField = 4096;

// Only the fields a command knows: a typo must not be silently ignored.
std::optional<ParseError> only_fields(const json &object, const std::string &command,
                                      const std::set<std::string> &fields)
{
    for (const auto &[key, value] : object.items())
        if (key != "command" && !fields.count(key))
            return ParseError{"unknown field \"" + key + "\" for command \"" + command + "\""};
    return std::nullopt;
}

// A required, non-empty string field.
std::variant<std::string, ParseError> string_field(const json &object, const std::string &command,
                                                   const std::string &field)
{
    auto it = object.find(field);
    if (it == object.end())
        return ParseError{"command \"" + command + "\" needs the field \"" + field + "\""};
    if (!it->is_string())
        return ParseError{"field \"" + field + "\" must be a string"};
    std::string value = it->get<std::string>();
    if (value.empty())
        return ParseError{"field \"" + field + "\" must not be empty"};
    return value;
}

std::variant<Request, ParseError> parse_object(const json &object)
{
    auto command_field = object.find("command");
    if (command_field == object.end())
        return ParseError{"the request has no \"command\" field"};
    if (!command_field->is_string())
        return ParseError{"\"command\" must be a string"};
    const std::string command = command_field->get<std::string>();

    auto without_arguments = [&](Request request) -> std::variant<Request, ParseError> {
        if (auto error = only_fields(object, command, {}))
            return *error;
        return request;
    };
    if (command == "status")
        return without_arguments(StatusRequest{});
    if (command == "devices")
        return without_arguments(DevicesRequest{});
    if (command == "reload")
        return without_arguments(ReloadRequest{});
    if (command == "identify")
        return without_arguments(IdentifyRequest{});
    if (command == "vm-list")
        return without_arguments(VmListRequest{});

    if (command == "switch") {
        if (auto error = only_fields(object, command, {"seat", "vm"}))
            return *error;
        auto seat = string_field(object, command, "seat");
        if (auto *error = std::get_if<ParseError>(&seat))
            return *error;
        auto vm = string_field(object, command, "vm");
        if (auto *error = std::get_if<ParseError>(&vm))
            return *error;
        return SwitchRequest{std::get<std::string>(seat), std::get<std::string>(vm)};
    }
    if (command == "vm") {
        if (auto error = only_fields(object, command, {"action", "name"}))
            return *error;
        auto action_text = string_field(object, command, "action");
        if (auto *error = std::get_if<ParseError>(&action_text))
            return *error;
        const auto action = parse_vm_action(std::get<std::string>(action_text));
        if (!action)
            return ParseError{"unknown vm action \"" + std::get<std::string>(action_text) +
                              "\" (start, shutdown, destroy)"};
        auto name = string_field(object, command, "name");
        if (auto *error = std::get_if<ParseError>(&name))
            return *error;
        return VmRequest{*action, std::get<std::string>(name)};
    }
    if (command == "vm-adopt" || command == "vm-xml") {
        if (auto error = only_fields(object, command, {"name"}))
            return *error;
        auto name = string_field(object, command, "name");
        if (auto *error = std::get_if<ParseError>(&name))
            return *error;
        if (command == "vm-xml")
            return VmXmlRequest{std::get<std::string>(name)};
        return VmAdoptRequest{std::get<std::string>(name)};
    }
    if (command == "vm-define") {
        if (auto error = only_fields(object, command, {"xml"}))
            return *error;
        auto xml = string_field(object, command, "xml");
        if (auto *error = std::get_if<ParseError>(&xml))
            return *error;
        return VmDefineRequest{std::get<std::string>(xml)};
    }
    if (command == "usb") {
        if (!object.contains("action")) {
            if (auto error = only_fields(object, command, {}))
                return ParseError{error->message + " (without \"action\" it lists the devices)"};
            return UsbRequest{};
        }
        auto action = string_field(object, command, "action");
        if (auto *error = std::get_if<ParseError>(&action))
            return *error;
        UsbRequest usb;
        if (std::get<std::string>(action) == "attach")
            usb.action = UsbRequest::Action::Attach;
        else if (std::get<std::string>(action) == "detach")
            usb.action = UsbRequest::Action::Detach;
        else
            return ParseError{"unknown usb action \"" + std::get<std::string>(action) +
                              "\" (attach, detach; none lists the devices)"};
        const bool attach = usb.action == UsbRequest::Action::Attach;
        if (auto error = only_fields(object, command,
                                     attach ? std::set<std::string>{"action", "device", "vm"}
                                            : std::set<std::string>{"action", "device"}))
            return *error;
        auto device = string_field(object, command, "device");
        if (auto *error = std::get_if<ParseError>(&device))
            return *error;
        usb.device = std::get<std::string>(device);
        if (object.contains("vm")) {
            auto vm = string_field(object, command, "vm");
            if (auto *error = std::get_if<ParseError>(&vm))
                return *error;
            usb.vm = std::get<std::string>(vm);
        }
        return usb;
    }
    if (command == "vm-create") {
        if (auto error =
                only_fields(object, command, {"name", "os", "iso", "disk_size", "memory", "cpus"}))
            return *error;
        VmCreateRequest create;
        for (auto [field, out] : {std::pair{"name", &create.name}, {"os", &create.os}}) {
            auto value = string_field(object, command, field);
            if (auto *error = std::get_if<ParseError>(&value))
                return *error;
            *out = std::get<std::string>(value);
        }
        for (auto [field, out] : {std::pair{"iso", &create.iso},
                                  {"disk_size", &create.disk_size},
                                  {"memory", &create.memory}}) {
            if (!object.contains(field))
                continue;
            auto value = string_field(object, command, field);
            if (auto *error = std::get_if<ParseError>(&value))
                return *error;
            *out = std::get<std::string>(value);
        }
        if (auto cpus = object.find("cpus"); cpus != object.end()) {
            if (!cpus->is_number_unsigned() || cpus->get<std::uint64_t>() < 1 ||
                cpus->get<std::uint64_t>() > kMaxCpusField)
                return ParseError{"field \"cpus\" must be a whole number from 1 to " +
                                  std::to_string(kMaxCpusField)};
            create.cpus = cpus->get<unsigned>();
        }
        return create;
    }
    return ParseError{"unknown command \"" + command + "\" (" + std::string(kCommands) + ")"};
}

} // namespace

std::string_view to_string(VmAction action)
{
    for (const auto &[value, name] : kVmActions)
        if (value == action)
            return name;
    return "?";
}

std::optional<VmAction> parse_vm_action(std::string_view text)
{
    for (const auto &[value, name] : kVmActions)
        if (name == text)
            return value;
    return std::nullopt;
}

std::variant<Request, ParseError> parse_request(std::string_view line)
{
    if (line.size() > kMaxRequestBytes)
        return ParseError{"request longer than " + std::to_string(kMaxRequestBytes) + " bytes"};
    if (line.find_first_not_of(" \t\r") == std::string_view::npos)
        return ParseError{"empty request: send one JSON object per line"};
    // A key given twice would silently keep its last value (nlohmann keeps
    // the last): say so instead. One set of keys per object being parsed.
    std::vector<std::set<std::string>> open_objects;
    std::optional<std::string> duplicate;
    const json::parser_callback_t note_keys = [&](int, json::parse_event_t event, json &parsed) {
        if (event == json::parse_event_t::object_start) {
            open_objects.emplace_back();
        } else if (event == json::parse_event_t::object_end && !open_objects.empty()) {
            open_objects.pop_back();
        } else if (event == json::parse_event_t::key && !open_objects.empty() && !duplicate &&
                   !open_objects.back().insert(parsed.get<std::string>()).second) {
            duplicate = parsed.get<std::string>();
        }
        return true;
    };
    // No exceptions: a malformed line is an ordinary outcome here.
    const json parsed = json::parse(line, note_keys, false);
    if (parsed.is_discarded())
        return ParseError{"the request is not valid JSON (UTF-8, one object per line)"};
    if (duplicate)
        return ParseError{"the field \"" + *duplicate + "\" is given twice"};
    if (!parsed.is_object())
        return ParseError{"the request must be a JSON object"};
    return parse_object(parsed);
}

json to_json(const Request &request)
{
    return std::visit(
        [](const auto &r) -> json {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, StatusRequest>)
                return {{"command", "status"}};
            else if constexpr (std::is_same_v<T, DevicesRequest>)
                return {{"command", "devices"}};
            else if constexpr (std::is_same_v<T, ReloadRequest>)
                return {{"command", "reload"}};
            else if constexpr (std::is_same_v<T, IdentifyRequest>)
                return {{"command", "identify"}};
            else if constexpr (std::is_same_v<T, SwitchRequest>)
                return {{"command", "switch"}, {"seat", r.seat}, {"vm", r.vm}};
            else if constexpr (std::is_same_v<T, VmRequest>)
                return {{"command", "vm"}, {"action", to_string(r.action)}, {"name", r.name}};
            else if constexpr (std::is_same_v<T, VmAdoptRequest>)
                return {{"command", "vm-adopt"}, {"name", r.name}};
            else if constexpr (std::is_same_v<T, VmListRequest>)
                return {{"command", "vm-list"}};
            else if constexpr (std::is_same_v<T, VmXmlRequest>)
                return {{"command", "vm-xml"}, {"name", r.name}};
            else if constexpr (std::is_same_v<T, VmDefineRequest>)
                return {{"command", "vm-define"}, {"xml", r.xml}};
            else if constexpr (std::is_same_v<T, UsbRequest>) {
                json object = {{"command", "usb"}};
                if (r.action == UsbRequest::Action::List)
                    return object;
                object["action"] = r.action == UsbRequest::Action::Attach ? "attach" : "detach";
                object["device"] = r.device;
                if (r.vm)
                    object["vm"] = *r.vm;
                return object;
            } else {
                json object = {{"command", "vm-create"}, {"name", r.name}, {"os", r.os}};
                for (const auto &[field, value] :
                     {std::pair{"iso", &r.iso}, {"disk_size", &r.disk_size}, {"memory", &r.memory}})
                    if (!value->empty())
                        object[field] = *value;
                if (r.cpus != 0)
                    object["cpus"] = r.cpus;
                return object;
            }
        },
        request);
}

} // namespace phyllome::control
