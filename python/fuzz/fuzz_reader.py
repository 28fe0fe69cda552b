"""Coverage-guided fuzzing of the Python reader with atheris (libFuzzer for Python).

    python python/fuzz/fuzz_reader.py TARGET CORPUS_DIR [libFuzzer flags...]

TARGET is ``shard`` (``ShardFile`` over any bytes: header, schema, block index, footer, every
block and record), ``masking-json`` (``MaskingConfig.load``) or ``catalog`` (``ShardSet`` over a
hostile ``catalog.sqlite`` beside the real shards in ``PRETEXT_FUZZ_SHARDS``). The reader may
reject an input only with its own errors (``ShardFormatError``, ``MaskingConfigError``,
``CatalogError``); any other exception — an ``IndexError``, a ``struct.error``, a numpy error,
a ``MemoryError`` — is a finding, and atheris stops with the input that raised it.
``benchmarks/fuzz.sh`` runs these beside the Swift targets.
"""

import os
import shutil
import sys

import atheris

with atheris.instrument_imports():
    from pretext_reader import CatalogError, MaskingConfig, MaskingConfigError, ShardFile, ShardFormatError, ShardSet

FOLDER = "/dev/shm/pretext-atheris-%d" % os.getpid()
os.makedirs(FOLDER + "/set", exist_ok=True)
SHARDS = os.environ.get("PRETEXT_FUZZ_SHARDS")
if SHARDS:
    for name in os.listdir(SHARDS):
        if name.endswith(".ptxs") or name == "masking.json":
            shutil.copy(os.path.join(SHARDS, name), os.path.join(FOLDER, "set", name))


def write(name, data):
    path = os.path.join(FOLDER, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def shard(data):
    path = write("part-00000-00000.ptxs", data)
    # Verified, then without the block checksums, so mutated block payloads reach the LZ4
    # decoder and the column decoding instead of all failing the XXH64 check.
    for verify in (True, False):
        try:
            with ShardFile(path, verify=verify) as f:
                for i in range(len(f)):
                    f[i]
        except ShardFormatError:
            pass


def masking_json(data):
    write("masking.json", data)
    try:
        MaskingConfig.load(FOLDER)
    except MaskingConfigError:
        pass


def catalog(data):
    for suffix in ("-wal", "-shm", "-journal"):
        try:
            os.unlink(os.path.join(FOLDER, "set", "catalog.sqlite" + suffix))
        except FileNotFoundError:
            pass
    write("set/catalog.sqlite", data)
    try:
        s = ShardSet(os.path.join(FOLDER, "set"))
        for k in range(s.shard_count):
            s.shard(k)
        for i in range(min(len(s), 64)):
            s[i]
    except (CatalogError, ShardFormatError, FileNotFoundError):
        pass


TARGETS = {"shard": shard, "masking-json": masking_json, "catalog": catalog}

if __name__ == "__main__":
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0]] + sys.argv[2:], target)
    try:
        atheris.Fuzz()
    finally:
        shutil.rmtree(FOLDER, ignore_errors=True)
