"""Shared helpers of the tests: a test-only shard writer, Swift-built shard folders, vocabularies."""

import atexit
import json
import os
import shutil
import struct
import subprocess
import tempfile

import lz4.block
import numpy as np

from pretext_reader import format as fmt
from pretext_reader.xxhash64 import XXH64, xxh64

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("PRETEXT_BINARY", os.path.join(REPO, ".build", "release", "pretext"))
_SCRATCH = None


def scratch_dir():
    """A temporary folder for this test process, removed at exit."""
    global _SCRATCH
    if _SCRATCH is None:
        _SCRATCH = tempfile.mkdtemp(prefix="pretext-pyreader-tests-")
        atexit.register(shutil.rmtree, _SCRATCH, True)
    return _SCRATCH


def have_binary():
    """Whether the Swift binary is there. With PRETEXT_REQUIRE_BINARY=1 (as `make test` sets it)
    a missing binary is an error, never a silent skip of the cross-language tests."""
    present = os.access(BINARY, os.X_OK)
    if not present and os.environ.get("PRETEXT_REQUIRE_BINARY") == "1":
        raise RuntimeError("PRETEXT_REQUIRE_BINARY=1 but %s is missing" % BINARY)
    return present


SKIP_REASON = ("the release binary %s is missing: build it with `swift build -c release` "
               "(or set PRETEXT_BINARY) to run the tests against Swift-made shards" % BINARY)

_BUILT = {}


