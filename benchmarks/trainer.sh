#!/usr/bin/env bash
# Training speed against PyTorch, side by side in one run: Hugging Face BertForPreTraining
# (vocab 30522, hidden 256, 4 layers, 4 heads, intermediate 1024, batch 32 × 128, MLM + NSP,
# AdamW) on torch's CPU build with 2 threads, and Pretext's BertModel of the same shape with
# 15% labelled positions on OpenBLAS with 2 threads.
#
#   bash benchmarks/trainer.sh      # WORK=/var/tmp/pretext-bench  STEPS=5 (median step after a warm-up)
#
# Prints tokens/s of both, the ratio (target ≥ 3×), and Pretext's model FLOPs utilisation: the
# matrix FLOPs of a step (forward + backward) per second against two measured cblas_sgemm
# peaks — the best of the model's four largest shapes run alone (the stricter figure), and
# the step's own recorded sgemm calls replayed alone right after each timed step (the peak for
# exactly the same shapes; target ≥ 50%). PyTorch scores the vocabulary at every position;
# Pretext only at the labelled ones — both are what each trains.
#
# ELECTRA row, the same way: HF ElectraForMaskedLM + ElectraForPreTraining with shared
# embeddings (benchmarks/tools/hf_electra_step.py: ELECTRA-Small's shape with 4 layers —
# embedding 128, discriminator 256 wide, generator 64, vocab 30522, batch 32 × 128, generator
# samples, MLM + 50·RTD, AdamW) against Pretext's ElectraModel of the same shape
# (`pretext-bench electra-trainer`); tokens/s ratio (target ≥ 3×) and MFU against the step's own
# products replayed alone. ELECTRA=0 skips the row.
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
print("pretext: %.1f GFLOP per step (%s sgemm calls recorded: %.1f GFLOP), %.1f GFLOPS achieved" % (float(pt["gflop_per_step"]), pt["gemm_calls"], float(pt["gemm_gflop"]), float(pt["achieved_gflops"])))
print("  MFU against the best of the model's largest shapes run alone (%.1f GFLOPS): %.0f%%" % (float(pt["sgemm_peak_gflops"]), 100 * float(pt["mfu"])))
print("  MFU against the step's own products replayed alone after each step (%.1f GFLOPS, %.3f s): %.0f%% (target >= 50%%)"
      % (float(pt["same_shapes_peak_gflops"]), float(pt["same_shapes_replay_s"]), 100 * float(pt["mfu_same_shapes"])))
PYEOF
[ "${ELECTRA:-1}" = 1 ] || exit 0
hfe=$("$PY" "$ROOT/benchmarks/tools/hf_electra_step.py" 2 "$STEPS")
pte=$("$ROOT/.build/release/pretext-bench" electra-trainer --threads 2 --steps "$STEPS")
echo "$hfe" >&2
echo "$pte" >&2
python3 - "$hfe" "$pte" <<'PYEOF'
import sys
hf = dict(kv.split("=") for kv in sys.argv[1].split()[1:])
pt = dict(kv.split("=") for kv in sys.argv[2].split()[1:])
h, p = float(hf["tokens_s"]), float(pt["tokens_s"])
print("trainer ELECTRA (discriminator 256 wide, generator %s, 4 layers, embedding 128, vocab 30522, batch 32 x 128, 2 threads): "
      "pretext %.0f tokens/s, PyTorch ElectraForMaskedLM + ElectraForPreTraining %.0f tokens/s, ratio %.2fx (target >= 3x)"
      % (pt["generator_hidden"], p, h, p / h))
print("  pretext: %.1f GFLOP of sgemm per step (%s calls), %.1f GFLOPS achieved; MFU against the step's own products replayed alone "
      "(%.1f GFLOPS): %.0f%%" % (float(pt["gemm_gflop"]), pt["gemm_calls"], float(pt["achieved_gflops"]),
                                float(pt["same_shapes_peak_gflops"]), 100 * float(pt["mfu_same_shapes"])))
PYEOF
