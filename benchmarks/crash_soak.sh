#!/usr/bin/env bash
# Crash soak: `pretext build` and `pretext train` killed with SIGKILL at random moments,
# resumed, and compared byte for byte with an uninterrupted run.
#
#   bash benchmarks/crash_soak.sh [KILLS]
#     KILLS          build trials (default 50); TRAIN_KILLS train trials (default KILLS);
#                    TRAIN_STEPS steps of the training run (default 24, a checkpoint every 4)
#     CORPUS=FILE    the build's input (default: dev-en, made by ../shared/bench when missing)
#     SOAK_SEED=N    the kill moments' seed (default 1); WORK=/var/tmp/pretext-soak
#     PRETEXT=BIN    the binary (default: the release build, built first)
#
# Build: bert-nsp with the bert-base-uncased vocabulary (the bundled 8k one when CORPUS is
# given), `--threads 2`. One uninterrupted build is the reference; its wall time T spreads the
# kill moments: trial i is killed at T x (i + u) / KILLS, u uniform in [0, 1) from the seed,
# so the moments cover start-up, tokenizing, labeling, shard writing and the catalog's commit.
# Every fifth trial is killed twice in a row (its first resume is killed too, at a moment of
# its own) before the resume that finishes. Resumes alternate --threads 1 and 3, so a build
# begun on 2 threads finishes on another count. After each trial: shard and masking.json bytes,
# the catalog's content (`pretext inspect --catalog-content`), no `.partial` file left, and
# `pretext verify` must pass.
#
# Train: a tiny BERT (pipelines/models/bert-tiny.json) on dynamic-masking shards of the bundled
# sample, TRAIN_STEPS steps, a checkpoint every 4 steps; the reference is one uninterrupted run. Each
# trial kills the run at a random moment of its time, runs `--resume` (or, when the kill came
# before the first checkpoint, the original command again) and compares metrics.jsonl (every
# field but the wall-clock ones: tokens_per_s, seconds) and every checkpoint's files byte for
# byte with the reference.
#
# A kill "lands" when the process was still running (its exit status is SIGKILL's); a trial
# whose kill came after the process had finished starts again with an earlier moment (0.6x, at
# most four tries), so nearly every trial resumes from a real kill. The snapshots also list
# every file of the folder: a temporary file left behind by a kill is a difference. The last
# lines are "crash soak build: L kills landed of K tried, S of K resumed byte-identical" and the
# same for train; the script exits non-zero if any resume differs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
KILLS="${1:-50}"
TRAIN_KILLS="${TRAIN_KILLS:-$KILLS}"
TRAIN_STEPS="${TRAIN_STEPS:-24}"
SEED="${SOAK_SEED:-1}"
WORK="${WORK:-/var/tmp/pretext-soak}"
CORPORA="${CORPORA:-/var/tmp/pretext-corpora}"
VOCAB="${VOCAB:-/var/tmp/pretext-vocab/minilm}"
cd "$ROOT"
source "$ROOT/benchmarks/tools/setup.sh"
tok=()
if [ -z "${CORPUS:-}" ]; then
  ensure_corpora
  ensure_vocab
  CORPUS="$CORPORA/dev-en/corpus.txt"
  tok=(--tokenizer "$VOCAB/tokenizer.json" --set tokenizer.max_word_chars=200)
fi
if [ -z "${PRETEXT:-}" ]; then
  swift build -c release --product pretext >&2
  PRETEXT="$ROOT/.build/release/pretext"
fi
rm -rf "$WORK"
mkdir -p "$WORK"
LOG="$WORK/soak.log"
: > "$LOG"

# moment KEY I COUNT TOTAL_SECONDS : a kill moment in the I-th of COUNT equal slices of
# TOTAL_SECONDS, in seconds; uniform within the slice, from the seed and KEY.
moment() {
  awk -v k="$1" -v i="$2" -v n="$3" -v t="$4" -v s="$SEED" 'BEGIN { srand(s * 1000003 + k); printf "%.4f", t * (i + rand()) / n }'
}

# run_killed SECONDS CMD... : starts CMD (a program, not a shell function: the kill must reach
# pretext itself), SIGKILLs it after SECONDS; status 0 when the kill landed (the process was
# still running), 1 when it had finished by then.
run_killed() {
  local after="$1"; shift
  "$@" >> "$LOG" 2>&1 &
  local pid=$!
  sleep "$after"
  kill -KILL "$pid" 2> /dev/null || true
  local rc=0
  { wait "$pid"; } 2> /dev/null || rc=$?
  [ "$rc" = 137 ]
}

# kill_trial SECONDS FOLDER : runs CMD and kills it after SECONDS; when it finished first,
# removes FOLDER and tries again earlier (0.6 x, at most four times). Counts TRIED and LANDED.
kill_trial() {
  local at="$1" folder="$2" k
  for ((k = 0; k < 4; k++)); do
    TRIED=$((TRIED + 1))
    if run_killed "$at" "${CMD[@]}"; then LANDED=$((LANDED + 1)); return; fi
    rm -rf "$folder"
    at=$(awk -v a="$at" 'BEGIN { printf "%.4f", a * 0.6 }')
  done
}

