#!/usr/bin/env python3
"""Where a `pretext build` spends its time, per phase and per thread, from a
`perf record -g` profile (used to look for the causes when benchmarks/build.sh misses a
target; docs/LABELING.md has the findings).

  perf record -g -F 4000 -o perf.data .build/release/pretext build ... --threads 2
  perf script -i perf.data -F tid,time,ip,sym | python3 perf_phases.py [BUCKET_MS]

Prints (1) samples per phase and thread, (2) a timeline: per time bucket, which phase each
thread was in (the most frequent phase of its samples), so serial stretches — one thread
busy, the other idle or yielding — show up directly.
"""
import collections
import re
import sys

# The first rule whose pattern occurs anywhere in a sample's stack names its phase
# (ordered from the most specific frames to the least).
PHASES = [
    ("yield", r"sched_yield"),
    ("load-tokenizer", r"TokenizerFile.*load|BuildVocabulary|MaskingVocabulary"),
    ("startup", r"_dl_start_user|_dl_relocate|dl_main"),
    ("store-write", r"DocumentStoreFiles.*writeUnit"),
    ("s1-tokenize", r"BuildRunner.*tokenize"),
    ("s1-read", r"forEachDocument|LineReader|InputLines"),
    ("s2-pairs", r"SentencePairBuilder"),
    ("s2-mask+record", r"UnitLabeler.*record|Masker"),
    ("s2-shard-write", r"ShardSetWriter|ShardWriter|LZ4_compress"),
    ("s2-load-own", r"DocumentStore.*document|UnitLabeler.*label"),
    ("catalog", r"Catalog|sqlite|GRDB"),
    ("checksum", r"FileChecksum|XXHash64"),
    ("kernel-io", r"fsync|sys_write|sys_read|page_fault"),
]
COMPILED = [(name, re.compile(p)) for name, p in PHASES]


def samples(stream):
    tid = t = None
    stack = []
    for line in stream:
        line = line.rstrip("\n")
        m = re.match(r"^\s*(\d+)\s+(\d+\.\d+):", line)
        if m:
            if tid is not None:
                yield tid, t, stack
            tid, t, stack = int(m.group(1)), float(m.group(2)), []
        elif line.strip():
            parts = line.split(None, 1)
            stack.append(parts[1] if len(parts) > 1 else parts[0])
        else:
            if tid is not None:
                yield tid, t, stack
            tid = None
    if tid is not None:
        yield tid, t, stack


def phase(stack):
    text = "\n".join(stack)
    for name, rx in COMPILED:
        if rx.search(text):
            return name
    return "other"


def main():
    bucket = float(sys.argv[1]) / 1000 if len(sys.argv) > 1 else 0.05
    rows = []
    other_leaves = collections.Counter()
    other_roots = collections.Counter()
    for tid, t, stack in samples(sys.stdin):
        ph = phase(stack)
        rows.append((tid, t, ph))
        if ph == "other" and stack:
            other_leaves[stack[0].split("+")[0][:90]] += 1
            caller = next((f for f in stack if "Pretext" in f or "pretext" in f), stack[-1])
            other_roots[caller.split("+")[0][:90]] += 1
    if not rows:
        sys.exit("no samples")
    t0 = min(t for _, t, _ in rows)
    tids = [tid for tid, _ in collections.Counter(tid for tid, _, _ in rows).most_common()]
    totals = collections.Counter((tid, ph) for tid, _, ph in rows)
    names = [n for n, _ in PHASES] + ["other"]
    print("samples per phase and thread (tid: %s)" % ", ".join(map(str, tids)))
    for n in names:
        counts = [totals[(tid, n)] for tid in tids]
        if sum(counts):
            print("  %-16s %s" % (n, "  ".join("%6d" % c for c in counts)))
    print("'other': most frequent leaf functions")
    for name, n in other_leaves.most_common(8):
        print("  %6d  %s" % (n, name))
    print("'other': innermost Pretext frame")
    for name, n in other_roots.most_common(8):
        print("  %6d  %s" % (n, name))
    print("timeline (%.0f ms buckets; per thread: phase with most samples, '.' = no samples)" % (bucket * 1000))
    grid = collections.defaultdict(collections.Counter)
    for tid, t, ph in rows:
        grid[(int((t - t0) / bucket), tid)][ph] += 1
    last = max(k for k, _ in grid)
    for b in range(last + 1):
        cells = []
        for tid in tids[:4]:
            c = grid.get((b, tid))
            cells.append("%-16s" % (c.most_common(1)[0][0] if c else "."))
        print("  %6.0f ms  %s" % (b * bucket * 1000, " ".join(cells)))


if __name__ == "__main__":
    main()
