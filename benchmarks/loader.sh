#!/usr/bin/env bash
# The dataloader against Hugging Face's DataCollatorForLanguageModeling, side by side in one run.
#
#   bash benchmarks/loader.sh      # WORK=/var/tmp/pretext-bench  BATCHES=1000  RUNS=3
#
# Input: BERT NSP shards without stored masks (pipelines/bert-nsp.toml with masking.mode =
# "dynamic") built from the first 8.5 MB of dev-en with the bert-base-uncased vocabulary:
# 128-token pairs, batch size 32, masking p 0.15 with 80/10/10.
#   Pretext  `pretext-bench loader`: ShardLoader.next() — shuffled order, LZ4 block decode,
#            dynamic masking, padding — on the calling thread (prefetch threads 0: one core).
#   HF       DataCollatorForLanguageModeling(BertTokenizerFast, mlm_probability 0.15) on
#            lists of the same records already in memory (read beforehand with the Python
#            reader, not timed), batches drawn in a shuffled order, torch.set_num_threads(1);
#            torch==2.13.0+cpu from PyPI (benchmark only).
# Prints sequences/s of both and the ratio; target: Pretext ≥ 10× HF on one core.
# Then the loader's share of a training step: HF BertForPreTraining (vocab 30522, hidden 256,
# 4 layers, batch 32 × 128, 2 threads) is timed per step; the trainer issue's target is 3× its
# speed, so the loader's time per batch is compared with a third of that step; target < 2%.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
WORK="${WORK:-/var/tmp/pretext-bench}"
CORPORA="${CORPORA:-/var/tmp/pretext-corpora}"
VOCAB="${VOCAB:-/var/tmp/pretext-vocab/minilm}"
BATCHES="${BATCHES:-1000}"
RUNS="${RUNS:-3}"
TORCH="${TORCH:-torch==2.13.0}"
source "$ROOT/benchmarks/tools/setup.sh"
ensure_corpora
ensure_vocab
[ -x "$PY" ] || python3 -m venv "$WORK/venv"
# PyPI here serves the CPU build as torch==2.13.0 (wheel torch-2.13.0+cpu); download.pytorch.org is
# not reachable from this machine kind.
"$PY" -c "import torch, transformers, lz4, numpy" 2>/dev/null || "$PY" -m pip install -q "$TORCH" transformers numpy lz4 >&2
"$PY" -m pip install -q "$ROOT/python" >&2
(cd "$ROOT" && swift build -c release --product pretext --product pretext-bench >&2)
SHARDS="$(ensure_loader_shards)"
echo "torch $("$PY" -c 'import torch; print(torch.__version__)'), transformers $("$PY" -c 'import transformers; print(transformers.__version__)')" >&2

pt=0; hf=0
for r in $(seq 1 "$RUNS"); do
  p=$("$ROOT/.build/release/pretext-bench" loader "$SHARDS" --batches "$BATCHES" --repeat 1 --prefetch-threads 0 | sed -n 's/.*seq_s=\([0-9.e+]*\).*/\1/p')
  h=$("$PY" "$ROOT/benchmarks/tools/hf_collator.py" "$SHARDS" "$VOCAB/vocab.txt" "$BATCHES" | sed -n 's/.*seq_s=\([0-9.e+]*\).*/\1/p')
  echo "  run $r: pretext $p seq/s, HF $h seq/s" >&2
  pt=$(python3 -c "print(max($pt, $p))"); hf=$(python3 -c "print(max($hf, $h))")
done
ratio=$(python3 -c "print(round($pt / $hf, 1))")
echo "loader (batch 32, length 128, p 0.15, one core): pretext $pt seq/s, HF DataCollatorForLanguageModeling $hf seq/s, ratio ${ratio}x (target >= 10x)"

step=$("$PY" "$ROOT/benchmarks/tools/hf_train_step.py" 2 3 | sed -n 's/.*seconds=\([0-9.e+]*\).*/\1/p')
python3 -c "
batch = 32 / $pt
step = $step / 3
print('loader share of a training step: %.3f ms per batch against %.0f ms (a third of HF BertForPreTraining\'s %.0f ms step, the trainer target) = %.4f%% (target < 2%%)' % (batch * 1e3, step * 1e3, $step * 1e3, 100 * batch / step))"
