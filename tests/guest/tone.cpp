// Runs inside the test guest when its kernel command line says
// `phyllome.tone=HZ`: plays a sine of HZ Hz, forever, on the first ALSA
// playback device (/dev/snd/pcmC0D0p: QEMU's intel-hda with hda-output),
// so that a test hears through the VM's D-Bus audiodev what the guest
// played. The guest has no alsa-lib: this speaks the kernel's PCM and
// control ioctls (<sound/asound.h>) itself. It unmutes the card's playback
// controls first (a codec's amplifiers start muted, as on any Linux without
// alsactl), then plays S16_LE, 2 channels, 48000 Hz, interleaved, and
// prepares the device again after each underrun (a slow TCG guest has them).
// It prints what it does ("tone: playing" once the device takes the sound,
// then "tone: played N s" each second), and any error, to stdout (the
// serial console).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sound/asound.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <vector>

#include "command_line.hpp"

namespace {

constexpr const char *kPcm = "/dev/snd/pcmC0D0p";
constexpr const char *kControl = "/dev/snd/controlC0";
constexpr unsigned kRate = 48000;
constexpr unsigned kChannels = 2;
// 2048 frames (8 KiB, a multiple of the 128 bytes HDA wants) per period,
// four periods: 170 ms of buffer, room for a slow guest.
constexpr unsigned kPeriodFrames = 2048;
constexpr unsigned kPeriods = 4;

void say(const char *format, ...) __attribute__((format(printf, 1, 2)));
void say(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("tone: ", stdout);
    vprintf(format, args);
    fputc('\n', stdout);
    fflush(stdout);
    va_end(args);
}

// The device node appears once the driver has probed the card, which the
// kernel does in the background after the modules are loaded.
int open_when_there(const char *path, int flags)
{
    for (int tries = 0;; ++tries) {
        const int fd = open(path, flags | O_CLOEXEC);
        if (fd >= 0 || errno != ENOENT || tries == 600)
            return fd;
        if (tries == 0)
            say("waiting for %s", path);
        const timespec tenth{0, 100000000L};
        nanosleep(&tenth, nullptr);
    }
}

// Switches on every playback switch of the card and turns every playback
// volume to its maximum. Failing here is not fatal: the sound may be muted.
void unmute()
{
    const int fd = open_when_there(kControl, O_RDWR);
    if (fd < 0) {
        say("cannot open %s: %s (playing anyway)", kControl, strerror(errno));
        return;
    }
    snd_ctl_elem_list list{};
    if (ioctl(fd, SNDRV_CTL_IOCTL_ELEM_LIST, &list) != 0) {
        say("cannot list the controls: %s", strerror(errno));
        close(fd);
        return;
    }
    std::vector<snd_ctl_elem_id> ids(list.count);
    list.space = list.count;
    list.pids = ids.data();
    if (list.count > 0 && ioctl(fd, SNDRV_CTL_IOCTL_ELEM_LIST, &list) != 0) {
        say("cannot list the controls: %s", strerror(errno));
        close(fd);
        return;
    }
    int changed = 0;
    for (unsigned i = 0; i < list.used; ++i) {
        snd_ctl_elem_info info{};
        info.id = ids[i];
        if (ioctl(fd, SNDRV_CTL_IOCTL_ELEM_INFO, &info) != 0)
            continue;
        const char *name = reinterpret_cast<const char *>(info.id.name);
        const bool is_switch =
            info.type == SNDRV_CTL_ELEM_TYPE_BOOLEAN && strstr(name, "Playback Switch") != nullptr;
        const bool is_volume =
            info.type == SNDRV_CTL_ELEM_TYPE_INTEGER && strstr(name, "Playback Volume") != nullptr;
        if ((!is_switch && !is_volume) || !(info.access & SNDRV_CTL_ELEM_ACCESS_WRITE) ||
            info.count > 128)
            continue;
        snd_ctl_elem_value value{};
        value.id = info.id;
        for (unsigned c = 0; c < info.count; ++c)
            value.value.integer.value[c] = is_switch ? 1 : info.value.integer.max;
        if (ioctl(fd, SNDRV_CTL_IOCTL_ELEM_WRITE, &value) != 0)
            say("cannot set \"%s\": %s", name, strerror(errno));
        else
            ++changed;
    }
    say("%d playback controls switched on and turned up", changed);
    close(fd);
}

snd_mask *mask(snd_pcm_hw_params &params, int which)
{
    return &params.masks[which - SNDRV_PCM_HW_PARAM_FIRST_MASK];
}

snd_interval *interval(snd_pcm_hw_params &params, int which)
{
    return &params.intervals[which - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL];
}

// Only `bit` set.
void mask_only(snd_mask *m, unsigned bit)
{
    memset(m->bits, 0, sizeof m->bits);
    m->bits[bit / 32] = 1u << (bit % 32);
}

void interval_exactly(snd_interval *i, unsigned value)
{
    *i = snd_interval{};
    i->min = i->max = value;
    i->integer = 1;
}

// Sets up the device as kRate Hz, kChannels channels, S16_LE, interleaved
// reads and writes; returns the buffer's size in frames, or 0.
unsigned set_up(int fd)
{
    snd_pcm_hw_params params{};
    // Everything allowed, then narrowed to what we want: the kernel refines
    // the rest against the hardware and chooses the remaining values.
    for (int m = SNDRV_PCM_HW_PARAM_FIRST_MASK; m <= SNDRV_PCM_HW_PARAM_LAST_MASK; ++m)
        memset(mask(params, m)->bits, 0xff, sizeof mask(params, m)->bits);
    for (int i = SNDRV_PCM_HW_PARAM_FIRST_INTERVAL; i <= SNDRV_PCM_HW_PARAM_LAST_INTERVAL; ++i) {
        *interval(params, i) = snd_interval{};
        interval(params, i)->max = ~0u;
    }
    mask_only(mask(params, SNDRV_PCM_HW_PARAM_ACCESS), SNDRV_PCM_ACCESS_RW_INTERLEAVED);
    mask_only(mask(params, SNDRV_PCM_HW_PARAM_FORMAT), SNDRV_PCM_FORMAT_S16_LE);
    mask_only(mask(params, SNDRV_PCM_HW_PARAM_SUBFORMAT), SNDRV_PCM_SUBFORMAT_STD);
    interval_exactly(interval(params, SNDRV_PCM_HW_PARAM_CHANNELS), kChannels);
    interval_exactly(interval(params, SNDRV_PCM_HW_PARAM_RATE), kRate);
    interval_exactly(interval(params, SNDRV_PCM_HW_PARAM_PERIOD_SIZE), kPeriodFrames);
    interval_exactly(interval(params, SNDRV_PCM_HW_PARAM_PERIODS), kPeriods);
    params.rmask = ~0u;
    if (ioctl(fd, SNDRV_PCM_IOCTL_HW_PARAMS, &params) != 0) {
        say("the device refuses S16_LE, %u channels, %u Hz, %u frames x %u periods: %s", kChannels,
            kRate, kPeriodFrames, kPeriods, strerror(errno));
        return 0;
    }
    const unsigned buffer = interval(params, SNDRV_PCM_HW_PARAM_BUFFER_SIZE)->min;

    // Start once the whole buffer is full, stop (underrun) when it is empty.
    snd_pcm_sw_params software{};
    software.tstamp_mode = SNDRV_PCM_TSTAMP_NONE;
    software.period_step = 1;
    software.avail_min = kPeriodFrames;
    software.xfer_align = 1;
    software.start_threshold = buffer;
    software.stop_threshold = buffer;
    software.proto = SNDRV_PCM_VERSION;
    if (ioctl(fd, SNDRV_PCM_IOCTL_SW_PARAMS, &software) != 0) {
        say("the device refuses its software parameters: %s", strerror(errno));
        return 0;
    }
    if (ioctl(fd, SNDRV_PCM_IOCTL_PREPARE) != 0) {
        say("cannot prepare the device: %s", strerror(errno));
        return 0;
    }
    return buffer;
}

} // namespace

