#!/usr/bin/env bash
# Regenerates the PyTorch reference for the Swift GPT model's tests:
# Tests/PretextTrainerTests/Fixtures/gpt-tiny/{config.json,init.safetensors,batch.json,golden.safetensors}
# (see Tests/PretextTrainerTests/Fixtures/README.md), then checks that init.safetensors loads in
# Hugging Face's GPT2LMHeadModel.from_pretrained with the same loss.
#
#   bash benchmarks/gpt_reference.sh      # WORK=/var/tmp/pretext-bench  OUT=<fixtures dir>
#
# Needs the benchmark virtualenv with torch (2.13.0+cpu), transformers (5.23.0) and numpy; runs on
# one torch thread in a few seconds. The outputs are deterministic.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/var/tmp/pretext-bench}"
PY="${PY:-$WORK/venv/bin/python}"
OUT="${OUT:-$ROOT/Tests/PretextTrainerTests/Fixtures/gpt-tiny}"
TOOL="$ROOT/benchmarks/tools/gpt_reference.py"
export OMP_NUM_THREADS=1
"$PY" "$TOOL" --make-init "$OUT"
"$PY" "$TOOL" --golden "$OUT"
"$PY" "$TOOL" --check-load "$OUT"
