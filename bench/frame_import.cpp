// Frame import on each of the session's paths, each next to its physical
// limit in the same run: one memcpy of the bytes the frame damages.
//
// Args of every benchmark: width, height, damage side (0: the whole frame,
// else a side x side square at the centre).
//
// - Copy: QEMU 7.2's Scanout/Update path. ConsoleBuffer is the layer that
//   copies (Console's handlers only read the D-Bus arguments and call it).
// - CopyDBus: the same Update through a real D-Bus round trip to a Console.
// - Map: Unix.Map (memfd); ScanoutMap/UpdateMap to a real Console over D-Bus.
// - Dmabuf: a memfd standing in for a DMA-BUF, ScanoutDMABUF once and
//   UpdateDMABUF per frame, acknowledged as soon as the observer hears of it.
// Every benchmark reports pixel bytes the session copied per frame, from the
// console's FrameCounters.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#include "bench/listener_peer.hpp"
#include "vmview/console_buffer.hpp"
#include "vmview/pixel_format.hpp"

namespace phyllome::bench {
namespace {

constexpr uint32_t kXrgb = 0x20020888;    // pixman x8r8g8b8
constexpr uint32_t kDrmXrgb = 0x34325258; // DRM_FORMAT_XRGB8888 ("XR24")
constexpr uint32_t kBpp = 4;

struct Damage {
    int32_t x, y, width, height;
    uint64_t bytes() const { return uint64_t(width) * height * kBpp; }
};

Damage damage_of(const benchmark::State &state)
{
    const auto width = int32_t(state.range(0)), height = int32_t(state.range(1));
    const auto side = int32_t(state.range(2));
    if (side == 0)
        return {0, 0, width, height};
    return {(width - side) / 2, (height - side) / 2, side, side};
}

std::vector<uint8_t> pixels(uint64_t bytes)
{
    std::vector<uint8_t> data(bytes);
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = uint8_t(i * 7);
    return data;
}

void report(benchmark::State &state, uint64_t copied, const Damage &damage)
{
    state.counters["copied_bytes_per_frame"] =
        benchmark::Counter(double(copied), benchmark::Counter::kAvgIterations);
    state.counters["damaged_bytes"] = double(damage.bytes());
    state.SetBytesProcessed(int64_t(state.iterations() * damage.bytes()));
}

// The limit: one memcpy of the damaged bytes, source and destination the
// size of a whole frame as on the real paths (a full frame does not fit in
// the cache either).
void Memcpy(benchmark::State &state)
{
    const Damage damage = damage_of(state);
    const uint64_t frame = uint64_t(state.range(0)) * state.range(1) * kBpp;
    std::vector<uint8_t> src = pixels(frame), dst(frame);
    for (auto _ : state) {
        std::memcpy(dst.data(), src.data(), damage.bytes());
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    state.counters["damaged_bytes"] = double(damage.bytes());
    state.SetBytesProcessed(int64_t(state.iterations() * damage.bytes()));
}

// A Scanout of the whole frame (damage 0) or an Update of the damage.
void Copy(benchmark::State &state)
{
    const auto width = uint32_t(state.range(0)), height = uint32_t(state.range(1));
    const Damage damage = damage_of(state);
    const std::vector<uint8_t> frame = pixels(uint64_t(width) * height * kBpp);
    std::vector<uint8_t> rect = pixels(damage.bytes());
    vmview::ConsoleBuffer buffer;
    std::string error;
    if (!buffer.scanout(width, height, width * kBpp, kXrgb, frame, error)) {
        state.SkipWithError(("first scanout: " + error).c_str());
        return;
    }
    buffer.take_damage();
    const uint64_t before = buffer.counters().pixel_bytes_copied;
    const bool whole = state.range(2) == 0;
    for (auto _ : state) {
        const bool ok = whole ? buffer.scanout(width, height, width * kBpp, kXrgb, frame, error)
                              : buffer.update(damage.x, damage.y, damage.width, damage.height,
                                              uint32_t(damage.width) * kBpp, kXrgb, rect, error);
        if (!ok) {
            state.SkipWithError(error.c_str());
            return;
        }
        // The compositor takes the damage every frame.
        benchmark::DoNotOptimize(buffer.take_damage());
    }
    report(state, buffer.counters().pixel_bytes_copied - before, damage);
}

// Update (or Scanout) sent over D-Bus to a real Console: what the session
// does per 7.2 frame, D-Bus transport included.
void CopyDBus(benchmark::State &state)
{
    const auto width = uint32_t(state.range(0)), height = uint32_t(state.range(1));
    const Damage damage = damage_of(state);
    const std::vector<uint8_t> frame = pixels(uint64_t(width) * height * kBpp);
    const std::vector<uint8_t> rect = pixels(damage.bytes());
    ListenerPeer peer(width, height);
    std::string error;
    auto scanout = [&] {
        sd_bus_message *m = peer.new_call(kListenerInterface, "Scanout");
        sd_bus_message_append(m, "uuuu", width, height, width * kBpp, kXrgb);
        sd_bus_message_append_array(m, 'y', frame.data(), frame.size());
        return peer.call(m, error);
    };
    if (!scanout()) {
        state.SkipWithError(("first scanout: " + error).c_str());
        return;
    }
    const uint64_t before = peer.console().counters().pixel_bytes_copied;
    const bool whole = state.range(2) == 0;
    for (auto _ : state) {
        bool ok;
        if (whole) {
            ok = scanout();
        } else {
            sd_bus_message *m = peer.new_call(kListenerInterface, "Update");
            sd_bus_message_append(m, "iiiiuu", damage.x, damage.y, damage.width, damage.height,
                                  uint32_t(damage.width) * kBpp, kXrgb);
            sd_bus_message_append_array(m, 'y', rect.data(), rect.size());
            ok = peer.call(m, error);
        }
        if (!ok) {
            state.SkipWithError(error.c_str());
            return;
        }
    }
    report(state, peer.console().counters().pixel_bytes_copied - before, damage);
}

// A memfd holding a whole frame, as QEMU's shared surface.
int frame_memfd(uint32_t width, uint32_t height)
{
    const int fd = memfd_create("bench-frame", MFD_CLOEXEC);
    const size_t size = size_t(width) * height * kBpp;
    if (fd < 0 || ftruncate(fd, off_t(size)) != 0)
        return -1;
    return fd;
}

bool send_scanout_map(ListenerPeer &peer, int fd, uint32_t width, uint32_t height,
                      std::string &error)
{
    sd_bus_message *m = peer.new_call(kMapInterface, "ScanoutMap");
    sd_bus_message_append(m, "huuuuu", fd, 0u, width, height, width * kBpp, kXrgb);
    return peer.call(m, error);
}

// UpdateMap of the damage after one ScanoutMap: the session copies nothing.
void Map(benchmark::State &state)
{
    const auto width = uint32_t(state.range(0)), height = uint32_t(state.range(1));
    const Damage damage = damage_of(state);
    ListenerPeer peer(width, height);
    const int fd = frame_memfd(width, height);
    std::string error;
    if (fd < 0 || !send_scanout_map(peer, fd, width, height, error)) {
        state.SkipWithError(("ScanoutMap: " + error).c_str());
        return;
    }
    close(fd);
    const uint64_t before = peer.console().counters().pixel_bytes_copied;
    peer.take_damage_events();
    for (auto _ : state) {
        sd_bus_message *m = peer.new_call(kMapInterface, "UpdateMap");
        sd_bus_message_append(m, "iiii", damage.x, damage.y, damage.width, damage.height);
        if (!peer.call(m, error)) {
            state.SkipWithError(error.c_str());
            return;
        }
    }
    if (peer.take_damage_events() != uint64_t(state.iterations()))
        state.SkipWithError("not every UpdateMap reached the observer");
    report(state, peer.console().counters().pixel_bytes_copied - before, damage);
}

// A ScanoutMap per frame: a new mapping each time (QEMU sends one per
// surface switch).
void MapScanout(benchmark::State &state)
{
    const auto width = uint32_t(state.range(0)), height = uint32_t(state.range(1));
    const Damage damage = damage_of(state);
    ListenerPeer peer(width, height);
    const int fd = frame_memfd(width, height);
    std::string error;
    const uint64_t before = peer.console().counters().pixel_bytes_copied;
    for (auto _ : state) {
        if (fd < 0 || !send_scanout_map(peer, fd, width, height, error)) {
            state.SkipWithError(("ScanoutMap: " + error).c_str());
            break;
        }
    }
    if (fd >= 0)
        close(fd);
    report(state, peer.console().counters().pixel_bytes_copied - before, damage);
}

// UpdateDMABUF of the damage after one ScanoutDMABUF of a memfd stand-in
// (no GPU here); each is acknowledged once "presented", which is at once.
void Dmabuf(benchmark::State &state)
{
    const auto width = uint32_t(state.range(0)), height = uint32_t(state.range(1));
    const Damage damage = damage_of(state);
    ListenerPeer peer(width, height);
    const int fd = frame_memfd(width, height);
    std::string error;
    sd_bus_message *scanout = peer.new_call(kListenerInterface, "ScanoutDMABUF");
    sd_bus_message_append(scanout, "huuuutb", fd, width, height, width * kBpp, kDrmXrgb,
                          uint64_t{0}, 0);
    if (fd < 0 || !peer.call(scanout, error)) {
        state.SkipWithError(("ScanoutDMABUF: " + error).c_str());
        return;
    }
    close(fd);
    const uint64_t before = peer.console().counters().pixel_bytes_copied;
    for (auto _ : state) {
        sd_bus_message *m = peer.new_call(kListenerInterface, "UpdateDMABUF");
        sd_bus_message_append(m, "iiii", damage.x, damage.y, damage.width, damage.height);
        if (!peer.call(m, error)) {
            state.SkipWithError(error.c_str());
            return;
        }
    }
    report(state, peer.console().counters().pixel_bytes_copied - before, damage);
}

void Sizes(benchmark::internal::Benchmark *b)
{
    for (auto [w, h] : {std::pair{1920, 1080}, std::pair{3840, 2160}})
        for (int side : {0, 64})
            b->Args({w, h, side});
}

void FullOnly(benchmark::internal::Benchmark *b)
{
    b->Args({1920, 1080, 0})->Args({3840, 2160, 0});
}

BENCHMARK(Memcpy)->Apply(Sizes);
BENCHMARK(Copy)->Apply(Sizes);
BENCHMARK(CopyDBus)->Apply(Sizes);
BENCHMARK(Map)->Apply(Sizes);
BENCHMARK(MapScanout)->Apply(FullOnly);
BENCHMARK(Dmabuf)->Apply(Sizes);

} // namespace
} // namespace phyllome::bench

BENCHMARK_MAIN();
