#!/usr/bin/env bash
# `pretext build` (pipelines/bert-nsp.toml) beside Google's BERT create_pretraining_data.py,
# in one run: statistical equivalence of the instances and masks, wall time, CPU time and
# peak RSS. docs/LABELING.md ("Equivalence with Google's script and performance") holds the
# measured tables and what they mean.
#
#   bash benchmarks/build.sh
#     WORK=/var/tmp/pretext-bench   SEEDS="1 … 20" (dupe 1, both sides)   SEEDS5="1 … 5" (dupe 5)
#     PERDOC_SEEDS=40 (instances per document, document by document: nsp_per_document.py)
#     REPEAT=5 (speed rounds on the 8.5 MB slice, each with one run of Google's script)
#     REPEAT_BIG=5 (rounds on 50/100/200 MB)   RUNS=3 (runs of each Pretext variant per round)
#     GOOGLE_LIMIT_S=600
#     FRESH=1 reruns Google's runs instead of reusing $WORK/bench-build/results/google-*.json
#
# Google's side: create_pretraining_data.py and tokenization.py from github.com/google-
# research/bert (read-only, in $WORK/google-bert, never in this repository), run unchanged
# through its own main() by benchmarks/tools/google_pretraining.py, with the TensorFlow 1 stub
# benchmarks/tools/tfstub/tensorflow first on the path (no TensorFlow install). The stub
# replaces flags/logging/gfile by plain Python and the TFRecord writer by counters: protobuf
# serialization and file writes are NOT timed on Google's side (that makes Google faster,
# so the speed ratios are conservative). Reading, tokenizing, instance creation, masking,
# both shuffles and the conversion to features are Google's own code and are all timed.
#
# Settings on both sides: max_seq_length 128, max_predictions_per_seq 20, masked_lm_prob
# 0.15, short_seq_prob 0.1, lower case, dupe_factor 1 and 5, bert-base-uncased vocab.txt,
# 200 characters per word at most (Google's limit; Pretext via tokenizer.max_word_chars).
#
# Inputs: the first 8.5 MB of dev-en cut at a document boundary (equivalence, speed), 2 and
# 4 MB (Google's memory growth), 50/100/200 MB of big-dev-en (Pretext's memory and MB/s).
# Targets: Pretext one thread >= 50x Google (dupe 1 and 5), two threads >= 1.8x one thread,
# Pretext's peak RSS flat as the input grows.
#
# "One thread" is measured on one core: `--threads 1` under `taskset -c 0`. Without taskset,
# `--threads 1` also runs its reader and writer threads on the second core, so it is not a
# one-core figure (it is reported beside, for information). Speed runs are rounds of
# one-core, one-thread-without-taskset and two-thread runs, interleaved so that drift of the
# shared machine hits all three alike; the tables use medians. Each run also records the CPU
# time the hypervisor stole from the VM meanwhile (host steal), reported beside the scaling.
# Every Pretext run starts with its input in the page cache (read once, untimed, just
# before): this VM pages idle page cache out within seconds, so otherwise a random part of
# the input would come from disk.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
WORK="${WORK:-/var/tmp/pretext-bench}"
CORPORA="${CORPORA:-/var/tmp/pretext-corpora}"
VOCAB="${VOCAB:-/var/tmp/pretext-vocab/minilm}"
SEEDS="${SEEDS:-$(seq -s' ' 1 20)}"
SEEDS5="${SEEDS5:-1 2 3 4 5}"
PERDOC_SEEDS="${PERDOC_SEEDS:-40}"
REPEAT="${REPEAT:-5}"
REPEAT_BIG="${REPEAT_BIG:-5}"
RUNS="${RUNS:-3}"
GOOGLE_LIMIT_S="${GOOGLE_LIMIT_S:-600}"
FRESH="${FRESH:-0}"
source "$ROOT/benchmarks/tools/setup.sh"
TOOLS="$ROOT/benchmarks/tools"
B="$WORK/bench-build"
R="$B/results"
OUT="$B/out"
mkdir -p "$B" "$R" "$OUT"

[ -x /usr/bin/time ] || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q time; }
ensure_corpora
[ -s "$VOCAB/vocab.txt" ] || bash "$SHARED/bench/get-vocab.sh" "$VOCAB" >&2
[ -x "$PY" ] || python3 -m venv "$WORK/venv"
"$PY" -c "import six" 2>/dev/null || "$PY" -m pip install -q six >&2

