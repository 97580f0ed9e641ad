#include "vmview/shared_memory.hpp"

#include "vmview/sigbus_guard.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

namespace phyllome::vmview {

namespace {

const char *file_type(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a pipe";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISLNK(mode))
        return "a symbolic link";
    return "not a regular file";
}

std::string errno_text(int err)
{
    return std::strerror(err);
}

} // namespace

std::optional<SharedMapping> SharedMapping::map(int fd, std::uint64_t offset, std::uint64_t length,
                                                std::string &error)
{
    if (fd < 0) {
        error = "no file descriptor to map (" + std::to_string(fd) + ")";
        return std::nullopt;
    }
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        error = "cannot fstat fd " + std::to_string(fd) + ": " + errno_text(errno);
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        error = std::string("fd ") + std::to_string(fd) + " is " + file_type(st.st_mode) +
                ", not a regular file or memfd";
        return std::nullopt;
    }
    if (length == 0) {
        error = "empty mapping requested";
        return std::nullopt;
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (length > size || offset > size - length) {
        error = "file holds " + std::to_string(size) + " bytes, needs offset " +
                std::to_string(offset) + " + length " + std::to_string(length);
        return std::nullopt;
    }
    const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
    const std::uint64_t start = offset - offset % page;
    const std::uint64_t mapped = offset - start + length; // <= size, no overflow
    if (mapped > std::numeric_limits<std::size_t>::max() ||
        start > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
        error = "mapping too large";
        return std::nullopt;
    }
    void *base = mmap(nullptr, static_cast<std::size_t>(mapped), PROT_READ, MAP_SHARED, fd,
                      static_cast<off_t>(start));
    if (base == MAP_FAILED) {
        error = "cannot map " + std::to_string(mapped) + " bytes of fd " + std::to_string(fd) +
                ": " + errno_text(errno);
        return std::nullopt;
    }
    const int seals = fcntl(fd, F_GET_SEALS);
    const bool shrink_sealed = seals >= 0 && (seals & F_SEAL_SHRINK) != 0;
    int guard = -1;
    if (!shrink_sealed) {
        guard = sigbus_guard::watch(base, static_cast<std::size_t>(mapped), fd, start);
        if (guard < 0) {
            munmap(base, static_cast<std::size_t>(mapped));
            error = "too many unsealed shared mappings at once";
            return std::nullopt;
        }
    }
    return SharedMapping(base, static_cast<std::size_t>(mapped),
                         static_cast<const std::uint8_t *>(base) + (offset - start), length,
                         shrink_sealed, guard);
}

SharedMapping::SharedMapping(void *base, std::size_t mapped, const std::uint8_t *data,
                             std::uint64_t size, bool shrink_sealed, int guard)
    : base_(base), mapped_(mapped), data_(data), size_(size), shrink_sealed_(shrink_sealed),
      guard_(guard)
{
}

bool SharedMapping::shrunk() const
{
    return sigbus_guard::tripped(guard_);
}

SharedMapping::SharedMapping(SharedMapping &&other) noexcept
    : base_(std::exchange(other.base_, nullptr)), mapped_(std::exchange(other.mapped_, 0)),
      data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)),
      shrink_sealed_(std::exchange(other.shrink_sealed_, false)),
      guard_(std::exchange(other.guard_, -1))
{
}

SharedMapping &SharedMapping::operator=(SharedMapping &&other) noexcept
{
    if (this != &other) {
        release();
        base_ = std::exchange(other.base_, nullptr);
        mapped_ = std::exchange(other.mapped_, 0);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        shrink_sealed_ = std::exchange(other.shrink_sealed_, false);
        guard_ = std::exchange(other.guard_, -1);
    }
    return *this;
}

SharedMapping::~SharedMapping()
{
    release();
}

void SharedMapping::release()
{
    sigbus_guard::unwatch(guard_);
    guard_ = -1;
    if (base_)
        munmap(base_, mapped_);
    base_ = nullptr;
    mapped_ = 0;
    data_ = nullptr;
    size_ = 0;
}

std::uint64_t file_size(int fd)
{
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0)
        return 0;
    return static_cast<std::uint64_t>(st.st_size);
}

} // namespace phyllome::vmview
