#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of untrusted bytes, with libFuzzer and
# AddressSanitizer (the toolchain's -sanitize=fuzzer,address), one target after another.
#
#   bash benchmarks/fuzz.sh [SECONDS] [TARGET...]
#     SECONDS per target (default 20); TARGET names from Fuzz/pretext-fuzz/FuzzTargets.swift,
#     and py-shard, py-masking-json, py-catalog for the Python reader under atheris
#     (python/fuzz/fuzz_reader.py) (default: all). FUZZ_SEED=N fixes libFuzzer's seed (make test uses 1, so a run is
#     repeatable); WORK=/var/tmp/pretext-fuzz keeps each target's corpus between runs;
#     PRETEXT=path/to/pretext builds the seeds (default .build/release/pretext).
#
# Seed corpora come from real files: a build of a slice of corpora/en-sample.txt (its shard,
# masking.json, store index and tokenizer image), the test fixtures' tokenizers, the pipelines,
# and gzip/zstd compressions of the slice. Limits per input: 2 GB of RSS, 64 MB per malloc,
# 10 s per input. A crash, leak, timeout or out-of-memory stops the run and leaves the input
# that caused it in $WORK/<target>/crash-*; the script then exits non-zero. The last line per
# target is "fuzz <target>: <executions> executions, corpus <n> inputs, <bytes> bytes", also
# appended to $WORK/ledger.tsv (time, target, seconds, executions, exit status).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_PER_TARGET="${1:-20}"
shift || true
WORK="${WORK:-/var/tmp/pretext-fuzz}"
SEED="${FUZZ_SEED:-0}"
# The largest single allocation an input may cause. Inputs are at most a few hundred KB, so a
# header field that makes a reader allocate more than this is a finding (libFuzzer reports the
# stack), not a test of the machine's memory.
MALLOC_LIMIT_MB="${MALLOC_LIMIT_MB:-64}"
cd "$ROOT"

# Optimized (ten times the executions of a debug build on the tokenizer targets), with
# -enable-testing for the targets that reach internal parsers; lld, because gold fails on
# libFuzzer's objects.
PRETEXT_FUZZ=1 swift build --build-path .build/fuzz -c release --product pretext-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld -Xswiftc -enable-testing >&2
FUZZ="$ROOT/.build/fuzz/release/pretext-fuzz"
# The seeds' builds: PRETEXT (make test passes its debug binary), else the release binary.
PRETEXT="${PRETEXT:-$ROOT/.build/release/pretext}"
[ -x "$PRETEXT" ] || swift build -c release --product pretext >&2

# The zstd seed needs Debian's zstd tool (root installs it when missing, as make test runs).
command -v zstd > /dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q zstd >&2

# Seeds, made once per WORK folder.
S="$WORK/seed-files"
if [ ! -s "$S/done" ]; then
  rm -rf "$S"
  mkdir -p "$S"
  head -c 6000 corpora/en-sample.txt > "$S/tiny.txt"
  printf '\n\n' >> "$S/tiny.txt"
  "$PRETEXT" build pipelines/bert-nsp.toml --input "$S/tiny.txt" --tokenizer Tests/PretextTextTests/Fixtures/wordpiece-2k.tokenizer.json \
    --output "$S/nsp" --threads 1 >&2
  "$PRETEXT" build pipelines/gpt-causal.toml --input "$S/tiny.txt" --tokenizer Tests/PretextTextTests/Fixtures/bpe-2k.tokenizer.json \
    --output "$S/gpt" --threads 1 >&2
  python3 - "$S" <<'PY'
import json, sys
s = sys.argv[1]
lines = open(s + "/tiny.txt", encoding="utf-8").read().split("\n\n")
with open(s + "/tiny.jsonl", "w", encoding="utf-8") as f:
    for i, doc in enumerate(lines[:6]):
        f.write(json.dumps({"id": i, "text": doc}) + "\n")
    f.write('{"text": 3}\n{"id": 1}\n[1, 2]\n{"text": "trunc\n')
tok = json.load(open("Tests/PretextTextTests/Fixtures/bpe-2k.tokenizer.json", encoding="utf-8"))
vocab = dict(sorted(tok["model"]["vocab"].items(), key=lambda kv: kv[1])[:300])
merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"][:40]]
with open(s + "/vocab-merges", "wb") as f:
    f.write(json.dumps(vocab).encode() + b"\0" + ("#version: 0.2\n" + "\n".join(merges) + "\n").encode())