GOOGLE="$WORK/google-bert"
if [ ! -s "$GOOGLE/create_pretraining_data.py" ] || [ ! -s "$GOOGLE/tokenization.py" ]; then
  echo "fetching google-research/bert (read-only copy in $GOOGLE)" >&2
  mkdir -p "$GOOGLE"
  rm -rf "$GOOGLE.git"
  if git clone -q --depth 1 https://github.com/google-research/bert "$GOOGLE.git"; then
    cp "$GOOGLE.git/create_pretraining_data.py" "$GOOGLE.git/tokenization.py" "$GOOGLE/"
  else
    # A git that rewrites github.com to a local mirror may not hold this repository: try
    # the raw files, then say what to put where.
    for f in create_pretraining_data.py tokenization.py; do
      curl -fsSL -o "$GOOGLE/$f" "https://raw.githubusercontent.com/google-research/bert/master/$f" || rm -f "$GOOGLE/$f"
    done
  fi
  if [ ! -s "$GOOGLE/create_pretraining_data.py" ] || [ ! -s "$GOOGLE/tokenization.py" ]; then
    echo "cannot fetch google-research/bert: put its create_pretraining_data.py and tokenization.py in $GOOGLE" >&2
    exit 1
  fi
fi

(cd "$ROOT" && swift build -c release --product pretext >&2)
PRETEXT="$ROOT/.build/release/pretext"
PIPELINE="$ROOT/pipelines/bert-nsp.toml"

# Slices cut at document boundaries.
slice() {  # slice SOURCE BYTES NAME
  [ -s "$B/$3.txt" ] || "$PY" "$TOOLS/cut_corpus.py" "$1" "$2" "$B/$3.txt" >&2
}
slice "$CORPORA/dev-en/corpus.txt" 8.5e6 dev-en-8.5MB
slice "$CORPORA/dev-en/corpus.txt" 4e6 dev-en-4MB
slice "$CORPORA/dev-en/corpus.txt" 2e6 dev-en-2MB
slice "$CORPORA/big-dev-en/corpus.txt" 50e6 big-dev-en-50MB
slice "$CORPORA/big-dev-en/corpus.txt" 100e6 big-dev-en-100MB
slice "$CORPORA/big-dev-en/corpus.txt" 200e6 big-dev-en-200MB
EQ="$B/dev-en-8.5MB.txt"

load() { cut -d' ' -f1 /proc/loadavg; }

# Time the hypervisor took from this VM's CPUs so far (steal, summed over CPUs, in ticks of
# 1/100 s): a run during which the host was busy is slower for reasons outside Pretext.
steal() { awk '/^cpu /{print $9}' /proc/stat; }

# measure PREFIX COMMAND...: PREFIX.time = "%e %U %S %M" of /usr/bin/time (wall s, user s,
# sys s, peak RSS KiB); PREFIX.rss = peak RssAnon/RssFile polled every 50 ms; PREFIX.steal =
# seconds of CPU the host stole during the run.
# The sampler is started and ready before the run (a Python interpreter starting beside a run
# of 0.3 s would take tens of ms of its CPU), finds the run's pid itself without forking, and
# during a one-core run (PIN=1) sits on the other core.
measure() {
  local prefix="$1"; shift
  rm -f "$prefix.time" "$prefix.rss" "$prefix.steal" "$prefix.pid" "$prefix.pid.ready"
  local away=()
  [ "${PIN:-0}" = 1 ] && [ "$(nproc)" -gt 1 ] && away=(taskset -c 1)
  "${away[@]}" "$PY" "$TOOLS/rss_sampler.py" --parent-file "$prefix.pid" 0.05 > "$prefix.rss" &
  local sp=$!
  while [ ! -e "$prefix.pid.ready" ] && kill -0 "$sp" 2>/dev/null; do sleep 0.01; done
  local steal0; steal0=$(steal)
  /usr/bin/time -f "%e %U %S %M" -o "$prefix.time" "$@" &
  local tp=$!
  echo "$tp" > "$prefix.pid.tmp" && mv "$prefix.pid.tmp" "$prefix.pid"
  wait "$tp"
  wait "$sp" || true
  echo "$(( $(steal) - steal0 ))" | awk '{printf "%.2f\n", $1 / 100}' > "$prefix.steal"
  rm -f "$prefix.pid" "$prefix.pid.ready"
}

