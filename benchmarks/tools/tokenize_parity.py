#!/usr/bin/env python3
"""Token-id parity between Pretext and HF tokenizers, and HF's encode_batch speed.

    tokenize_parity.py prepare WORK CORPUS_TXT...        train the HF vocabularies used below
    tokenize_parity.py hf-ids TOKENIZER CORPUS OUT        HF ids, one line per non-empty line
    tokenize_parity.py compare HF_IDS PRETEXT_IDS NAME    % identical lines, first mismatches
    tokenize_parity.py hf-speed TOKENIZER CORPUS          MB/s and tokens/s of encode_batch
    tokenize_parity.py golden TOKENIZER CORPUS N OUT      N sampled lines with HF ids (JSONL)

Lines are read as UTF-8, trailing "\\n"/"\\r\\n" removed, empty lines skipped; truncation and
padding are switched off and no special tokens are added (the bert-base-uncased
tokenizer.json turns both on). Peer tooling only: the product needs no Python.
"""
import json
import os
import sys
import time

from tokenizers import Tokenizer


def lines_of(path):
    with open(path, "rb") as f:
        for raw in f:
            line = raw.rstrip(b"\n").rstrip(b"\r")
            if line:
                yield line.decode("utf-8", "replace")


def load(path):
    if path.endswith("vocab.txt") or path.endswith("-vocab.txt"):
        from tokenizers import BertWordPieceTokenizer
        tok = BertWordPieceTokenizer(path)
    elif path.endswith("vocab.json"):
        from tokenizers import ByteLevelBPETokenizer
        tok = ByteLevelBPETokenizer(path, os.path.join(os.path.dirname(path), "merges.txt"))
    else:
        tok = Tokenizer.from_file(path)
    tok.no_truncation()
    tok.no_padding()
    return tok


def prepare(work, corpora):
    from tokenizers import BertWordPieceTokenizer, ByteLevelBPETokenizer
    os.makedirs(work, exist_ok=True)
    wp = BertWordPieceTokenizer(lowercase=True)
    wp.train(corpora, vocab_size=30000, min_frequency=2)
    os.makedirs(f"{work}/hf-wordpiece", exist_ok=True)
    wp.save(f"{work}/hf-wordpiece/tokenizer.json")
    wp.save_model(f"{work}/hf-wordpiece")
    bpe = ByteLevelBPETokenizer()
    bpe.train(corpora, vocab_size=30000, min_frequency=2, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    os.makedirs(f"{work}/hf-bpe", exist_ok=True)
    bpe.save(f"{work}/hf-bpe/tokenizer.json")
    bpe.save_model(f"{work}/hf-bpe")


def hf_ids(tokenizer, corpus, out):
    tok = load(tokenizer)
    with open(out, "w") as o:
        batch = []
        def flush():
            for e in tok.encode_batch(batch, add_special_tokens=False):
                o.write(" ".join(map(str, e.ids)) + "\n")
            batch.clear()
        for line in lines_of(corpus):
            batch.append(line)
            if len(batch) == 4096:
                flush()
        flush()


def compare(a_path, b_path, name):
    with open(a_path) as a, open(b_path) as b:
        a_lines, b_lines = a.read().split("\n"), b.read().split("\n")
    n = max(len(a_lines), len(b_lines))
    same = sum(1 for x, y in zip(a_lines, b_lines) if x == y)
    total = len([x for x in a_lines if x != ""]) if a_lines[-1] == "" else len(a_lines)
    mismatches = [i for i, (x, y) in enumerate(zip(a_lines, b_lines)) if x != y][:3]
    identical = 100.0 * (same - (1 if a_lines[-1] == "" and b_lines[-1] == "" else 0)) / max(total, 1)
    print(f"parity {name}: {identical:.3f}% identical lines ({total} lines; HF {len(a_lines)} vs Pretext {len(b_lines)} output lines)")
    for i in mismatches:
        print(f"  line {i + 1}: HF      {a_lines[i][:200]}")
        print(f"  line {i + 1}: Pretext {b_lines[i][:200] if i < len(b_lines) else '<missing>'}")
    return identical


def hf_speed(tokenizer, corpus):
    tok = load(tokenizer)
    lines = list(lines_of(corpus))
    size = sum(len(l.encode("utf-8")) for l in lines)
    best = None
    tokens = 0
    for _ in range(3):
        t0 = time.perf_counter()
        tokens = 0
        for i in range(0, len(lines), 4096):
            for e in tok.encode_batch(lines[i:i + 4096], add_special_tokens=False):
                tokens += len(e.ids)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    print(f"hf bytes={size} seconds={best:.4f} mb_s={size / best / 1e6:.3f} tokens_s={tokens / best:.0f} tokens={tokens}")


def golden(tokenizer, corpus, n, out):
    tok = load(tokenizer)
    lines = list(lines_of(corpus))
    step = max(1, len(lines) // int(n))
    picked = lines[::step][: int(n)]
    with open(out, "w", encoding="utf-8") as o:
        for line in picked:
            ids = tok.encode(line, add_special_tokens=False).ids
            o.write(json.dumps({"text": line, "ids": ids}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "prepare":
        prepare(args[0], args[1:])
    elif cmd == "hf-ids":
        hf_ids(*args)
    elif cmd == "compare":
        ok = compare(*args)
        sys.exit(0 if ok == 100.0 else 1)
    elif cmd == "hf-speed":
        hf_speed(*args)
    elif cmd == "golden":
        golden(*args)
    else:
        raise SystemExit(f"unknown command {cmd}")
