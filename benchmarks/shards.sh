#!/usr/bin/env bash
# Shard write/read throughput and compression ratio against `lz4 -b1`, side by side in one
# run, on the bert-base-uncased token ids (u16) of dev-en from ../shared/bench.
#
#   bash benchmarks/shards.sh            (WORK=/var/tmp/pretext-bench by default)
#
# Prints the figures of both tools and the ratios the foundation issue sets targets for:
#   read  >= 50% of raw LZ4 decompression speed (one core)
#   write >= 50% of LZ4 level-1 compression speed (one core)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
WORK="${WORK:-/var/tmp/pretext-bench}"
CORPORA="${CORPORA:-/var/tmp/pretext-corpora}"
VOCAB="${VOCAB:-/var/tmp/pretext-vocab/minilm}"
source "$ROOT/benchmarks/tools/setup.sh"
mkdir -p "$WORK"

ensure_corpora
ensure_vocab
ensure_python tokenizers numpy
command -v lz4 >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q lz4; }

TOKENS="$WORK/dev-en.u16"
if [ ! -s "$TOKENS" ]; then
  echo "tokenizing dev-en with HF tokenizers → $TOKENS" >&2
  "$PY" "$ROOT/benchmarks/tools/token_ids.py" "$CORPORA/dev-en/corpus.txt" "$VOCAB/tokenizer.json" "$TOKENS"
fi

(cd "$ROOT" && swift build -c release --product pretext-bench >&2)

echo "== lz4 -b1 (level 1, one thread) on $(basename "$TOKENS")"
# lz4 -b prints progress with carriage returns; keep the final result line.
lz4line=$(taskset -c 0 lz4 -b1 -i5 "$TOKENS" 2>&1 | tr '\r' '\n' | grep -E 'MB/s.*MB/s' | tail -1)
echo "$lz4line"
lz4_ratio=$(sed -E 's/.*\(([0-9.]+)\).*/\1/' <<<"$lz4line")
lz4_c=$(sed -E 's/.*\), *([0-9.]+) MB\/s.*/\1/' <<<"$lz4line")
lz4_d=$(sed -E 's/.*, *([0-9.]+) MB\/s *$/\1/' <<<"$lz4line" | tr -d ' ')

echo "== pretext shards (one thread, best of 7)"
out=$(taskset -c 0 "$ROOT/.build/release/pretext-bench" shards "$TOKENS" --repeat 7)
echo "$out"
line=$(grep '^filter=none' <<<"$out")
field() { tr ' ' '\n' <<<"$line" | grep "^$1=" | cut -d= -f2; }
write=$(field write_mb_s); read=$(field read_mb_s); ratio=$(field file_ratio)
raw_c=$(field raw_lz4_compress_mb_s); raw_d=$(field raw_lz4_decompress_mb_s)

python3 - "$write" "$read" "$ratio" "$lz4_c" "$lz4_d" "$lz4_ratio" "$raw_c" "$raw_d" <<'PY'
import sys
w, r, ratio, lc, ld, lratio, rc, rd = map(float, sys.argv[1:])
print("== summary (MB/s of uncompressed u16 token bytes)")
print(f"pretext write {w:8.1f}  lz4 -b1 compress   {lc:8.1f}  ratio {w/lc:5.2f}  (in-process raw LZ4 {rc:7.1f}: {w/rc:5.2f})  target >= 0.50")
print(f"pretext read  {r:8.1f}  lz4 -b1 decompress {ld:8.1f}  ratio {r/ld:5.2f}  (in-process raw LZ4 {rd:7.1f}: {r/rd:5.2f})  target >= 0.50")
print(f"compression: pretext file {ratio:.3f}x (index, footer, provenance columns included), lz4 -b1 {lratio:.3f}x")
PY
