#include "shm.hpp"

#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace fake_qemu {

int create_memfd(const char *name, size_t size, std::string *error)
{
    const int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        *error = std::string("memfd_create: ") + strerror(errno);
        return -1;
    }
    if (ftruncate(fd, off_t(size)) < 0) {
        *error = std::string("ftruncate: ") + strerror(errno);
        close(fd);
        return -1;
    }
    return fd;
}

std::unique_ptr<SharedMemory> SharedMemory::create(const char *name, size_t size,
                                                   std::string *error)
{
    const int fd = create_memfd(name, size, error);
    if (fd < 0)
        return nullptr;
    uint8_t *data = nullptr;
    if (size > 0) {
        void *map = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) {
            *error = std::string("mmap: ") + strerror(errno);
            close(fd);
            return nullptr;
        }
        data = static_cast<uint8_t *>(map);
    }
    return std::unique_ptr<SharedMemory>(new SharedMemory(fd, data, size));
}

SharedMemory::~SharedMemory()
{
    if (data_)
        munmap(data_, size_);
    close(fd_);
}

} // namespace fake_qemu
