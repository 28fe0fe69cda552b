#!/usr/bin/env bash
# Vocabulary training against HF tokenizers, side by side in one run.
#
#   bash benchmarks/vocab.sh            # PY=/path/to/venv/bin/python to reuse a virtualenv
#
# For WordPiece (BertWordPieceTokenizer.train: lowercase, limit_alphabet 1000) and byte-level
# BPE (ByteLevelBPETokenizer.train, specials <s> <pad> </s> <unk> <mask>) at SIZE (30000) tokens
# and MIN_FREQUENCY (2) on dev-en:
#   time   wall time of HF's trainer (all cores, as it runs by default) and of
#          `pretext vocab train` (release build, one thread), best of RUNS (2), interleaved;
#          target: Pretext <= HF.
#   tokens tokens per byte of dev-en and dev-multi encoded by HF with each vocabulary (HF
#          encodes both, for fairness); target: Pretext's within 2% of HF's.
#   files  HF loads Pretext's tokenizer.json (and vocab.txt / vocab.json + merges.txt, which
#          must encode alike); `pretext tokenize` with Pretext's tokenizer.json gives HF's ids
#          on every line of both corpora; two Pretext runs write byte-identical files.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
WORK="${WORK:-/var/tmp/pretext-bench}"
CORPORA="${CORPORA:-/var/tmp/pretext-corpora}"
SIZE="${SIZE:-30000}"
MIN_FREQUENCY="${MIN_FREQUENCY:-2}"
RUNS="${RUNS:-2}"
source "$ROOT/benchmarks/tools/setup.sh"
mkdir -p "$WORK/vocab"
ensure_corpora
ensure_python tokenizers
T="$ROOT/benchmarks/tools/vocab_train.py"
P="$ROOT/benchmarks/tools/tokenize_parity.py"
(cd "$ROOT" && swift build -c release --product pretext >&2)
PRETEXT="$ROOT/.build/release/pretext"
TRAIN="$CORPORA/dev-en/corpus.txt"
OUT="$WORK/vocab"

now() { date +%s.%N; }
min() { python3 -c 'import sys; print(min(float(x) for x in sys.argv[1:]))' "$@"; }
status=0
declare -A hf_s pt_s tpb
for model in wordpiece bpe; do
  hf_times=() pt_times=()
  for run in $(seq "$RUNS"); do
    hf_times+=("$("$PY" "$T" hf-train "$model" "$TRAIN" "$OUT/hf-$model" "$SIZE" "$MIN_FREQUENCY" | sed 's/seconds=//')")
    rm -rf "$OUT/pt-$model-$run"
    t0=$(now)
    "$PRETEXT" vocab train --model "$model" --size "$SIZE" --min-frequency "$MIN_FREQUENCY" "$TRAIN" --output "$OUT/pt-$model-$run" > "$OUT/pt-$model-$run.log"
    t1=$(now)
    pt_times+=("$(python3 -c "print(f'{$t1 - $t0:.3f}')")")
  done
  hf_s[$model]=$(min "${hf_times[@]}")
  pt_s[$model]=$(min "${pt_times[@]}")
  echo "== $model: HF ${hf_times[*]} s, Pretext ${pt_times[*]} s"
  sed 's/^/  pretext: /' "$OUT/pt-$model-1.log"
  rm -rf "$OUT/pt-$model"
  cp -r "$OUT/pt-$model-1" "$OUT/pt-$model"
  if [ "$RUNS" -ge 2 ]; then
    if diff -r "$OUT/pt-$model-1" "$OUT/pt-$model-2" > /dev/null; then echo "  deterministic: two runs wrote byte-identical files"
    else echo "  NOT deterministic: $OUT/pt-$model-1 and -2 differ"; status=1; fi
  fi
  echo "  overlap with HF's vocabulary: $("$PY" "$T" overlap "$OUT/hf-$model" "$OUT/pt-$model" "$model")"
  for corpus in dev-en dev-multi; do
    for who in hf pt; do
      tpb[$model,$corpus,$who]=$("$PY" "$T" tokens-per-byte "$OUT/$who-$model/tokenizer.json" "$CORPORA/$corpus/corpus.txt")
    done
    # HF and Pretext encode with Pretext's tokenizer.json: identical ids on every line.
    "$PY" "$P" hf-ids "$OUT/pt-$model/tokenizer.json" "$CORPORA/$corpus/corpus.txt" "$OUT/hf-ids-pt-$model-$corpus"
    "$PRETEXT" tokenize --tokenizer "$OUT/pt-$model/tokenizer.json" "$CORPORA/$corpus/corpus.txt" --threads 2 > "$OUT/pt-ids-pt-$model-$corpus"
    line=$("$PY" "$P" compare "$OUT/hf-ids-pt-$model-$corpus" "$OUT/pt-ids-pt-$model-$corpus" "pretext-$model-$corpus") || status=1
    echo "  $line"
  done
  # The plain files (vocab.txt, or vocab.json + merges.txt) load in HF and in Pretext alike.
  line=$("$PY" "$T" load-plain "$OUT/pt-$model" "$model" "$CORPORA/dev-multi/corpus.txt") || status=1
  echo "  HF $line"
  plain="$OUT/pt-$model/vocab.txt"; [ "$model" = bpe ] && plain="$OUT/pt-$model/vocab.json"
  "$PRETEXT" tokenize --tokenizer "$plain" "$CORPORA/dev-multi/corpus.txt" --threads 2 > "$OUT/pt-ids-plain-$model"
  line=$("$PY" "$P" compare "$OUT/hf-ids-pt-$model-dev-multi" "$OUT/pt-ids-plain-$model" "pretext-$(basename "$plain")-dev-multi") || status=1
  echo "  $line"
