#!/usr/bin/env python3
"""Peak anonymous and file-backed resident memory of a running process, by polling
/proc/PID/status (RssAnon, RssFile) every INTERVAL seconds until it exits.

  python3 rss_sampler.py PID [INTERVAL]   → one JSON line (KiB)

`/usr/bin/time %M` (the kernel's exact peak) counts both kinds: anonymous memory (heap,
stacks) and pages of mmapped files that are resident — for Pretext the shard and document
store files it maps, which are clean page cache the kernel can drop at any time. The split
shows which of the two grows with the input. Polling misses peaks shorter than INTERVAL.
"""
import json
import sys
import time

pid, interval = int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.05
peak = {"RssAnon": 0, "RssFile": 0, "VmHWM": 0}
samples = 0
while True:
    try:
        with open("/proc/%d/status" % pid) as f:
            text = f.read()
    except OSError:
        break
    if "\nState:\tZ" in text:
        break
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in peak:
            peak[key] = max(peak[key], int(value.split()[0]))
    samples += 1
    time.sleep(interval)
print(json.dumps({"anon_peak_kb": peak["RssAnon"], "file_peak_kb": peak["RssFile"], "hwm_seen_kb": peak["VmHWM"], "rss_samples": samples}))
