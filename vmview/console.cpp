#include "vmview/console.hpp"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>

#include "base/log.hpp"
#include "vmview/frame_checks.hpp"
#include "vmview/pixel_format.hpp"
#include "vmview/shared_memory.hpp"

namespace phyllome::vmview {
namespace {

constexpr const char *kListenerPath = "/org/qemu/Display1/Listener";
constexpr const char *kListenerInterface = "org.qemu.Display1.Listener";
constexpr const char *kMapInterface = "org.qemu.Display1.Listener.Unix.Map";
constexpr const char *kDmabuf2Interface = "org.qemu.Display1.Listener.Unix.ScanoutDMABUF2";
constexpr const char *kErrorInvalid = "org.qemu.Display1.Error.Invalid";

// A slow or stalled output must not hold a fast guest for QEMU's whole
// second: acknowledge a DMA-BUF frame after this long at the latest.
constexpr int kAckTimeoutMs = 100;

// The console's shadow surface as the compositor sees it.
class ShadowMemory final : public PixelMemory {
public:
    explicit ShadowMemory(std::shared_ptr<Surface> surface) : surface_(std::move(surface)) {}
    const uint8_t *data() const override { return surface_->data(); }
    uint32_t width() const override { return surface_->width; }
    uint32_t height() const override { return surface_->height; }
    uint32_t stride() const override { return surface_->stride; }
    uint32_t drm_format() const override { return surface_->drm_format; }

private:
    std::shared_ptr<Surface> surface_;
};

// QEMU's surface in shared memory (Unix.Map), shown where it lies.
class MappedMemory final : public PixelMemory {
public:
    MappedMemory(SharedMapping mapping, uint32_t width, uint32_t height, uint32_t stride,
                 uint32_t drm_format)
        : mapping_(std::move(mapping)), width_(width), height_(height), stride_(stride),
          drm_format_(drm_format)
    {
    }
    const uint8_t *data() const override { return mapping_.data(); }
    uint32_t width() const override { return width_; }
    uint32_t height() const override { return height_; }
    uint32_t stride() const override { return stride_; }
    uint32_t drm_format() const override { return drm_format_; }
    const SharedMapping &mapping() const { return mapping_; }

private:
    SharedMapping mapping_;
    uint32_t width_, height_, stride_, drm_format_;
};

// What an fd from QEMU may be before we mmap or import it: a regular file
// (memfd) or a DMA-BUF (an anonymous inode that supports lseek for its size).
// Returns the size, or 0 when it is not such an fd.
uint64_t buffer_fd_size(int fd)
{
    struct stat st {};
    if (fstat(fd, &st) != 0)
        return 0;
    if (S_ISDIR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
        S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        return 0;
    if (S_ISREG(st.st_mode))
        return static_cast<uint64_t>(st.st_size);
    const off_t end = lseek(fd, 0, SEEK_END);
    lseek(fd, 0, SEEK_SET);
    return end > 0 ? static_cast<uint64_t>(end) : 0;
}

int dup_fd(int fd)
{
    return fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

} // namespace

const sd_bus_vtable Console::kListenerVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Scanout", "uuuuay", "", on_scanout, 0),
    SD_BUS_METHOD("Update", "iiiiuuay", "", on_update, 0),
    SD_BUS_METHOD("ScanoutDMABUF", "huuuutb", "", on_scanout_dmabuf, 0),
    SD_BUS_METHOD("UpdateDMABUF", "iiii", "", on_update_dmabuf, 0),
    SD_BUS_METHOD("Disable", "", "", on_disable, 0),
    SD_BUS_METHOD("MouseSet", "iii", "", on_mouse_set, 0),
    SD_BUS_METHOD("CursorDefine", "iiiiay", "", on_cursor_define, 0),
    SD_BUS_PROPERTY("Interfaces", "as", get_interfaces, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_VTABLE_END,
};

const sd_bus_vtable Console::kMapVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("ScanoutMap", "huuuuu", "", on_scanout_map, 0),
    SD_BUS_METHOD("UpdateMap", "iiii", "", on_update_map, 0),
    SD_BUS_VTABLE_END,
};

const sd_bus_vtable Console::kDmabuf2Vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("ScanoutDMABUF2", "ahuuuuauauuuuutb", "", on_scanout_dmabuf2, 0),
    SD_BUS_VTABLE_END,
};

Console::Console(wl_event_loop *loop, Info info, std::string vm_name, base::UniqueFd listener_fd,
                 Handlers handlers)
    : loop_(loop), info_(std::move(info)), vm_name_(std::move(vm_name)),
      handlers_(std::move(handlers))
{
    ack_timer_ = base::TimerSource(loop_, [this] { acknowledge_pending(); });
    int r = sd_bus_new(&bus_);
    if (r >= 0)
        r = sd_bus_set_fd(bus_, listener_fd.get(), listener_fd.get());
    if (r >= 0)
        listener_fd.release(); // the bus owns it now
    if (r >= 0)
        r = sd_bus_negotiate_fds(bus_, 1);
    if (r >= 0)
        r = sd_bus_add_object_vtable(bus_, nullptr, kListenerPath, kListenerInterface,
                                     kListenerVtable, this);
    if (r >= 0)
        r = sd_bus_add_object_vtable(bus_, nullptr, kListenerPath, kMapInterface, kMapVtable, this);
    if (r >= 0)
        r = sd_bus_add_object_vtable(bus_, nullptr, kListenerPath, kDmabuf2Interface,
                                     kDmabuf2Vtable, this);
    if (r >= 0)
        r = sd_bus_start(bus_);
    if (r < 0) {
        base::log_info("VM %s console %u: cannot set up the listener connection: %s",
                       vm_name_.c_str(), info_.id, std::strerror(-r));
        connected_ = false;
        return;
    }
    source_ = std::make_unique<BusSource>(loop_, bus_, [this](int error) {
        base::log_info("VM %s console %u: display connection closed (%s)", vm_name_.c_str(),
                       info_.id, std::strerror(error));
        connected_ = false;
        acknowledge_pending();
        frame_ = Frame{};
        guest_display_off_ = false;
        if (observer_)
            observer_->frame_replaced(*this);
        if (handlers_.disconnected)
            handlers_.disconnected();
    });
}

Console::~Console()
{
    if (pending_ack_)
        sd_bus_message_unref(pending_ack_);
    source_.reset();
    if (bus_) {
        sd_bus_flush_close_unref(bus_);
        bus_ = nullptr;
    }
}

const FrameCounters &Console::counters() const
{
    return shadow_.counters();
}
FrameCounters &Console::counters()
{
    return shadow_.counters();
}

int Console::reject(sd_bus_error *error, const char *message_name, const std::string &reason,
                    bool counted)
{
    if (!counted)
        counters().messages_rejected++;
    const uint64_t rejected = counters().messages_rejected;
    // A guest can send garbage as fast as it likes: log the first few and
    // then at powers of two, so the log stays readable.
    if (std::has_single_bit(rejected) || rejected < 4)
        base::log_info("VM %s console %u: %s rejected: %s (%llu rejected so far)", vm_name_.c_str(),
                       info_.id, message_name, reason.c_str(),
                       static_cast<unsigned long long>(rejected));
    return sd_bus_error_set(error, kErrorInvalid, reason.c_str());
}

void Console::show_shadow_buffer(bool replaced)
{
    const uint64_t generation = shadow_.generation();
    if (!shadow_memory_ || generation != shadow_generation_) {
        shadow_memory_ = std::make_shared<ShadowMemory>(shadow_.surface());
        shadow_generation_ = generation;
        replaced = true;
    }
    if (frame_.kind != Frame::Kind::Memory || frame_.memory != shadow_memory_ ||
        frame_.width != shadow_.shown_width() || frame_.height != shadow_.shown_height())
        replaced = true;
    if (frame_.kind == Frame::Kind::DmaBuf)
        acknowledge_pending();
    // The Map path's mapping stays: a converted ScanoutMap shows the shadow
    // buffer too, and its UpdateMaps copy from the mapping.

    frame_ = Frame{};
    guest_display_off_ = false;
    frame_.kind = Frame::Kind::Memory;
    frame_.memory = shadow_memory_;
    frame_.width = shadow_.shown_width();
    frame_.height = shadow_.shown_height();

    const std::vector<base::Rect> damage = shadow_.take_damage();
    if (observer_) {
        if (replaced)
            observer_->frame_replaced(*this);
        else
            observer_->frame_damaged(*this, damage);
    }
    if (shadow_.size_check_needed()) {
        shadow_.size_checked();
        if (handlers_.size_check)
            handlers_.size_check();
    }
}

void Console::set_console_size(uint32_t width, uint32_t height)
{
    info_.width = width;
    info_.height = height;
    if (frame_.kind != Frame::Kind::Memory || frame_.memory != shadow_memory_)
        return; // the other paths carry their size in every scanout
    if (width == 0 || height == 0 || width > kMaxSide || height > kMaxSide)
        return;
    shadow_.set_console_size(width, height);
    show_shadow_buffer(false);
}

int Console::on_scanout(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<Console *>(data);
    uint32_t width = 0, height = 0, stride = 0, format = 0;
    const void *pixels = nullptr;
    size_t length = 0;
    int r = sd_bus_message_read(m, "uuuu", &width, &height, &stride, &format);
    if (r >= 0)
        r = sd_bus_message_read_array(m, 'y', &pixels, &length);
    if (r < 0)
        return r;
    std::string reason;
    if (!self->shadow_.scanout(width, height, stride, format,
                               {static_cast<const uint8_t *>(pixels), length}, reason))
        return self->reject(error, "Scanout", reason, true);
    self->map_memory_.reset(); // the Scanout path replaces the Map path
    self->show_shadow_buffer(true);
    return sd_bus_reply_method_return(m, "");
}

int Console::on_update(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<Console *>(data);
    int32_t x = 0, y = 0, width = 0, height = 0;
    uint32_t stride = 0, format = 0;
    const void *pixels = nullptr;
    size_t length = 0;
    int r = sd_bus_message_read(m, "iiiiuu", &x, &y, &width, &height, &stride, &format);
    if (r >= 0)
        r = sd_bus_message_read_array(m, 'y', &pixels, &length);
    if (r < 0)
        return r;
    std::string reason;
    if (!self->shadow_.update(x, y, width, height, stride, format,
                              {static_cast<const uint8_t *>(pixels), length}, reason))
        return self->reject(error, "Update", reason, true);
    self->map_memory_.reset();
    self->show_shadow_buffer(false);
    return sd_bus_reply_method_return(m, "");
}

int Console::on_scanout_map(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<Console *>(data);
    int fd = -1;
    uint32_t offset = 0, width = 0, height = 0, stride = 0, format = 0;
    const int r = sd_bus_message_read(m, "huuuuu", &fd, &offset, &width, &height, &stride, &format);
    if (r < 0)
        return r;
    self->counters().messages++;
    const uint64_t size = buffer_fd_size(fd);
    if (size == 0)
        return self->reject(error, "ScanoutMap", "the handle is not a memory file");
    if (auto problem = check_map(size, offset, width, height, stride, format))
        return self->reject(error, "ScanoutMap", *problem);
    const PixelFormat *pixel_format = find_pixman_format(format);
    std::string reason;
    const uint64_t length =
        uint64_t{stride} * (height - 1) + uint64_t{width} * pixel_format->bytes_per_pixel;
    auto mapping = SharedMapping::map(fd, offset, length, reason);
    if (!mapping)
        return self->reject(error, "ScanoutMap", reason);

    if (pixel_format->convert) {
        // Formats the renderers cannot take are converted into the shadow
        // buffer, as on the Scanout path; updates copy from the mapping.
        if (!self->shadow_.scanout(width, height, stride, format,
                                   {mapping->data(), mapping->size()}, reason))
            return self->reject(error, "ScanoutMap", reason, true);
        self->show_shadow_buffer(true);
        self->map_memory_ = std::make_shared<MappedMemory>(std::move(*mapping), width, height,
                                                           stride, pixel_format->shadow_drm_format);
        self->map_copies_ = true;
    } else {
        if (self->frame_.kind == Frame::Kind::DmaBuf)
            self->acknowledge_pending();
        self->map_memory_ = std::make_shared<MappedMemory>(std::move(*mapping), width, height,
                                                           stride, pixel_format->shadow_drm_format);
        self->map_copies_ = false;
        self->frame_ = Frame{};
        self->guest_display_off_ = false;
        self->frame_.kind = Frame::Kind::Memory;
        self->frame_.memory = self->map_memory_;
        self->frame_.width = width;
        self->frame_.height = height;
        if (self->observer_)
            self->observer_->frame_replaced(*self);
    }
    self->map_pixman_format_ = format;
    self->map_offset_ = offset;
    return sd_bus_reply_method_return(m, "");
}

int Console::on_update_map(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<Console *>(data);
    int32_t x = 0, y = 0, width = 0, height = 0;
    const int r = sd_bus_message_read(m, "iiii", &x, &y, &width, &height);
    if (r < 0)
        return r;
    if (!self->map_memory_)
        return self->reject(error, "UpdateMap", "no ScanoutMap before it");
    const auto &memory = *self->map_memory_;
    if (static_cast<const MappedMemory &>(memory).mapping().shrunk())
        return self->reject(error, "UpdateMap",
                            "the shared memory shrank under the mapping (it now shows black); "
                            "send a new ScanoutMap");
    if (auto problem = check_damage(x, y, width, height, memory.width(), memory.height()))
        return self->reject(error, "UpdateMap", *problem);
    if (width == 0 || height == 0)
        return sd_bus_reply_method_return(m, "");

    if (self->map_copies_) {
        const PixelFormat *format = find_pixman_format(self->map_pixman_format_);
        const auto &mapping = static_cast<const MappedMemory &>(memory).mapping();
        const uint64_t start =
            uint64_t(y) * memory.stride() + uint64_t(x) * format->bytes_per_pixel;
        std::string reason;
        if (!self->shadow_.update(x, y, width, height, memory.stride(), self->map_pixman_format_,
                                  {mapping.data() + start, mapping.size() - start}, reason))
            return self->reject(error, "UpdateMap", reason, true);
        self->show_shadow_buffer(false);
    } else {
        self->counters().messages++;
        const base::Rect damage{x, y, width, height};
        if (self->observer_)
            self->observer_->frame_damaged(*self, {&damage, 1});
    }
    return sd_bus_reply_method_return(m, "");
}

void Console::set_dmabuf(DmaBuf dmabuf, uint32_t x, uint32_t y, uint32_t width, uint32_t height)
{
    // A new buffer supersedes a frame still waiting for the screen.
    if (pending_ack_) {
        counters().frames_dropped++;
        acknowledge_pending();
    }
    map_memory_.reset();
    frame_ = Frame{};
    guest_display_off_ = false;
    frame_.kind = Frame::Kind::DmaBuf;
    frame_.dmabuf = std::make_shared<const DmaBuf>(std::move(dmabuf));
    frame_.x = x;
    frame_.y = y;
    frame_.width = width;
    frame_.height = height;
    if (observer_)
        observer_->frame_replaced(*this);
}

int Console::on_scanout_dmabuf(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<Console *>(data);
    int fd = -1;
    uint32_t width = 0, height = 0, stride = 0, fourcc = 0;
    uint64_t modifier = 0;
    int y0_top = 0;
    const int r = sd_bus_message_read(m, "huuuutb", &fd, &width, &height, &stride, &fourcc,
                                      &modifier, &y0_top);
    if (r < 0)
        return r;
    self->counters().messages++;
    const uint64_t size = buffer_fd_size(fd);
    if (size == 0)
        return self->reject(error, "ScanoutDMABUF", "the handle is not a buffer");
    if (auto problem = check_dmabuf(width, height, stride, fourcc, modifier, size))
        return self->reject(error, "ScanoutDMABUF", *problem);
    DmaBuf dmabuf;
    dmabuf.fd = base::UniqueFd(dup_fd(fd));
    if (!dmabuf.fd)
        return self->reject(error, "ScanoutDMABUF", std::string("dup: ") + std::strerror(errno));
    dmabuf.width = width;
    dmabuf.height = height;
    dmabuf.stride = stride;
    dmabuf.fourcc = fourcc;
    dmabuf.modifier = modifier;
    dmabuf.y0_top = y0_top != 0;
    self->set_dmabuf(std::move(dmabuf), 0, 0, width, height);
    return sd_bus_reply_method_return(m, "");
}

int Console::on_scanout_dmabuf2(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<Console *>(data);
    std::vector<int> fds;
    int r = sd_bus_message_enter_container(m, 'a', "h");
    if (r < 0)
        return r;
    int fd = -1;
    while ((r = sd_bus_message_read(m, "h", &fd)) > 0)
        fds.push_back(fd);
    if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
        return r;
    uint32_t x = 0, y = 0, width = 0, height = 0;
    if ((r = sd_bus_message_read(m, "uuuu", &x, &y, &width, &height)) < 0)
        return r;
    const void *offsets = nullptr, *strides = nullptr;
    size_t offsets_size = 0, strides_size = 0;
    if ((r = sd_bus_message_read_array(m, 'u', &offsets, &offsets_size)) < 0 ||
        (r = sd_bus_message_read_array(m, 'u', &strides, &strides_size)) < 0)
        return r;
    uint32_t planes = 0, fourcc = 0, backing_width = 0, backing_height = 0;
    uint64_t modifier = 0;
    int y0_top = 0;
    if ((r = sd_bus_message_read(m, "uuuutb", &planes, &fourcc, &backing_width, &backing_height,
                                 &modifier, &y0_top)) < 0)
        return r;
    self->counters().messages++;

    // The RGB formats a guest scans out have one plane; more is refused,
    // as QEMU itself does for clients that cannot take them.
    if (planes != 1 || fds.size() != 1 || offsets_size != sizeof(uint32_t) ||
        strides_size != sizeof(uint32_t))
        return self->reject(error, "ScanoutDMABUF2", "only single-plane buffers are supported");
    uint32_t offset = 0, stride = 0;
    std::memcpy(&offset, offsets, sizeof offset);
    std::memcpy(&stride, strides, sizeof stride);
    const uint64_t size = buffer_fd_size(fds[0]);
    if (size == 0)
        return self->reject(error, "ScanoutDMABUF2", "the handle is not a buffer");
    if (offset != 0 && offset >= size)
        return self->reject(error, "ScanoutDMABUF2", "plane offset outside the buffer");
    if (auto problem =
            check_dmabuf(backing_width, backing_height, stride, fourcc, modifier, size - offset))
        return self->reject(error, "ScanoutDMABUF2", *problem);
    if (auto problem = check_damage(static_cast<int32_t>(x), static_cast<int32_t>(y),
                                    static_cast<int32_t>(width), static_cast<int32_t>(height),
                                    backing_width, backing_height);
        problem || width == 0 || height == 0)
        return self->reject(error, "ScanoutDMABUF2",
                            problem ? *problem : "empty scanout rectangle");
    DmaBuf dmabuf;
    dmabuf.fd = base::UniqueFd(dup_fd(fds[0]));
    if (!dmabuf.fd)
        return self->reject(error, "ScanoutDMABUF2", std::string("dup: ") + std::strerror(errno));
    dmabuf.width = backing_width;
    dmabuf.height = backing_height;
    dmabuf.stride = stride;
    dmabuf.offset = offset;
    dmabuf.fourcc = fourcc;
    dmabuf.modifier = modifier;
    dmabuf.y0_top = y0_top != 0;
    self->set_dmabuf(std::move(dmabuf), x, y, width, height);
    return sd_bus_reply_method_return(m, "");
}

int Console::on_update_dmabuf(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<Console *>(data);
    int32_t x = 0, y = 0, width = 0, height = 0;
    const int r = sd_bus_message_read(m, "iiii", &x, &y, &width, &height);
    if (r < 0)
        return r;
    if (self->frame_.kind != Frame::Kind::DmaBuf)
        return self->reject(error, "UpdateDMABUF", "no DMA-BUF scanout before it");
    const DmaBuf &dmabuf = *self->frame_.dmabuf;
    if (auto problem = check_damage(x, y, width, height, dmabuf.width, dmabuf.height))
        return self->reject(error, "UpdateDMABUF", *problem);
    self->counters().messages++;
    // An empty rectangle changes nothing: answer at once, as UpdateMap does.
    if (width == 0 || height == 0)
        return sd_bus_reply_method_return(m, "");
    // Damage in the frame's own (top-down) coordinates.
    base::Rect damage{x, y, width, height};
    if (dmabuf.y0_top)
        damage.y = static_cast<int32_t>(dmabuf.height) - (y + height);
    damage.x -= static_cast<int32_t>(self->frame_.x);
    damage.y -= static_cast<int32_t>(self->frame_.y);

    // The reply is QEMU's signal to let the guest draw the next frame: hold
    // it until this frame is on screen.
    if (self->pending_ack_) {
        self->counters().frames_dropped++;
        self->acknowledge_pending();
    }
    self->pending_ack_ = sd_bus_message_ref(m);
    self->ack_timer_.arm(kAckTimeoutMs);
    if (self->observer_)
        self->observer_->frame_damaged(*self, {&damage, 1});
    return 1;
}

void Console::acknowledge_pending()
{
    if (!pending_ack_)
        return;
    sd_bus_message *message = std::exchange(pending_ack_, nullptr);
    ack_timer_.disarm();
    if (connected_)
        sd_bus_reply_method_return(message, "");
    sd_bus_message_unref(message);
    if (source_)
        source_->update();
}

void Console::frame_presented()
{
    acknowledge_pending();
}

int Console::on_disable(sd_bus_message *m, void *data, sd_bus_error *)
{
    auto *self = static_cast<Console *>(data);
    self->counters().messages++;
    self->acknowledge_pending();
    self->map_memory_.reset();
    self->frame_ = Frame{};
    self->guest_display_off_ = true;
    if (self->observer_)
        self->observer_->frame_replaced(*self);
    return sd_bus_reply_method_return(m, "");
}

int Console::on_mouse_set(sd_bus_message *m, void *data, sd_bus_error *)
{
    auto *self = static_cast<Console *>(data);
    int32_t x = 0, y = 0, on = 0;
    const int r = sd_bus_message_read(m, "iii", &x, &y, &on);
    if (r < 0)
        return r;
    self->cursor_.x = x;
    self->cursor_.y = y;
    self->cursor_.visible = on != 0;
    if (self->observer_)
        self->observer_->cursor_changed(*self);
    return sd_bus_reply_method_return(m, "");
}

int Console::on_cursor_define(sd_bus_message *m, void *data, sd_bus_error *error)
{
    auto *self = static_cast<Console *>(data);
    int32_t width = 0, height = 0, hot_x = 0, hot_y = 0;
    const void *pixels = nullptr;
    size_t length = 0;
    int r = sd_bus_message_read(m, "iiii", &width, &height, &hot_x, &hot_y);
    if (r >= 0)
        r = sd_bus_message_read_array(m, 'y', &pixels, &length);
    if (r < 0)
        return r;
    if (auto problem = check_cursor(width, height, hot_x, hot_y, length))
        return self->reject(error, "CursorDefine", *problem);
    auto image = std::make_shared<std::vector<uint32_t>>(length / 4);
    std::memcpy(image->data(), pixels, length);
    self->cursor_.pixels = std::move(image);
    self->cursor_.width = width;
    self->cursor_.height = height;
    self->cursor_.hot_x = hot_x;
    self->cursor_.hot_y = hot_y;
    if (self->observer_)
        self->observer_->cursor_changed(*self);
    return sd_bus_reply_method_return(m, "");
}

int Console::get_interfaces(sd_bus *, const char *, const char *, const char *,
                            sd_bus_message *reply, void *, sd_bus_error *)
{
    // What this client implements beyond QEMU 7.2's Listener; QEMU 8.1 and
    // later read it once at registration.
    const char *interfaces[] = {kMapInterface, kDmabuf2Interface, nullptr};
    return sd_bus_message_append_strv(reply, const_cast<char **>(interfaces));
}

} // namespace phyllome::vmview
