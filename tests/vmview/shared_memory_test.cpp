// vmview/shared_memory: read-only shared mappings of memfds, and the fds
// that must be refused.
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <gmock/gmock.h>

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "vmview/shared_memory.hpp"
#include "vmview/sigbus_guard.hpp"

namespace phyllome::vmview {
namespace {

using ::testing::HasSubstr;

// An fd closed at the end of its scope.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd &operator=(Fd &&) = delete;
    ~Fd()
    {
        if (fd_ >= 0)
            close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

// A memfd of `size` bytes, byte i = i * 7 + 1 (mod 256).
Fd memfd(std::size_t size, unsigned flags = MFD_CLOEXEC)
{
    Fd fd(memfd_create("vmview-test", flags));
    EXPECT_GE(fd.get(), 0) << std::strerror(errno);
    std::vector<std::uint8_t> bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<std::uint8_t>(i * 7 + 1);
    EXPECT_EQ(pwrite(fd.get(), bytes.data(), bytes.size(), 0), static_cast<ssize_t>(size));
    return fd;
}

std::uint8_t byte_at(std::size_t i)
{
    return static_cast<std::uint8_t>(i * 7 + 1);
}

TEST(SharedMapping, MapsAMemfd)
{
    const Fd fd = memfd(3 * 4096);
    std::string error;
    auto m = SharedMapping::map(fd.get(), 0, 3 * 4096, error);
    ASSERT_TRUE(m) << error;
    EXPECT_EQ(m->size(), 3u * 4096);
    for (std::size_t i = 0; i < m->size(); ++i)
        ASSERT_EQ(m->data()[i], byte_at(i)) << i;
    EXPECT_FALSE(m->shrink_sealed());
    EXPECT_EQ(file_size(fd.get()), 3u * 4096);
}

TEST(SharedMapping, UnalignedOffsetPointsAtIt)
{
    const Fd fd = memfd(3 * 4096);
    std::string error;
    auto m = SharedMapping::map(fd.get(), 4096 + 10, 100, error);
    ASSERT_TRUE(m) << error;
    EXPECT_EQ(m->size(), 100u);
    for (std::size_t i = 0; i < 100; ++i)
        ASSERT_EQ(m->data()[i], byte_at(4096 + 10 + i));
    // The whole rest of the file, ending exactly at its end.
    auto tail = SharedMapping::map(fd.get(), 5, 3 * 4096 - 5, error);
    ASSERT_TRUE(tail) << error;
    EXPECT_EQ(tail->data()[3 * 4096 - 6], byte_at(3 * 4096 - 1));
}

TEST(SharedMapping, SeesLaterWrites)
{
    const Fd fd = memfd(4096);
    std::string error;
    auto m = SharedMapping::map(fd.get(), 16, 16, error);
    ASSERT_TRUE(m) << error;
    const std::uint8_t v = 0xee;
    ASSERT_EQ(pwrite(fd.get(), &v, 1, 20), 1);
    EXPECT_EQ(m->data()[4], 0xee);
}

TEST(SharedMapping, OutlivesTheFd)
{
    std::string error;
    std::optional<SharedMapping> m;
    {
        const Fd fd = memfd(64);
        m = SharedMapping::map(fd.get(), 0, 64, error);
    }
    ASSERT_TRUE(m) << error;
    EXPECT_EQ(m->data()[63], byte_at(63));
}

TEST(SharedMapping, RefusesATooSmallFile)
{
    const Fd fd = memfd(1000);
    std::string error;
    EXPECT_FALSE(SharedMapping::map(fd.get(), 0, 1001, error));
    EXPECT_THAT(error, HasSubstr("holds 1000 bytes"));
    EXPECT_FALSE(SharedMapping::map(fd.get(), 1, 1000, error));
    EXPECT_FALSE(SharedMapping::map(fd.get(), 1000, 1, error));
    EXPECT_TRUE(SharedMapping::map(fd.get(), 999, 1, error));
    const auto max = std::numeric_limits<std::uint64_t>::max();
    EXPECT_FALSE(SharedMapping::map(fd.get(), max, 2, error)); // offset + length wraps
    EXPECT_FALSE(SharedMapping::map(fd.get(), 2, max, error));
    EXPECT_FALSE(SharedMapping::map(fd.get(), 0, 0, error));
    EXPECT_THAT(error, HasSubstr("empty"));
    const Fd empty(memfd_create("vmview-empty", MFD_CLOEXEC));
    EXPECT_FALSE(SharedMapping::map(empty.get(), 0, 1, error));
    EXPECT_THAT(error, HasSubstr("holds 0 bytes"));
}

TEST(SharedMapping, RefusesAPipe)
{
    int p[2];
    ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
    const Fd r(p[0]), w(p[1]);
    std::string error;
    EXPECT_FALSE(SharedMapping::map(r.get(), 0, 1, error));
    EXPECT_THAT(error, HasSubstr("is a pipe"));
    EXPECT_EQ(file_size(r.get()), 0u);
}

TEST(SharedMapping, RefusesADirectory)
{
    const Fd dir(open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_GE(dir.get(), 0);
    std::string error;
    EXPECT_FALSE(SharedMapping::map(dir.get(), 0, 1, error));
    EXPECT_THAT(error, HasSubstr("is a directory"));
    EXPECT_EQ(file_size(dir.get()), 0u);
}

TEST(SharedMapping, RefusesASocketADeviceAndNoFd)
{
    int s[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s), 0);
    const Fd a(s[0]), b(s[1]);
    std::string error;
    EXPECT_FALSE(SharedMapping::map(a.get(), 0, 1, error));
    EXPECT_THAT(error, HasSubstr("is a socket"));
    EXPECT_EQ(file_size(a.get()), 0u);

    const Fd zero(open("/dev/zero", O_RDONLY | O_CLOEXEC));
    ASSERT_GE(zero.get(), 0);
    EXPECT_FALSE(SharedMapping::map(zero.get(), 0, 4096, error));
    EXPECT_THAT(error, HasSubstr("is a character device"));

    EXPECT_FALSE(SharedMapping::map(-1, 0, 1, error));
    EXPECT_THAT(error, HasSubstr("no file descriptor"));
    EXPECT_EQ(file_size(-1), 0u);
    // A closed fd number.
    int closed = dup(a.get());
    close(closed);
    EXPECT_FALSE(SharedMapping::map(closed, 0, 1, error));
    EXPECT_THAT(error, HasSubstr("cannot fstat"));
}

TEST(SharedMapping, WriteOnlyFdCannotBeMapped)
{
    char path[] = "/tmp/vmview-shm-XXXXXX";
    const Fd rw(mkstemp(path));
    ASSERT_GE(rw.get(), 0);
    ASSERT_EQ(ftruncate(rw.get(), 4096), 0);
    const Fd wo(open(path, O_WRONLY | O_CLOEXEC));
    unlink(path);
    ASSERT_GE(wo.get(), 0);
    std::string error;
    EXPECT_FALSE(SharedMapping::map(wo.get(), 0, 4096, error));
    EXPECT_THAT(error, HasSubstr("cannot map"));
    EXPECT_TRUE(SharedMapping::map(rw.get(), 0, 4096, error)) << error;
}

TEST(SharedMapping, ReportsAShrinkSeal)
{
    const Fd fd = memfd(4096, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    ASSERT_EQ(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK), 0);
    std::string error;
    auto m = SharedMapping::map(fd.get(), 0, 4096, error);
    ASSERT_TRUE(m) << error;
    EXPECT_TRUE(m->shrink_sealed());
}

TEST(SharedMapping, MovesAndUnmaps)
{
    const Fd fd = memfd(8192);
    std::string error;
    auto m = SharedMapping::map(fd.get(), 4096, 4096, error);
    ASSERT_TRUE(m) << error;
    const std::uint8_t *data = m->data();
    SharedMapping moved(std::move(*m));
    EXPECT_EQ(m->data(), nullptr);
    EXPECT_EQ(m->size(), 0u);
    EXPECT_EQ(moved.data(), data);
    EXPECT_EQ(moved.size(), 4096u);
    EXPECT_EQ(moved.data()[0], byte_at(4096));

    auto other = SharedMapping::map(fd.get(), 0, 16, error);
    ASSERT_TRUE(other);
    *other = std::move(moved); // unmaps other's old range
    EXPECT_EQ(other->data(), data);
    EXPECT_EQ(moved.data(), nullptr);
    EXPECT_EQ(other->data()[1], byte_at(4097));

    // The mapping goes away with its owner: the page is no longer mapped.
    const auto page = reinterpret_cast<std::uintptr_t>(data) & ~std::uintptr_t{4095};
    unsigned char resident = 0;
    EXPECT_EQ(mincore(reinterpret_cast<void *>(page), 4096, &resident), 0);
    other.reset();
    EXPECT_EQ(mincore(reinterpret_cast<void *>(page), 4096, &resident), -1);
    EXPECT_EQ(errno, ENOMEM);

    static_assert(!std::is_copy_constructible_v<SharedMapping>);
    static_assert(!std::is_copy_assignable_v<SharedMapping>);
    static_assert(std::is_nothrow_move_constructible_v<SharedMapping>);
}

TEST(SharedMapping, FileShrunkUnderTheMappingReadsZerosInsteadOfEndingTheProcess)
{
    Fd fd = memfd(3 * 4096);
    std::string error;
    auto m = SharedMapping::map(fd.get(), 0, 3 * 4096, error);
    ASSERT_TRUE(m) << error;
    EXPECT_FALSE(m->shrunk());
    // The sender truncates the file: without the guard the next read of the
    // mapping raises SIGBUS and this test process dies.
    ASSERT_EQ(ftruncate(fd.get(), 0), 0);
    unsigned sum = 0;
    for (std::size_t i = 0; i < m->size(); ++i)
        sum += static_cast<volatile const std::uint8_t *>(m->data())[i];
    EXPECT_EQ(sum, 0u);
    EXPECT_TRUE(m->shrunk());

    // Other mappings are unaffected; a new one of the same fd is refused.
    const Fd other = memfd(4096);
    auto fine = SharedMapping::map(other.get(), 0, 4096, error);
    ASSERT_TRUE(fine) << error;
    EXPECT_FALSE(fine->shrunk());
    EXPECT_EQ(fine->data()[5], byte_at(5));
    EXPECT_FALSE(SharedMapping::map(fd.get(), 0, 4096, error));
}

TEST(SharedMapping, ReRaisedSigbusIsMatchedByTheShrunkFile)
{
    // libwayland's own SIGBUS handler re-raises faults outside its shm pools:
    // the signal then carries no address, only the files can tell.
    Fd fd = memfd(2 * 4096);
    std::string error;
    auto m = SharedMapping::map(fd.get(), 0, 2 * 4096, error);
    ASSERT_TRUE(m) << error;
    ASSERT_EQ(ftruncate(fd.get(), 4096), 0);
    raise(SIGBUS);
    EXPECT_TRUE(m->shrunk());
    EXPECT_EQ(static_cast<volatile const std::uint8_t *>(m->data())[4096 + 5], 0);
}

TEST(SharedMapping, GuardSlotsAreGivenBack)
{
    // Far more mappings over time than guard slots: each returns its slot.
    const Fd fd = memfd(4096);
    std::string error;
    for (int i = 0; i < 3 * sigbus_guard::kMaxRanges; ++i)
        ASSERT_TRUE(SharedMapping::map(fd.get(), 0, 4096, error)) << i << ": " << error;
}

TEST(SharedMappingDeathTest, ASigbusOutsideGuardedMappingsStillEndsTheProcess)
{
    // The guard must not swallow faults that are not its own.
    const Fd keep = memfd(4096);
    std::string error;
    auto guarded = SharedMapping::map(keep.get(), 0, 4096, error); // installs the handler
    ASSERT_TRUE(guarded) << error;
    EXPECT_DEATH(
        {
            Fd fd = memfd(2 * 4096);
            void *raw = mmap(nullptr, 2 * 4096, PROT_READ, MAP_SHARED, fd.get(), 0);
            if (ftruncate(fd.get(), 0) == 0)
                std::printf("%d\n", static_cast<volatile const char *>(raw)[4096]);
        },
        "");
}

} // namespace
} // namespace phyllome::vmview
