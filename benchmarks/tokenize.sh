#!/usr/bin/env bash
# Tokenizer parity and speed against HF tokenizers, side by side in one run.
#
#   bash benchmarks/tokenize.sh
#
# Parity: token ids of every non-empty line of dev-en (English) and dev-multi (Korean,
# Chinese, mixed) from ../shared/bench, for bert-base-uncased (tokenizer.json with truncation
# and padding switched off) and for a WordPiece and a byte-level BPE vocabulary (30k) trained
# by HF on those corpora: % identical lines (target 100%).
# Speed: MB/s and tokens/s of HF `encode_batch` with RAYON_NUM_THREADS=1 and of Pretext on one
# and two threads, on dev-en held in memory (targets: WordPiece >= 10x HF, byte-level BPE >= 5x
# HF, two threads >= 1.8x Pretext's one thread).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
WORK="${WORK:-/var/tmp/pretext-bench}"
CORPORA="${CORPORA:-/var/tmp/pretext-corpora}"
VOCAB="${VOCAB:-/var/tmp/pretext-vocab/minilm}"
source "$ROOT/benchmarks/tools/setup.sh"
mkdir -p "$WORK"
[ -x /usr/bin/time ] || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q time; }
ensure_corpora
ensure_vocab
ensure_python tokenizers numpy
T="$ROOT/benchmarks/tools/tokenize_parity.py"
[ -s "$WORK/hf-bpe/tokenizer.json" ] || "$PY" "$T" prepare "$WORK" "$CORPORA/dev-en/corpus.txt" "$CORPORA/dev-multi/corpus.txt"
(cd "$ROOT" && swift build -c release --product pretext >&2 && swift build -c release --product pretext-bench >&2)

TOKENIZERS=("$VOCAB/tokenizer.json" "$WORK/hf-wordpiece/tokenizer.json" "$WORK/hf-bpe/tokenizer.json")
status=0
echo "== parity (ids of every non-empty line, no special tokens)"
for tok in "${TOKENIZERS[@]}"; do
  for corpus in dev-en dev-multi; do
    name="$(basename "$(dirname "$tok")")-$corpus"
    "$PY" "$T" hf-ids "$tok" "$CORPORA/$corpus/corpus.txt" "$WORK/hf-$name.ids"
    "$ROOT/.build/release/pretext" tokenize --tokenizer "$tok" "$CORPORA/$corpus/corpus.txt" --threads 2 > "$WORK/pt-$name.ids"
    "$PY" "$T" compare "$WORK/hf-$name.ids" "$WORK/pt-$name.ids" "$name" || status=1
  done
done

echo "== speed on dev-en (one core for HF: RAYON_NUM_THREADS=1)"
for tok in "$VOCAB/tokenizer.json" "$WORK/hf-bpe/tokenizer.json"; do
  hf=$(RAYON_NUM_THREADS=1 taskset -c 0 "$PY" "$T" hf-speed "$tok" "$CORPORA/dev-en/corpus.txt")
  one=$(taskset -c 0 "$ROOT/.build/release/pretext-bench" tokenize "$tok" "$CORPORA/dev-en/corpus.txt" --threads 1)
  two=$("$ROOT/.build/release/pretext-bench" tokenize "$tok" "$CORPORA/dev-en/corpus.txt" --threads 2)
  echo "$(basename "$(dirname "$tok")")"
  echo "  $hf"; echo "  $one"; echo "  $two"
  python3 - "$hf" "$one" "$two" <<'PY'
import sys
def f(line, key): return float(dict(x.split("=") for x in line.split()[1:])[key])
hf, one, two = sys.argv[1:]
print(f"  ratio pretext/hf one thread: {f(one,'mb_s')/f(hf,'mb_s'):.1f}x   two threads / one thread: {f(two,'mb_s')/f(one,'mb_s'):.2f}x")
PY
done
echo "== peak memory of pretext tokenize as the input grows (max RSS, KiB)"
for corpus in dev-en big-dev-en; do
  rss=$( { /usr/bin/time -f "%M" "$ROOT/.build/release/pretext" tokenize --tokenizer "$VOCAB/tokenizer.json" \
          "$CORPORA/$corpus/corpus.txt" --threads 2 > /dev/null; } 2>&1 | tail -1)
  echo "  $corpus ($(du -m "$CORPORA/$corpus/corpus.txt" | cut -f1) MB): $rss KiB"
done
exit $status