PY
  gzip -c "$S/tiny.txt" > "$S/tiny.txt.gz"
  zstd -q -c "$S/tiny.txt" > "$S/tiny.txt.zst"
  head -c 3000 Tests/PretextTextTests/Fixtures/bert-base-uncased-vocab.txt > "$S/vocab.txt"
  echo ok > "$S/done"
fi

seeds() {
  case "$1" in
    shard) echo "$S/nsp/part-00000-00000.ptxs" "$S/gpt/part-00000-00000.ptxs" ;;
    tokenizer-json) echo Tests/PretextTextTests/Fixtures/wordpiece-2k.tokenizer.json Tests/PretextTextTests/Fixtures/bpe-2k.tokenizer.json ;;
    vocab-txt) echo "$S/vocab.txt" ;;
    vocab-json-merges) echo "$S/vocab-merges" ;;
    tokenizer-image) echo "$S/gpt/store/tokenizer.image" "$S/nsp/store/tokenizer.image" ;;
    pipeline-toml) echo pipelines/*.toml ;;
    masking-json) echo "$S/nsp/masking.json" "$S/gpt/masking.json" ;;
    jsonl) echo "$S/tiny.jsonl" ;;
    text) echo "$S/tiny.txt" Tests/PretextTextTests/Fixtures/tricky-lines.txt ;;
    gzip) echo "$S/tiny.txt.gz" ;;
    zstd) echo "$S/tiny.txt.zst" ;;
    store-index) echo "$S/nsp/store/unit-00000.docs" "$S/gpt/store/unit-00000.docs" ;;
    catalog) echo "$S/nsp/catalog.sqlite" ;;
    py-*) seeds "${1#py-}" ;;
  esac
}

# The Python reader's targets (python/fuzz/fuzz_reader.py) run under atheris in the virtualenv
# the Python tests use (scripts/python-venv.sh), made when missing.
VENV=""
python_ready() {
  [ -n "$VENV" ] || VENV="$(bash "$ROOT/scripts/python-venv.sh")"
}

ALL="shard tokenizer-json vocab-txt vocab-json-merges tokenizer-image pipeline-toml masking-json jsonl text gzip zstd store-index catalog py-shard py-masking-json py-catalog"
TARGETS="${*:-$ALL}"
status=0
for t in $TARGETS; do
  corpus="$WORK/$t/corpus"
  mkdir -p "$corpus"
  for f in $(seeds "$t"); do cp "$f" "$corpus/seed-$(basename "$f")"; done
  # Inputs up to twice the largest seed (a WordPiece image holds a 256 KiB normalizer table).
  max=$(( $(wc -c $(seeds "$t") | sort -n | tail -2 | head -1 | awk '{print $1}') * 2 ))
  [ "$max" -lt 4096 ] && max=4096
  log="$WORK/$t/last.log"
  # LeakSanitizer scans the whole heap after every input that allocated more than it freed;
  # SQLite and GRDB keep caches across connections, so every catalog input would be scanned
  # (70 executions/s instead of 500). The catalog target checks leaks only at exit.
  leaks=1
  [ "$t" = catalog ] && leaks=0
  runner=("$FUZZ")
  if [ "${t#py-}" != "$t" ]; then
    python_ready
    runner=(env PYTHONPATH="$ROOT/python" "$VENV/bin/python" "$ROOT/python/fuzz/fuzz_reader.py" "${t#py-}")
  fi
  set +e
  (cd "$WORK/$t" && PRETEXT_FUZZ_TARGET="$t" PRETEXT_FUZZ_SHARDS="$S/nsp" "${runner[@]}" "$corpus" -max_total_time="$SECONDS_PER_TARGET" -seed="$SEED" \
      -max_len="$max" -rss_limit_mb=2048 -malloc_limit_mb="$MALLOC_LIMIT_MB" -timeout=10 -detect_leaks="$leaks" -print_final_stats=1 > "$log" 2>&1)
  rc=$?
  set -e
  runs=$(awk '/stat::number_of_executed_units/ { print $NF }' "$log")
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(du -sb "$corpus" | cut -f1)
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "fuzz $t: FAILED (exit $rc) after ${runs:-?} executions; input and report in $WORK/$t:" >&2
    grep -E "ERROR|SUMMARY|Fatal error|deadly signal|==[0-9]+==" "$log" | head -8 >&2
  fi
  echo "fuzz $t: ${runs:-0} executions, corpus $files inputs, $bytes bytes"
  # A ledger of every run in WORK, from which the totals in docs/RELIABILITY.md are summed.
  printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$SECONDS_PER_TARGET" "${runs:-0}" "$rc" >> "$WORK/ledger.tsv"
done
exit $status
