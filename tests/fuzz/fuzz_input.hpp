// What the D-Bus fuzz targets share: the fuzzer's bytes read as typed
// values, and the check that stops the run where an invariant breaks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <vector>

namespace phyllome::fuzz {

inline void check(bool condition)
{
    if (!condition)
        __builtin_trap();
}

// The fuzzer's bytes, read front to back; zeros once they run out.
class Input {
public:
    Input(const uint8_t *data, size_t size) : data_(data), size_(size) {}
    bool empty() const { return pos_ >= size_; }
    uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    // Little-endian; one read per statement, so the order is defined.
    uint16_t u16()
    {
        const uint16_t low = byte();
        return static_cast<uint16_t>(low | byte() << 8);
    }
    uint32_t u32()
    {
        const uint32_t low = u16();
        return low | static_cast<uint32_t>(u16()) << 16;
    }
    uint64_t u64()
    {
        const uint64_t low = u32();
        return low | static_cast<uint64_t>(u32()) << 32;
    }
    // A geometry value: mostly small or near a limit, sometimes anything.
    uint32_t value()
    {
        static constexpr uint32_t kEdges[] = {
            0, 1, 4, 64, 16383, 16384, 16385, 131072, 131073, 0x7fffffff, 0x80000000, 0xffffffff};
        const uint8_t b = byte();
        switch (b & 3) {
        case 0:
            return b >> 2;
        case 1:
            return u16();
        case 2:
            return kEdges[(b >> 2) % std::size(kEdges)];
        default:
            return u32();
        }
    }
    int32_t ivalue() { return static_cast<int32_t>(value()); }
    // `length` bytes of content: the input's next bytes, then zeros.
    std::vector<uint8_t> bytes(size_t length)
    {
        std::vector<uint8_t> out(length);
        const size_t n = std::min(length, size_ - std::min(pos_, size_));
        if (n > 0)
            std::memcpy(out.data(), data_ + pos_, n);
        pos_ += n;
        return out;
    }

private:
    const uint8_t *data_;
    size_t size_;
    size_t pos_ = 0;
};

} // namespace phyllome::fuzz
