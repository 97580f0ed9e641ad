// The per-event figures of a benchmark that times each event alone: median,
// p99 and max of the samples, as counters (in microseconds).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include <benchmark/benchmark.h>

namespace phyllome::bench {

inline void report_percentiles(benchmark::State &state, std::vector<double> ns)
{
    if (ns.empty())
        return;
    std::sort(ns.begin(), ns.end());
    auto at = [&](double q) {
        return ns[std::min(ns.size() - 1, static_cast<std::size_t>(q * double(ns.size())))];
    };
    state.counters["median_us"] = at(0.5) / 1e3;
    state.counters["p99_us"] = at(0.99) / 1e3;
    state.counters["max_us"] = ns.back() / 1e3;
}

} // namespace phyllome::bench
