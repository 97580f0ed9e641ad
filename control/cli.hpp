// phyllomectl's command line: options and the request it sends.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "control/request.hpp"

namespace phyllome::control {

struct CliOptions {
    std::string socket; // --socket PATH; empty: look it up
    bool json = false;  // print the reply's JSON
    bool help = false;
    bool version = false; // --version
    // `doctor` runs here, without the session; `doctor_config` is its
    // --config PATH (empty: the session's lookup).
    bool doctor = false;
    std::string doctor_config;
    // `vm define FILE`: phyllomectl reads FILE into the request's xml.
    std::string define_file;
    Request request;
};

struct CliError {
    std::string message;
};

std::variant<CliOptions, CliError> parse_cli(const std::vector<std::string> &args);
std::string cli_usage();

} // namespace phyllome::control
