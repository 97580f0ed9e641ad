// A memfd with a shared writable mapping: the console surface QEMU 9.2+ can
// share through Unix.Map, and the stand-in for a DMA-BUF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace fake_qemu {

// An unmapped memfd of `size` bytes (zeros); -1 and *error on failure.
int create_memfd(const char *name, size_t size, std::string *error);

class SharedMemory {
public:
    // Returns nullptr and sets *error when the memfd cannot be made.
    static std::unique_ptr<SharedMemory> create(const char *name, size_t size, std::string *error);
    ~SharedMemory();
    SharedMemory(const SharedMemory &) = delete;
    SharedMemory &operator=(const SharedMemory &) = delete;

    int fd() const { return fd_; }
    uint8_t *data() const { return data_; }
    size_t size() const { return size_; }

private:
    SharedMemory(int fd, uint8_t *data, size_t size) : fd_(fd), data_(data), size_(size) {}
    int fd_;
    uint8_t *data_;
    size_t size_;
};

} // namespace fake_qemu
