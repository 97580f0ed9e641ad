#!/usr/bin/env python3
"""Runs one benchmark binary for a moment and checks what it reports, never
its timings: every benchmark ran without error and carries the counters it
should, with the values that are facts rather than measurements (the map and
DMA-BUF paths copy 0 pixel bytes, the copy path exactly the damaged bytes,
every input event reached the peer)."""
import json
import subprocess
import sys

# Benchmark name (before the first '/') -> counters it must report.
COUNTERS = {
    "Memcpy": ["damaged_bytes"],
    "Copy": ["copied_bytes_per_frame", "damaged_bytes"],
    "CopyDBus": ["copied_bytes_per_frame", "damaged_bytes"],
    "Map": ["copied_bytes_per_frame"],
    "MapScanout": ["copied_bytes_per_frame"],
    "Dmabuf": ["copied_bytes_per_frame"],
    "Key": ["median_us", "p99_us", "sent", "recorded"],
    "MotionAbsolute": ["median_us", "p99_us", "sent", "recorded"],
    "ConfigReload": ["seats", "actions"],
    "PresentCopy": ["median_us", "p99_us", "frames"],
    "PresentCopySmall": ["median_us", "p99_us", "frames"],
    "PresentCopyLetterboxed": ["median_us", "p99_us", "frames"],
    "PresentMap": ["median_us", "p99_us", "frames"],
    "SoundLatency": ["median_us", "p99_us", "quantum_frames", "graph_rate", "markers", "lost"],
    "SoundCpu": ["cpu_ms_per_audio_minute", "audio_seconds"],
}


def check(run):
    name = run["name"]
    base = name.split("/")[0]
    problems = []
    if run.get("error_occurred"):
        problems.append(f"{name}: error: {run.get('error_message')}")
    for counter in COUNTERS.get(base, []):
        if counter not in run:
            problems.append(f"{name}: no counter {counter}")
    if problems:
        return problems
    if base in ("Map", "MapScanout", "Dmabuf") and run["copied_bytes_per_frame"] != 0:
        problems.append(f"{name}: copied {run['copied_bytes_per_frame']} bytes per frame, not 0")
    if base in ("Copy", "CopyDBus") and run["copied_bytes_per_frame"] != run["damaged_bytes"]:
        problems.append(f"{name}: copied {run['copied_bytes_per_frame']} bytes per frame, "
                        f"damaged {run['damaged_bytes']}")
    if base in ("Key", "MotionAbsolute") and run["recorded"] != run["sent"]:
        problems.append(f"{name}: sent {run['sent']}, peer recorded {run['recorded']}")
    if base == "SoundLatency" and (run["quantum_frames"] <= 0 or run["graph_rate"] != 48000):
        problems.append(f"{name}: graph quantum {run['quantum_frames']} at {run['graph_rate']} Hz")
    if base == "ConfigReload" and (run["seats"] != 16 or run["actions"] < 1):
        problems.append(f"{name}: seats {run['seats']}, actions {run['actions']}")
    return problems


def main():
    binary = sys.argv[1]
    out = subprocess.run([binary, "--benchmark_min_time=0.0001", "--benchmark_format=json"],
                         stdout=subprocess.PIPE, check=True, text=True).stdout
    runs = json.loads(out)["benchmarks"]
    problems = [] if runs else ["no benchmark ran"]
    for run in runs:
        problems += check(run)
    for run in runs:
        print(run["name"], {k: run[k] for k in COUNTERS.get(run["name"].split("/")[0], []) if k in run})
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
