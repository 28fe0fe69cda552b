#!/usr/bin/env python3
"""HF tokenizers' vocabulary trainers beside `pretext vocab train` (peer tooling only).

    vocab_train.py hf-train MODEL CORPUS OUT SIZE MIN_FREQ   train with HF, save, print seconds
    vocab_train.py tokens-per-byte TOKENIZER CORPUS          HF encoding: tokens / UTF-8 bytes
    vocab_train.py overlap A_DIR B_DIR MODEL                 shared tokens (and merges) of two vocabularies
    vocab_train.py load-plain DIR MODEL CORPUS               HF loads vocab.txt / vocab.json+merges.txt too
                                                             and encodes CORPUS as with tokenizer.json

MODEL is wordpiece (BertWordPieceTokenizer, lowercase, limit_alphabet 1000) or bpe
(ByteLevelBPETokenizer, specials <s> <pad> </s> <unk> <mask>). Lines are read as in
tokenize_parity.py: UTF-8, line endings removed, empty lines skipped, no special tokens.
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


def hf_train(model, corpus, out, size, min_freq):
    from tokenizers import BertWordPieceTokenizer, ByteLevelBPETokenizer
    os.makedirs(out, exist_ok=True)
    t0 = time.perf_counter()
    if model == "wordpiece":
        tok = BertWordPieceTokenizer(lowercase=True)
        tok.train([corpus], vocab_size=int(size), min_frequency=int(min_freq), show_progress=False)
    else:
        tok = ByteLevelBPETokenizer()
        tok.train([corpus], vocab_size=int(size), min_frequency=int(min_freq), show_progress=False,
                  special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    seconds = time.perf_counter() - t0
    tok.save(f"{out}/tokenizer.json")
    tok.save_model(out)
    print(f"seconds={seconds:.3f}")


def tokens_per_byte(tokenizer, corpus):
    tok = Tokenizer.from_file(tokenizer)
    tok.no_truncation()
    tok.no_padding()
    lines = list(lines_of(corpus))
    size = sum(len(l.encode("utf-8")) for l in lines)
    tokens = 0
    for i in range(0, len(lines), 4096):
        for e in tok.encode_batch(lines[i:i + 4096], add_special_tokens=False):
            tokens += len(e.ids)
    print(f"bytes={size} tokens={tokens} tpb={tokens / size:.6f}")


def vocab_of(folder):
    return Tokenizer.from_file(f"{folder}/tokenizer.json").get_vocab()


def overlap(a, b, model):
    va, vb = vocab_of(a), vocab_of(b)
    common = len(set(va) & set(vb))
    line = f"tokens={len(va)}/{len(vb)} shared={common} ({100.0 * common / max(len(va), 1):.1f}%)"
    if model == "bpe":
        def merges(folder):
            with open(f"{folder}/merges.txt", encoding="utf-8") as f:
                return [l for l in f.read().split("\n")[1:] if l]
        ma, mb = merges(a), merges(b)
        same = next((i for i, (x, y) in enumerate(zip(ma, mb)) if x != y), min(len(ma), len(mb)))
        line += f" identical_merges={same}/{len(ma)}"
    print(line)


def load_plain(folder, model, corpus):
    from tokenizers import BertWordPieceTokenizer, ByteLevelBPETokenizer
    if model == "wordpiece":
        plain = BertWordPieceTokenizer(f"{folder}/vocab.txt", lowercase=True)
    else:
        plain = ByteLevelBPETokenizer(f"{folder}/vocab.json", f"{folder}/merges.txt")
    full = Tokenizer.from_file(f"{folder}/tokenizer.json")
    lines = list(lines_of(corpus))
    same = 0
    for i in range(0, len(lines), 4096):
        batch = lines[i:i + 4096]
        a = plain.encode_batch(batch, add_special_tokens=False)
        b = full.encode_batch(batch, add_special_tokens=False)
        same += sum(1 for x, y in zip(a, b) if x.ids == y.ids)
    print(f"plain files encode like tokenizer.json: {100.0 * same / max(len(lines), 1):.3f}% of {len(lines)} lines")
    return same == len(lines)


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "hf-train":
        hf_train(*args)
    elif cmd == "tokens-per-byte":
        tokens_per_byte(*args)
    elif cmd == "overlap":
        overlap(*args)
    elif cmd == "load-plain":
        sys.exit(0 if load_plain(*args) else 1)
    else:
        raise SystemExit(f"unknown command {cmd}")
