#!/usr/bin/env python3
"""Peak anonymous and file-backed resident memory of a running process, by polling
/proc/PID/status (RssAnon, RssFile) every INTERVAL seconds until it exits.

  python3 rss_sampler.py PID [INTERVAL]   → one JSON line (KiB)
  python3 rss_sampler.py --parent-file FILE [INTERVAL]
      starts first: creates FILE.ready once the interpreter is up, waits for FILE to hold the
      pid of a parent (`/usr/bin/time`), then samples the parent's child. The interpreter's
      start-up (tens of ms of CPU) then never overlaps a run that lasts a fraction of a second.

`/usr/bin/time %M` (the kernel's exact peak) counts both kinds: anonymous memory (heap,
stacks) and pages of mmapped files that are resident — for Pretext the shard and document
store files it maps, which are clean page cache the kernel can drop at any time. The split
shows which of the two grows with the input. Polling misses peaks shorter than INTERVAL.
"""
import json
import os
import sys
import time


def child_of(parent):
    """The first child of `parent` (from /proc), waiting for it; None once the parent is gone."""
    path = "/proc/%d/task/%d/children" % (parent, parent)
    while True:
        try:
            with open(path) as f:
                children = f.read().split()
        except OSError:
            return None
        if children:
            return int(children[0])
        time.sleep(0.001)


args = sys.argv[1:]
if args[0] == "--parent-file":
    pid_file, args = args[1], args[2:]
    open(pid_file + ".ready", "w").close()
    while not os.path.exists(pid_file):
        time.sleep(0.001)
    with open(pid_file) as f:
        pid = child_of(int(f.read()))
    if pid is None:
        sys.exit(0)  # the run ended before it could be seen: no line (the report shows "–")
else:
    pid, args = int(args[0]), args[1:]
interval = float(args[0]) if args else 0.05
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
