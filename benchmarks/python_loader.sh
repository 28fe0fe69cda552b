#!/usr/bin/env bash
# The Python loader (PretextLoader) against Hugging Face's collator and the Swift loader, in one run.
#
#   bash benchmarks/python_loader.sh      # WORK=/var/tmp/pretext-bench  BATCHES=600  RUNS=3
#
# Input: the shards of benchmarks/loader.sh — BERT NSP without stored masks (pipelines/bert-nsp.toml
# with masking.mode = "dynamic") from the first 8.5 MB of dev-en with the bert-base-uncased
# vocabulary: 128-token pairs, batches of 32, dynamic masking p 0.15, 80/10/10.
#   pretext (Python)  PretextLoader(folder, 32, num_workers=W): the Swift loader's batches (epoch
#                     order, LZ4 + XXH64 via the lz4 and xxhash packages, dynamic masks, padding)
#                     as int64 torch tensors;
#   HF                datasets.Dataset of the same records through torch's DataLoader(batch_size=32,
#                     shuffle=True, num_workers=W, collate_fn=DataCollatorForLanguageModeling);
#   pretext (Swift)   `pretext-bench loader` (ShardLoader.next() on one core, no prefetch thread).
# W = 0 (in the training process: one core) and 4 workers; torch.set_num_threads(1). The Python
# side runs in the test virtualenv (scripts/python-venv.sh: torch, transformers, datasets).
# Prints sequences/s of each (best of RUNS) and the ratios; target: PretextLoader ≥ 5× HF with no
# worker processes.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
WORK="${WORK:-/var/tmp/pretext-bench}"
CORPORA="${CORPORA:-/var/tmp/pretext-corpora}"
VOCAB="${VOCAB:-/var/tmp/pretext-vocab/minilm}"
BATCHES="${BATCHES:-600}"
RUNS="${RUNS:-3}"
source "$ROOT/benchmarks/tools/setup.sh"
ensure_corpora
ensure_vocab
PYV="$(bash "$ROOT/scripts/python-venv.sh")/bin/python"
(cd "$ROOT" && swift build -c release --product pretext --product pretext-bench >&2)
SHARDS="$(ensure_loader_shards)"
echo "torch $("$PYV" -c 'import torch; print(torch.__version__)'), transformers $("$PYV" -c 'import transformers; print(transformers.__version__)'), datasets $("$PYV" -c 'import datasets; print(datasets.__version__)')" >&2

declare -A best
keep() { best[$1]=$(python3 -c "print(max(${best[$1]:-0}, $2))"); }
for r in $(seq 1 "$RUNS"); do
  out=$(PYTHONPATH="$ROOT/python" "$PYV" -W ignore "$ROOT/benchmarks/tools/python_loader_bench.py" "$SHARDS" "$VOCAB/vocab.txt" "$BATCHES" 0 4)
  while read -r side workers _ _ _ seq; do
    keep "$side-${workers#workers=}" "${seq#seq_s=}"
  done <<< "$out"
  s=$("$ROOT/.build/release/pretext-bench" loader "$SHARDS" --batches "$BATCHES" --repeat 1 --prefetch-threads 0 | sed -n 's/.*seq_s=\([0-9.e+]*\).*/\1/p')
  keep swift "$s"
  echo "  run $r: $(echo $out | tr '\n' ' ') swift seq_s=$s" >&2
done
python3 - "${best[pretext-0]}" "${best[hf-0]}" "${best[pretext-4]}" "${best[hf-4]}" "${best[swift]}" <<'PY'
import sys
p0, h0, p4, h4, s = map(float, sys.argv[1:])
print("python loader (batch 32, length 128, dynamic masking p 0.15), sequences/s, best of runs:")
print("  PretextLoader, no workers:  %9.0f   HF collator over datasets.Dataset, no workers: %9.0f   ratio %.1fx (target >= 5x)" % (p0, h0, p0 / h0))
print("  PretextLoader, 4 workers:   %9.0f   HF collator, 4 workers:                         %9.0f   ratio %.1fx" % (p4, h4, p4 / h4))
print("  Swift ShardLoader, one core: %8.0f   PretextLoader / Swift: %.2f" % (s, p0 / s))
PY
