// A read-only shared mapping of a file descriptor received from QEMU: the
// memfd of a ScanoutMap (Unix.Map, 9.2+), or a memfd standing in for a
// DMA-BUF in tests. The fd is checked with fstat first: only regular files
// (memfds are) can be mapped, and the file must hold the whole range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace phyllome::vmview {

class SharedMapping {
public:
    // Maps `length` bytes (> 0) of fd starting at `offset` (any alignment)
    // read-only, MAP_SHARED: later writes by QEMU show through. The fd may be
    // closed afterwards. nullopt with a reason in error for a negative fd, an
    // fd that is not a regular file (pipe, socket, directory, device...), a
    // file shorter than offset + length, or a failed mmap.
    static std::optional<SharedMapping> map(int fd, std::uint64_t offset, std::uint64_t length,
                                            std::string &error);

    SharedMapping(SharedMapping &&other) noexcept;
    SharedMapping &operator=(SharedMapping &&other) noexcept;
    SharedMapping(const SharedMapping &) = delete;
    SharedMapping &operator=(const SharedMapping &) = delete;
    ~SharedMapping();

    // The byte at `offset` of the file; size() bytes are readable.
    const std::uint8_t *data() const { return data_; }
    std::uint64_t size() const { return size_; }

    // Whether the file was sealed against shrinking (F_SEAL_SHRINK) when
    // mapped. Without the seal (QEMU does not seal its memfds) the sender
    // could truncate the file and make reads of the mapping fault: such a
    // mapping is guarded (sigbus_guard), and reads zeros once it shrank.
    bool shrink_sealed() const { return shrink_sealed_; }
    // The file shrank under an unsealed mapping, which now reads as zeros:
    // drop it.
    bool shrunk() const;

private:
    SharedMapping(void *base, std::size_t mapped, const std::uint8_t *data, std::uint64_t size,
                  bool shrink_sealed, int guard);
    void release();

    void *base_ = nullptr;   // what mmap returned (page-aligned)
    std::size_t mapped_ = 0; // bytes mapped from base_
    const std::uint8_t *data_ = nullptr;
    std::uint64_t size_ = 0;
    bool shrink_sealed_ = false;
    int guard_ = -1; // the sigbus_guard slot of an unsealed mapping
};

// The size of fd's file in bytes; 0 when fd is not a regular file (or
// fstat fails).
std::uint64_t file_size(int fd);

} // namespace phyllome::vmview
