#!/usr/bin/env python3
"""Cuts the first BYTES bytes of a BERT-format corpus (one sentence per line, blank line
between documents) at the last document boundary before BYTES.

  python3 cut_corpus.py CORPUS BYTES OUT
"""
import sys

src, limit, out = sys.argv[1], int(float(sys.argv[2])), sys.argv[3]
with open(src, "rb") as f:
    data = f.read(limit + 1)
if len(data) > limit:
    cut = data.rfind(b"\n\n", 0, limit)
    if cut < 0:
        sys.exit("no document boundary in the first %d bytes of %s" % (limit, src))
    data = data[:cut + 1]
with open(out, "wb") as f:
    f.write(data)
print("%s: %d bytes, %d documents" % (out, len(data), data.count(b"\n\n") + 1))
