// What showing a console's frames costs, counted as it happens. Plain
// integers, always on: cheap enough for every frame, read by the tests, the
// benchmarks and (later) `phyllomectl status`. One FrameCounters per console;
// single-threaded, like everything on the display path.
#pragma once

#include <cstdint>

namespace phyllome::vmview {

struct FrameCounters {
    // Frame messages from QEMU accepted (Scanout, Update, ScanoutMap,
    // UpdateMap, ScanoutDMABUF, UpdateDMABUF, CursorDefine...). Counted by
    // vmview (ConsoleBuffer for Scanout/Update) and by the display client for
    // the other messages.
    std::uint64_t messages = 0;
    // Frame messages refused by a frame_checks.hpp check; each is logged with
    // its reason and leaves the shown frame as it was. Counted where
    // `messages` is.
    std::uint64_t messages_rejected = 0;
    // Pixel bytes written into a CPU shadow surface (ConsoleBuffer): the
    // Scanout/Update copies, in the shadow format, plus the content carried
    // over when a surface has to be reallocated. 0 on the memfd (Unix.Map)
    // and DMA-BUF paths.
    std::uint64_t pixel_bytes_copied = 0;
    // Texture uploads (one per damaged region batch) made by the compositor's
    // GLES renderer; counted by the compositor.
    std::uint64_t uploads = 0;
    // Bytes handed to those uploads; counted by the compositor.
    std::uint64_t upload_bytes = 0;
    // Output frames where the guest's buffer was scanned out directly (no
    // composition); counted by the compositor.
    std::uint64_t direct_scanouts = 0;
    // Output frames that showed a new guest frame; counted by the compositor.
    std::uint64_t frames_presented = 0;
    // Guest frames replaced by a newer one before any output showed them;
    // counted by the compositor.
    std::uint64_t frames_dropped = 0;
    // Latency the session adds: from the first frame message after a commit
    // (the moment its handler ran) to the precommit of the output frame that
    // shows it, rendering included. Last, largest and sum over the
    // frames_presented frames (mean = total / frames_presented), in
    // nanoseconds; counted by the compositor.
    std::uint64_t present_latency_ns_last = 0;
    std::uint64_t present_latency_ns_max = 0;
    std::uint64_t present_latency_ns_total = 0;
};

} // namespace phyllome::vmview