# google NAME INPUT DUPE SEED [EXTRA FLAGS...] → $R/google-NAME.json (driver JSON + time)
google() {
  local name="$1" input="$2" dupe="$3" seed="$4"; shift 4
  local json="$R/google-$name.json"
  if [ "$FRESH" != 1 ] && [ -s "$json" ]; then echo "  google $name: reusing $json" >&2; return; fi
  echo "  google $name (dupe $dupe, seed $seed, load $(load)) …" >&2
  local t="$B/google-$name"
  cat "$input" > /dev/null  # warm page cache, as for Pretext's runs
  measure "$t" "$PY" "$TOOLS/google_pretraining.py" "$GOOGLE" -- \
    --input_file="$input" --output_file="$OUT/google-$name.tfrecord" --vocab_file="$VOCAB/vocab.txt" \
    --do_lower_case=True --max_seq_length=128 --max_predictions_per_seq=20 --masked_lm_prob=0.15 \
    --short_seq_prob=0.1 --dupe_factor="$dupe" --random_seed="$seed" "$@" \
    > "$B/google-$name.out" 2> "$B/google-$name.log"
  "$PY" "$TOOLS/build_report.py" attach-time "$B/google-$name.out" "$t" "$input" "$(load)" > "$json"
}

# pretext NAME INPUT DUPE SEED THREADS [--set ...] → $R/pretext-NAME.json (stats + time)
# PIN=1: on one core (taskset -c 0).
pretext() {
  local name="$1" input="$2" dupe="$3" seed="$4" threads="$5"; shift 5
  local dir="$OUT/pretext-$name" t="$B/pretext-$name" pin=()
  [ "${PIN:-0}" = 1 ] && pin=(taskset -c 0)
  rm -rf "$dir"
  # Warm page cache for every run alike: this VM's memory manager pages idle page cache out
  # within seconds, which otherwise leaves a random part of the input on disk.
  cat "$input" "$VOCAB/vocab.txt" > /dev/null
  measure "$t" "${pin[@]}" "$PRETEXT" build "$PIPELINE" --input "$input" \
    --tokenizer "$VOCAB/vocab.txt" --output "$dir" --threads "$threads" \
    --set masking.dupe_factor="$dupe" --set output.seed="$seed" --set tokenizer.max_word_chars=200 "$@" \
    > "$B/pretext-$name.log" 2>&1
  "$PRETEXT" stats "$dir" --json > "$B/pretext-$name.stats"
  "$PY" "$TOOLS/build_report.py" attach-time "$B/pretext-$name.stats" "$t" "$input" "$(load)" > "$R/pretext-$name.json"
}

# rounds NAME INPUT DUPE N [google]: N rounds, each of RUNS times a one-core run
# (NAME-p1-rK-J: --threads 1 under taskset -c 0), a one-thread run without taskset
# (NAME-u1-rK-J) and a two-thread run (NAME-t2-rK-J), seed 1; with "google", each round starts
# with a run of Google's script on the same input, dupe and seed (google-NAME-rK), so that the
# speed ratios compare runs made side by side, whatever the shared machine was doing at the
# time. Pretext's runs last well under a second, so one burst of the host's noise moves one
# of them by a third where it moves a 15-second run of Google's by a few per cent: several
# runs per round make its median as steady as Google's.
rounds() {
  local name="$1" input="$2" dupe="$3" n="$4" with_google="${5:-}"
  for k in $(seq 1 "$n"); do
    if [ "$with_google" = google ]; then
      rm -f "$R/google-$name-r$k.json"
      google "$name-r$k" "$input" "$dupe" 1
    fi
    for j in $(seq 1 "$RUNS"); do
      PIN=1 pretext "$name-p1-r$k-$j" "$input" "$dupe" 1 1
      pretext "$name-u1-r$k-$j" "$input" "$dupe" 1 1
      pretext "$name-t2-r$k-$j" "$input" "$dupe" 1 2
    done
  done
  for v in p1 u1 t2; do
    # This run's rounds only (a run with more rounds may have left higher-numbered files).
    echo "  pretext $name-$v: $(for k in $(seq 1 "$n"); do for j in $(seq 1 "$RUNS"); do cut -d' ' -f1 "$B/pretext-$name-$v-r$k-$j.time"; done; done | tr '\n' ' ')s" >&2
  done
}