# matches KIND I : whether $WORK/KIND-trial.snap equals $WORK/KIND-reference.snap; prints the
# first differences of trial I when not.
matches() {
  cmp -s "$WORK/$1-reference.snap" "$WORK/$1-trial.snap" && return 0
  echo "crash soak $1: trial $2 differs from the reference:" >&2
  diff "$WORK/$1-reference.snap" "$WORK/$1-trial.snap" | head -5 >&2 || true
  return 1
}

# seconds CMD... : runs CMD, prints its wall seconds.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >> "$LOG" 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }'
}

# ---- build ----
# build OUT THREADS : sets CMD to that build's command line.
build() { CMD=("$PRETEXT" build pipelines/bert-nsp.toml --input "$CORPUS" "${tok[@]}" --output "$1" --threads "$2"); }
# snapshot FOLDER : what must equal the reference.
snapshot() {
  (cd "$1" && sha256sum part-*.ptxs masking.json && find . -type f | sort)
  "$PRETEXT" inspect "$1" --catalog-content
}
REF="$WORK/build-reference"
build "$REF" 2
T=$(seconds "${CMD[@]}")
snapshot "$REF" > "$WORK/build-reference.snap"
echo "crash soak build: reference on $(basename "$(dirname "$CORPUS")")/$(basename "$CORPUS") takes ${T} s" >&2
LANDED=0; TRIED=0; same=0
for ((i = 0; i < KILLS; i++)); do
  out="$WORK/build-trial"
  rm -rf "$out"
  build "$out" 2
  kill_trial "$(moment "$i" "$i" "$KILLS" "$T")" "$out"
  threads=$((i % 2 == 0 ? 1 : 3))
  if [ $((i % 5)) = 4 ]; then
    # Killed again while resuming, before the resume that finishes.
    build "$out" "$threads"
    TRIED=$((TRIED + 1))
    run_killed "$(moment "$((KILLS + i))" 0 1 "$T")" "${CMD[@]}" && LANDED=$((LANDED + 1))
  fi
  build "$out" "$threads"
  "${CMD[@]}" >> "$LOG" 2>&1
  snapshot "$out" > "$WORK/build-trial.snap"
  if matches build "$i"; then
    if "$PRETEXT" verify "$out" >> "$LOG" 2>&1; then same=$((same + 1)); else echo "crash soak build: trial $i does not verify" >&2; fi
  fi
done
echo "crash soak build: $LANDED kills landed of $TRIED tried, $same of $KILLS resumed byte-identical"
build_ok=$((same == KILLS))

# ---- train ----
SHARDS="$WORK/train-shards"
"$PRETEXT" build pipelines/bert-nsp.toml --set masking.mode=dynamic --set task.max_seq_length=64 --output "$SHARDS" --threads 2 >> "$LOG" 2>&1
# train RUN : sets CMD to the training command line.
train() { CMD=("$PRETEXT" train --shards "$SHARDS" --model pipelines/models/bert-tiny.json --steps "$TRAIN_STEPS" --batch-size 8 --checkpoint-every 4 \
  --warmup 4 --blas-threads 2 --log-every 100 --run "$1"); }
# train_snapshot RUN : metrics without wall-clock fields, and every checkpoint file's bytes.
train_snapshot() {
  sed -E 's/, "tokens_per_s": [^,}]*//; s/, "seconds": [^,}]*//' "$1/metrics.jsonl"
  (cd "$1" && find checkpoints -type f | sort | xargs sha256sum && find . | sort)
}
TREF="$WORK/train-reference"
train "$TREF"
TT=$(seconds "${CMD[@]}")
train_snapshot "$TREF" > "$WORK/train-reference.snap"
echo "crash soak train: reference takes ${TT} s" >&2
LANDED=0; TRIED=0; tsame=0
for ((i = 0; i < TRAIN_KILLS; i++)); do
  run="$WORK/train-trial"
  rm -rf "$run"
  train "$run"
  kill_trial "$(moment "$((2 * KILLS + i))" "$i" "$TRAIN_KILLS" "$TT")" "$run"
  if ! "$PRETEXT" train --resume "$run" > "$WORK/resume.out" 2>&1; then
    # Killed before its first checkpoint: nothing to resume, so the run starts again.
    grep -q "holds no complete checkpoint" "$WORK/resume.out" && "${CMD[@]}" >> "$LOG" 2>&1
  fi
  cat "$WORK/resume.out" >> "$LOG"
  train_snapshot "$run" > "$WORK/train-trial.snap"
  matches train "$i" && tsame=$((tsame + 1))
done
echo "crash soak train: $LANDED kills landed of $TRIED tried, $tsame of $TRAIN_KILLS resumed byte-identical"
[ "$build_ok" = 1 ] && [ "$tsame" = "$TRAIN_KILLS" ]
