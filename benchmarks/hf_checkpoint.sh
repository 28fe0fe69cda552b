#!/usr/bin/env bash
# Checks that `pretext train` checkpoints are Hugging Face checkpoints: trains a tiny BERT
# (pipelines/bert-nsp.toml, dynamic masking), a tiny GPT-2 (pipelines/gpt-causal.toml) and a tiny
# ALBERT (pipelines/albert-sop.toml) for 5 steps on shards built into a temporary folder, loads
# the newest checkpoint with BertForPreTraining / GPT2LMHeadModel / AlbertForPreTraining
# .from_pretrained (no missing or unexpected keys except the tied output layer) and compares
# HF's losses on the first batch with `pretext eval`
# (see benchmarks/tools/hf_checkpoint.py). ELECTRA (pipelines/electra.toml): discriminator/ and
# generator/ load with ElectraForPreTraining / ElectraForMaskedLM, the generator's MLM loss and
# the discriminator's RTD loss (on the generator's samples replayed with Pretext's keys) equal
# `pretext eval`'s. Prints one "hf-checkpoint <model> OK|FAIL" line each.
#
#   bash benchmarks/hf_checkpoint.sh           # MODELS=bert,gpt,albert,electra  KEEP=1 keeps the temp folder
#
# Builds the release binary first (swift build -c release --product pretext) when it is missing
# or older than the sources. Needs the benchmark virtualenv (torch, transformers, numpy).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/var/tmp/pretext-bench}"
PY="${PY:-$WORK/venv/bin/python}"
PRETEXT="$ROOT/.build/release/pretext"
MODELS="${MODELS:-bert,gpt,albert,electra}"
export OMP_NUM_THREADS=1

if [[ ! -x "$PRETEXT" ]] || [[ -n "$(find "$ROOT/Sources" "$ROOT/Package.swift" "$ROOT/Package.resolved" -newer "$PRETEXT" -type f 2>/dev/null | head -1)" ]]; then
  echo "building $PRETEXT (missing or older than the sources)"
  (cd "$ROOT" && swift build -c release --product pretext)
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/pretext-hf-checkpoint.XXXXXX")"
if [[ "${KEEP:-0}" == 1 ]]; then echo "keeping $TMP"; else trap 'rm -rf "$TMP"' EXIT; fi
"$PY" "$ROOT/benchmarks/tools/hf_checkpoint.py" --pretext "$PRETEXT" --work "$TMP" --models "$MODELS"