echo "== Google's create_pretraining_data.py (one Python thread) on $(basename "$EQ")" >&2
for s in $SEEDS; do google "eq-d1-s$s" "$EQ" 1 "$s"; done
for s in $SEEDS5; do google "eq-d5-s$s" "$EQ" 5 "$s"; done
google "size-2MB-d1" "$B/dev-en-2MB.txt" 1 1
google "size-4MB-d1" "$B/dev-en-4MB.txt" 1 1
google "wwm-d1-s1" "$EQ" 1 1 --do_whole_word_mask=True
# 50 MB only when the 8.5 MB runs project to at most GOOGLE_LIMIT_S seconds.
projected=$("$PY" "$TOOLS/build_report.py" project "$R" "$B/big-dev-en-50MB.txt")
if "$PY" -c "import sys; sys.exit(0 if float('$projected') <= float('$GOOGLE_LIMIT_S') else 1)"; then
  google "size-50MB-d1" "$B/big-dev-en-50MB.txt" 1 1
else
  echo "  google on 50 MB: skipped (projected ${projected}s > ${GOOGLE_LIMIT_S}s)" >&2
  echo "{\"skipped\": true, \"projected_s\": $projected}" > "$R/google-size-50MB-skipped.json"
fi

if [ "$FRESH" = 1 ] || [ ! -s "$R/perdoc-google.jsonl" ]; then
  echo "  google per-document counts, $PERDOC_SEEDS seeds …" >&2
  "$PY" "$TOOLS/nsp_per_document.py" google "$GOOGLE" "$EQ" "$VOCAB/vocab.txt" "$PERDOC_SEEDS" "$R/perdoc-google.jsonl"
fi
if [ "$FRESH" = 1 ] || [ ! -s "$R/perdoc-google-unshuffled.jsonl" ]; then
  echo "  google per-document counts without the document shuffle (control), $PERDOC_SEEDS seeds …" >&2
  "$PY" "$TOOLS/nsp_per_document.py" google "$GOOGLE" "$EQ" "$VOCAB/vocab.txt" "$PERDOC_SEEDS" "$R/perdoc-google-unshuffled.jsonl" --no-shuffle
fi

echo "== pretext build (release) on $(basename "$EQ")" >&2
"$PY" "$TOOLS/nsp_per_document.py" pretext "$PRETEXT" "$PIPELINE" "$EQ" "$VOCAB/vocab.txt" "$PERDOC_SEEDS" "$OUT/perdoc-pretext.jsonl"
cp "$OUT/perdoc-pretext.jsonl" "$R/perdoc-pretext.jsonl"
rm -f "$R"/pretext-*.json
for s in $SEEDS; do pretext "eq-d1-s$s" "$EQ" 1 "$s" 2; done
for s in $SEEDS5; do pretext "eq-d5-s$s" "$EQ" 5 "$s" 2; done
pretext "wwm-d1-s1" "$EQ" 1 1 2 --set masking.strategy=whole-word
"$PY" "$TOOLS/pretext_words.py" "$PRETEXT" "$OUT/pretext-wwm-d1-s1" "$VOCAB/vocab.txt" 400 > "$R/pretext-wwm-words.json"
command -v taskset >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q util-linux; }
rm -f "$R"/google-speed-*.json
rounds "speed-d1" "$EQ" 1 "$REPEAT" google
rounds "speed-d5" "$EQ" 5 "$REPEAT" google
for size in 50MB 100MB 200MB; do
  rounds "big-$size-d1" "$B/big-dev-en-$size.txt" 1 "$REPEAT_BIG"
  rm -rf "$OUT"/pretext-big-*
done
rm -rf "$OUT"/pretext-big-*  # a few hundred MB of shards and store

"$PY" "$TOOLS/build_report.py" report "$R"
"$PY" "$TOOLS/nsp_per_document.py" compare "$R/perdoc-google.jsonl" "$R/perdoc-pretext.jsonl" "$R/perdoc-google-unshuffled.jsonl"
