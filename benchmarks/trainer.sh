#!/usr/bin/env bash
# Training speed against PyTorch, side by side in one run: Hugging Face BertForPreTraining
# (vocab 30522, hidden 256, 4 layers, 4 heads, intermediate 1024, batch 32 × 128, MLM + NSP,
# AdamW) on torch's CPU build with 2 threads, and Pretext's BertModel of the same shape with
# 15% labelled positions on OpenBLAS with 2 threads.
#
#   bash benchmarks/trainer.sh      # WORK=/var/tmp/pretext-bench  STEPS=5 (median step after a warm-up)
#
# Prints tokens/s of both, the ratio (target ≥ 3×), and Pretext's model FLOPs utilisation: the
# matrix FLOPs of a step (forward + backward) per second against the measured cblas_sgemm peak
# on the model's own shapes (target ≥ 50%). PyTorch scores the vocabulary at every position;
# Pretext only at the labelled ones — both are what each trains.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/var/tmp/pretext-bench}"
STEPS="${STEPS:-5}"
TORCH="${TORCH:-torch==2.13.0}"
source "$ROOT/benchmarks/tools/setup.sh"
[ -x "$PY" ] || python3 -m venv "$WORK/venv"
"$PY" -c "import torch, transformers" 2>/dev/null || "$PY" -m pip install -q "$TORCH" transformers >&2
(cd "$ROOT" && swift build -c release --product pretext-bench >&2)
hf=$("$PY" "$ROOT/benchmarks/tools/hf_train_step.py" 2 "$STEPS")
pt=$("$ROOT/.build/release/pretext-bench" trainer --threads 2 --steps "$STEPS")
echo "$hf" >&2
echo "$pt" >&2
python3 - "$hf" "$pt" <<'PYEOF'
import sys
hf = dict(kv.split("=") for kv in sys.argv[1].split()[1:])
pt = dict(kv.split("=") for kv in sys.argv[2].split()[1:])
h, p = float(hf["tokens_s"]), float(pt["tokens_s"])
print("trainer (BERT hidden 256, 4 layers, vocab 30522, batch 32 x 128, 2 threads): pretext %.0f tokens/s, PyTorch BertForPreTraining %.0f tokens/s, ratio %.2fx (target >= 3x)" % (p, h, p / h))
print("pretext: %.1f GFLOP per step, %.1f GFLOPS achieved, sgemm peak on the model's shapes %.1f GFLOPS, MFU %.0f%% (target >= 50%%)"
      % (float(pt["gflop_per_step"]), float(pt["achieved_gflops"]), float(pt["sgemm_peak_gflops"]), 100 * float(pt["mfu"])))
PYEOF
