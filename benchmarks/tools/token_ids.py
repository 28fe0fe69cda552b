#!/usr/bin/env python3
"""Writes the token ids of a BERT-format corpus as little-endian uint16 (peer tooling).

    token_ids.py CORPUS.txt TOKENIZER.json OUT.u16

Each non-empty line is encoded with HF `tokenizers` (no special tokens, truncation and
padding off) and the ids are concatenated. Used by benchmarks/shards.sh to get the same
token stream `lz4 -b1` and Pretext's shard writer are measured on.
"""
import sys

import numpy as np
from tokenizers import Tokenizer


def main() -> None:
    corpus, tokenizer_path, out = sys.argv[1:4]
    tok = Tokenizer.from_file(tokenizer_path)
    tok.no_truncation()
    tok.no_padding()
    with open(corpus, encoding="utf-8") as f, open(out, "wb") as o:
        batch = []
        for line in f:
            line = line.strip()
            if line:
                batch.append(line)
            if len(batch) == 4096:
                for enc in tok.encode_batch(batch, add_special_tokens=False):
                    o.write(np.asarray(enc.ids, dtype="<u2").tobytes())
                batch = []
        for enc in tok.encode_batch(batch, add_special_tokens=False):
            o.write(np.asarray(enc.ids, dtype="<u2").tobytes())


if __name__ == "__main__":
    main()