done

echo
echo "== vocabulary training, size $SIZE, min frequency $MIN_FREQUENCY, trained on dev-en ($(nproc) cores; HF uses all, Pretext one)"
python3 - <<PY || status=1
import sys
def kv(s): return dict(x.split("=") for x in s.split())
rows = {
  "wordpiece": ("${hf_s[wordpiece]}", "${pt_s[wordpiece]}",
                "${tpb[wordpiece,dev-en,hf]}", "${tpb[wordpiece,dev-en,pt]}", "${tpb[wordpiece,dev-multi,hf]}", "${tpb[wordpiece,dev-multi,pt]}"),
  "bpe": ("${hf_s[bpe]}", "${pt_s[bpe]}",
          "${tpb[bpe,dev-en,hf]}", "${tpb[bpe,dev-en,pt]}", "${tpb[bpe,dev-multi,hf]}", "${tpb[bpe,dev-multi,pt]}"),
}
ok = True
print(f"{'model':<10} {'HF s':>8} {'Pretext s':>10} {'Pretext/HF':>11}   {'corpus':<10} {'HF tok/B':>9} {'Pretext tok/B':>14} {'diff':>8}")
for model, (hf, pt, en_hf, en_pt, mu_hf, mu_pt) in rows.items():
    ratio = float(pt) / float(hf)
    ok &= ratio <= 1.0
    for k, (corpus, a, b) in enumerate((("dev-en", en_hf, en_pt), ("dev-multi", mu_hf, mu_pt))):
        a, b = float(kv(a)["tpb"]), float(kv(b)["tpb"])
        diff = (b - a) / a
        ok &= abs(diff) <= 0.02
        head = f"{model:<10} {float(hf):>8.2f} {float(pt):>10.2f} {ratio:>10.3f}x" if k == 0 else " " * 42
        print(f"{head}   {corpus:<10} {a:>9.5f} {b:>14.5f} {100 * diff:>+7.3f}%")
print("targets (Pretext time <= HF, tokens/byte within 2%):", "met" if ok else "NOT met")
sys.exit(0 if ok else 1)
PY
exit $status
