// A configuration reload as the session does it on a save: parse and
// validate the new file (parse_config does both), then diff it against the
// running configuration. The file is generated: 16 seats, each with its own
// VM, a second VM to switch to, two outputs and four device rules.
#include <benchmark/benchmark.h>

#include <string>

#include "config/diff.hpp"
#include "config/load.hpp"

namespace phyllome::bench {
namespace {

constexpr int kSeats = 16;

// `variant` changes one seat's VM and one VM's scaling, so the diff has
// something to report.
std::string session_file(bool variant)
{
    std::string text = "[session]\nlibvirt_uri = \"qemu:///system\"\n"
                       "host_keys = \"Ctrl+Alt+Super\"\n\n[keys]\nnext_vm = \"Right\"\n"
                       "prev_vm = \"Left\"\nrelease_input = \"Escape\"\n\n";
    for (int i = 0; i < kSeats; ++i) {
        const std::string n = std::to_string(i);
        text += "[[vm]]\nname = \"desk" + n + "\"\nautostart = true\nscaling = \"" +
                std::string(variant && i == 3 ? "integer" : "fit") + "\"\n\n";
        text += "[[vm]]\nname = \"lab" + n + "\"\nfollow_output = false\n\n";
    }
    for (int i = 0; i < kSeats; ++i) {
        const std::string n = std::to_string(i);
        text += "[[seat]]\nname = \"seat" + n + "\"\nvm = \"" +
                (variant && i == 5 ? "lab" : "desk") + n + "\"\nvms = [\"desk" + n + "\", \"lab" +
                n + "\"]\noutputs = [\"DP-" + n + "\", \"HDMI-A-" + n +
                "\"]\ndevices = [\"path:pci-0000:00:14.0-usb-0:" + n + "*\", \"name:Keyboard " + n +
                "\", \"id:046d:c3" + (i < 10 ? "0" : "") + n + "\", \"seat:seat" + n + "\"]\n\n";
    }
    return text;
}

void ConfigReload(benchmark::State &state)
{
    const std::string old_text = session_file(false);
    const std::string new_text = session_file(true);
    const auto running = config::parse_config(old_text, "old.toml");
    if (!running.ok()) {
        state.SkipWithError("the generated file does not validate");
        return;
    }
    size_t actions = 0;
    for (auto _ : state) {
        const auto loaded = config::parse_config(new_text, "session.toml");
        if (!loaded.ok()) {
            state.SkipWithError("the generated variant does not validate");
            return;
        }
        const auto changes = config::diff(*running.config, *loaded.config);
        actions = changes.size();
        benchmark::DoNotOptimize(changes.data());
    }
    state.counters["seats"] = kSeats;
    state.counters["file_bytes"] = double(new_text.size());
    state.counters["actions"] = double(actions);
}

BENCHMARK(ConfigReload);

} // namespace
} // namespace phyllome::bench

BENCHMARK_MAIN();