def swift_build(name, pipeline, *extra):
    """Runs `pretext build <pipeline> --output <scratch>/<name> <extra…>` once; returns the folder."""
    if name not in _BUILT:
        out = os.path.join(scratch_dir(), name)
        subprocess.run([BINARY, "build", pipeline, "--output", out, "--threads", "1", *extra], cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _BUILT[name] = out
    return _BUILT[name]


def swift_inspect_record(folder, i):
    """`pretext inspect <folder> --record i` parsed into a dict of ints / int lists."""
    text = subprocess.run([BINARY, "inspect", folder, "--record", str(i)], cwd=REPO, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout.decode()
    out = {}
    for line in text.splitlines()[1:]:
        line = line.strip()
        if line.startswith("provenance:"):
            parts = line.replace(",", "").split()
            out["input_ordinal"], out["document_ordinal"] = int(parts[2]), int(parts[4])
        elif line.startswith("segment_boundary:"):
            parts = line.replace(",", "").split()
            out["segment_boundary"] = int(parts[1])
            if len(parts) > 2:  # "pair_label: L" follows in pair schemas
                out["pair_label"] = int(parts[3])
        elif line.startswith(("ids:", "masked_positions:", "masked_ids:")):
            key, _, values = line.partition(":")
            out["input_ids" if key == "ids" else key] = [int(v) for v in values.split()]
    return out


def wordpiece_masking(tokenizer_json):
    """(size, mask_id, special ids, continuation ids) as Swift's BuildVocabulary derives them."""
    with open(tokenizer_json, encoding="utf-8") as f:
        d = json.load(f)
    vocab = d["model"]["vocab"]
    tokens = [None] * len(vocab)
    for token, i in vocab.items():
        tokens[i] = token
    specials = {a["id"] for a in d["added_tokens"] if a["special"]}
    for names in (["[CLS]", "<s>"], ["[SEP]", "</s>"], ["[MASK]", "<mask>"], ["[PAD]", "<pad>"], ["[UNK]", "<unk>"]):
        for name in names:
            if name in vocab:
                specials.add(vocab[name])
                break
    mask_id = vocab.get("[MASK]", vocab.get("<mask>"))
    continuation = [i for i, t in enumerate(tokens) if t.startswith("##") and i not in specials]
    return len(tokens), mask_id, sorted(specials), continuation


def write_masking_json(folder, tokenizer_json, seed=12345, **options):
    """Writes <folder>/masking.json for a WordPiece tokenizer.json, as the build will."""
    size, mask_id, specials, continuation = wordpiece_masking(tokenizer_json)
    o = {"rate": 0.15, "max_predictions": 20, "mask_share": 0.8, "random_share": 0.1, "strategy": "token",
         "ngram_max": 3, "span_p": 0.2, "span_max": 10, "budget": "sequence"}
    o.update(options)
    document = {"format": "pretext-masking-1", "vocab_size": size, "mask_id": mask_id, "special_ids": specials,
                "continuation_ids": continuation, "seed": seed, "options": o}
    with open(os.path.join(folder, "masking.json"), "w", encoding="utf-8") as f:
        json.dump(document, f)
    return document


# -- a minimal shard writer (tests only): the layout of docs/FORMAT.md ----------------------

def _column(values, width, shuffle):
    a = np.asarray(values, dtype=np.uint64).astype({1: "<u1", 2: "<u2", 4: "<u4", 8: "<u8"}[width])
    if shuffle and width > 1:
        return a.view(np.uint8).reshape(len(a), width).T.tobytes()
    return a.tobytes()


def block_payload(records, width, shuffle, pairs, masks, segments=None):
    """The uncompressed payload of ``records`` (dicts like ShardFile returns); ``segments``
    (segment boundaries) defaults to ``pairs``."""
    segments = pairs if segments is None else segments
    parts = [_column([len(r["input_ids"]) for r in records], 4, shuffle),
             _column(np.concatenate([np.asarray(r["input_ids"], dtype=np.int64) for r in records] or [[]]), width, shuffle)]
    if segments:
        parts.append(_column([r["segment_boundary"] for r in records], 4, shuffle))
    if pairs:
        parts.append(_column([r["pair_label"] for r in records], 1, shuffle))
    if masks:
        lengths = [len(r["masked_positions"]) for r in records]
        parts.append(_column(lengths, 4, shuffle))
        parts.append(_column(np.concatenate([np.asarray(r["masked_positions"], dtype=np.int64) for r in records]), 4, shuffle))
        parts.append(_column(lengths, 4, shuffle))
        parts.append(_column(np.concatenate([np.asarray(r["masked_ids"], dtype=np.int64) for r in records]), width, shuffle))
    parts.append(_column([r["input_ordinal"] for r in records], 4, shuffle))
    parts.append(_column([r["document_ordinal"] for r in records], 8, shuffle))
    return b"".join(parts)


def write_shard(path, records, width=2, filt=0, pairs=False, masks=False, vocabulary_size=0, block_records=3,
                metadata="{}", limit=64 << 20, payload_hook=None, segments=None):
    """Writes ``records`` as a v1 shard, ``block_records`` per block (a list of counts is
    used block by block); ``segments`` (segment boundaries, with or without pair labels)
    defaults to ``pairs``. ``payload_hook(b, payload)`` may alter a block's payload before it
    is compressed and checksummed (to build structurally bad but checksum-valid files)."""
    schema = fmt.Schema(width, pairs, masks, segments)
    meta = metadata.encode()
    schema_bytes = b"".join(struct.pack("<BBB", f.type, int(f.is_list), len(f.name)) + f.name.encode() for f in schema.fields)
    length = fmt.FIXED_HEADER_LENGTH + len(schema_bytes) + len(meta) + 8
    head = (fmt.HEADER_MAGIC + struct.pack("<HHIBBBBIIHHI", 1, schema.minor_version, length, width, 1, filt, 0, vocabulary_size, limit,
                                           len(schema.fields), 0, len(meta)))
    head += bytes(fmt.FIXED_HEADER_LENGTH - len(head)) + schema_bytes + meta
    head += struct.pack("<Q", xxh64(head))
    counts = block_records if isinstance(block_records, list) else None
    blocks, at, b = [], 0, 0
    while at < len(records):
        k = counts[b] if counts else block_records
        blocks.append(records[at:at + k])
        at += k
        b += 1
    body, index = b"", b""
    offset = len(head)
    total_records = total_tokens = largest = 0
    for b, group in enumerate(blocks):
        payload = block_payload(group, width, filt == 1, pairs, masks, schema.has_segments)
        if payload_hook:
            payload = payload_hook(b, payload)
        compressed = lz4.block.compress(payload, store_size=False)
        tokens = sum(len(r["input_ids"]) for r in group)
        index += struct.pack("<QIIIIQ", offset, len(compressed), len(payload), len(group), tokens, xxh64(compressed))
        body += compressed
        offset += len(compressed)
        total_records += len(group)
        total_tokens += tokens
        largest = max(largest, len(payload))
    footer = struct.pack("<6Q", offset, len(blocks), total_records, total_tokens, len(head), largest)
    footer += struct.pack("<Q", XXH64().update(index).update(footer).digest()) + fmt.FOOTER_MAGIC
    with open(path, "wb") as f:
        f.write(head + body + index + footer)
    return path


def random_records(n, seed=0, vocab=60000, pairs=False, masks=False, max_len=40, segments=False):
    """``n`` random but valid records (ids below ``vocab``); ``segments``: segment
    boundaries without pair labels."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        length = int(rng.integers(1, max_len))
        r = {"input_ids": rng.integers(0, vocab, length).astype(np.int64)}
        if pairs or segments:
            r["segment_boundary"] = int(rng.integers(1, length + 1))
        if pairs:
            r["pair_label"] = int(rng.integers(0, 2))
        if masks:
            k = int(rng.integers(0, length + 1))
            r["masked_positions"] = np.sort(rng.choice(length, k, replace=False)).astype(np.int64)
            r["masked_ids"] = rng.integers(0, vocab, k).astype(np.int64)
        r["input_ordinal"] = int(rng.integers(0, 1 << 32))
        r["document_ordinal"] = int(rng.integers(0, 1 << 63)) * 2 + int(rng.integers(0, 2))
        out.append(r)
    return out
