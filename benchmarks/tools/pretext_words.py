#!/usr/bin/env python3
"""Whole-word masking check on a Pretext build: reads N records spread evenly over the
folder with `pretext inspect DIR --record K` and counts masked words of two or more
WordPiece pieces, and those whose pieces came out differently (some [MASK], some kept or
random) — the same definition as the Google side (benchmarks/tools/tfstub: _words).

  python3 pretext_words.py PRETEXT DIR VOCAB_TXT N   → one JSON line
"""
import json
import subprocess
import sys

pretext, folder, vocab_path, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(vocab_path, encoding="utf-8") as f:
    vocab = [l.rstrip("\n") for l in f]
cont = [w.startswith("##") for w in vocab]
mask_id = vocab.index("[MASK]")
stats = json.loads(subprocess.run([pretext, "stats", folder, "--json"], check=True, capture_output=True, text=True).stdout)
total = int(stats["instances"])
c = dict(records=0, masked_tokens=0, masked_words=0, multi_piece_masked_words=0, mixed_words=0)
for k in range(min(n, total)):
    record = k * total // min(n, total)
    text = subprocess.run([pretext, "inspect", folder, "--record", str(record)], check=True, capture_output=True, text=True).stdout
    fields = {}
    for line in text.splitlines():
        line = line.strip()
        if ":" in line:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    ids = [int(x) for x in fields.get("ids", [])]
    positions = [int(x) for x in fields.get("masked_positions", [])]
    originals = [int(x) for x in fields.get("masked_ids", [])]
    original = list(ids)
    for p, o in zip(positions, originals):
        original[p] = o
    words = {}
    for p, o in zip(positions, originals):
        q = p
        while q > 0 and cont[original[q]]:
            q -= 1
        kind = "mask" if ids[p] == mask_id else ("kept" if ids[p] == o else "random")
        words.setdefault(q, []).append(kind)
    c["records"] += 1
    c["masked_tokens"] += len(positions)
    for kinds in words.values():
        c["masked_words"] += 1
        if len(kinds) > 1:
            c["multi_piece_masked_words"] += 1
            if len(set(kinds)) > 1:
                c["mixed_words"] += 1
print(json.dumps(c, sort_keys=True))
