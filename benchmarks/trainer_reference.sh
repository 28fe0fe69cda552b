#!/usr/bin/env bash
# Regenerates the PyTorch references for the Swift trainer's tests,
# Tests/PretextTrainerTests/Fixtures/<model>-tiny/{config.json,init.safetensors,batch.json,golden.safetensors}
# (see Tests/PretextTrainerTests/Fixtures/README.md), and checks that each init.safetensors loads
# with Hugging Face's from_pretrained (BertForPreTraining, GPT2LMHeadModel, AlbertForPreTraining; ELECTRA's two folders with
# ElectraForPreTraining and ElectraForMaskedLM)
# with the same loss.
#
#   bash benchmarks/trainer_reference.sh      # MODEL=all|bert|gpt|albert|electra  OUT=<folder of the <model>-tiny folders>
#                                             # WORK=/var/tmp/pretext-bench (venv)
#
# Needs the benchmark virtualenv with torch (2.13.0+cpu), transformers (5.23.0) and numpy; runs on
# one torch thread in a few seconds a model. The outputs are deterministic: on the committed
# fixtures `git status` shows no change afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/var/tmp/pretext-bench}"
PY="${PY:-$WORK/venv/bin/python}"
OUT="${OUT:-$ROOT/Tests/PretextTrainerTests/Fixtures}"
MODEL="${MODEL:-all}"
TOOL="$ROOT/benchmarks/tools/torch_reference.py"
export OMP_NUM_THREADS=1
if [[ "$MODEL" == all ]]; then MODELS=(bert gpt albert electra); else MODELS=("$MODEL"); fi
for model in "${MODELS[@]}"; do
  echo "== $model -> $OUT/$model-tiny"
  for mode in --make-init --golden --golden-train --check-load; do
    "$PY" "$TOOL" --model "$model" "$mode" "$OUT/$model-tiny"
  done
done
