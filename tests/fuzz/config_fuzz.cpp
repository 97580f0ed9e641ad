// libFuzzer entry point: arbitrary bytes through the TOML parser and the
// validator, which must never crash, hang or leak on any input.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

#include "config/diff.hpp"
#include "config/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    const auto result = phyllome::config::parse_config(text, "fuzz.toml");

    // Whatever came out must be usable: printable diagnostics, or a config the
    // reload path can diff against the default and back.
    std::ostringstream sink;
    for (const auto &diagnostic : result.errors)
        sink << diagnostic << '\n';
    if (result.config) {
        const auto defaults = phyllome::config::default_config();
        for (const auto &action : phyllome::config::diff(defaults, *result.config)) {
            sink << action << '\n';
        }
        for (const auto &action : phyllome::config::diff(*result.config, defaults)) {
            sink << action << '\n';
        }
        sink << phyllome::config::summary(*result.config);
        // A configuration never differs from itself.
        if (!phyllome::config::diff(*result.config, *result.config).empty())
            __builtin_trap();
    }
    return 0;
}