int main()
{
    char value[32];
    command_line_value("phyllome.tone", value, sizeof value);
    const long hz = atol(value);
    if (hz <= 0 || hz >= static_cast<long>(kRate / 2)) {
        say("phyllome.tone must be 1..%u Hz, not \"%s\"", kRate / 2 - 1, value);
        return 1;
    }

    unmute();
    const int fd = open_when_there(kPcm, O_WRONLY);
    if (fd < 0) {
        say("cannot open %s: %s", kPcm, strerror(errno));
        return 1;
    }
    const unsigned buffer = set_up(fd);
    if (buffer == 0)
        return 1;

    // One second holds a whole number of cycles of any whole frequency: the
    // second repeats without a seam. Half of full scale.
    std::vector<int16_t> second(kRate * kChannels);
    for (unsigned frame = 0; frame < kRate; ++frame) {
        const double phase = 2.0 * M_PI * static_cast<double>(hz) * frame / kRate;
        const auto sample = static_cast<int16_t>(std::lround(16383.0 * std::sin(phase)));
        for (unsigned c = 0; c < kChannels; ++c)
            second[frame * kChannels + c] = sample;
    }
    say("playing %ld Hz on %s (%u Hz, %u channels, S16_LE, %u frames of buffer)", hz, kPcm, kRate,
        kChannels, buffer);

    unsigned position = 0; // frame in `second`
    unsigned long underruns = 0;
    unsigned long written = 0; // frames
    while (true) {
        snd_xferi transfer{};
        transfer.buf = second.data() + position * kChannels;
        transfer.frames = std::min(kPeriodFrames, kRate - position);
        if (ioctl(fd, SNDRV_PCM_IOCTL_WRITEI_FRAMES, &transfer) != 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            if (errno == EPIPE) {
                // An underrun: the device stopped; prepared, it starts again
                // once the buffer is full.
                if (++underruns == 1 || underruns % 100 == 0)
                    say("underruns: %lu", underruns);
                if (ioctl(fd, SNDRV_PCM_IOCTL_PREPARE) != 0) {
                    say("cannot prepare the device again: %s", strerror(errno));
                    return 1;
                }
                continue;
            }
            say("writing to %s failed: %s", kPcm, strerror(errno));
            return 1;
        }
        if (transfer.result <= 0)
            continue;
        position = (position + static_cast<unsigned>(transfer.result)) % kRate;
        // Once a write had to wait for the device to take a period, the
        // device plays: the guest's sound leaves through QEMU.
        // Then every second played is said, so that a test knows how much
        // the guest played (written, less the buffer still to play).
        const unsigned long before = written;
        written += static_cast<unsigned long>(transfer.result);
        if (before < buffer + kPeriodFrames && written >= buffer + kPeriodFrames)
            say("playing");
        auto seconds_played = [&](unsigned long frames) {
            return frames > buffer ? (frames - buffer) / kRate : 0;
        };
        if (seconds_played(written) > seconds_played(before))
            say("played %lu s", seconds_played(written));
    }
}
