#!/usr/bin/env bash
# A build split over N tasks against one process, in one run: what N machines of a cluster
# would see, simulated on this one by running the tasks one after another on one core.
#
#   bash benchmarks/scale.sh
#     PIPELINES="bert-nsp gpt-causal"   CORPUS_SET="dev-en big-200"   NS="2 4 8"   REPEAT=5
#     WORK=/var/tmp/pretext-bench   CORPORA=/var/tmp/pretext-corpora   VOCAB=/var/tmp/pretext-vocab/minilm
#
# For each pipeline and corpus: `pretext build --threads 1` as one process, then for each N
# the tokenize phase on tasks 0..N-1, the label phase on tasks 0..N-1 and the merge, every
# process on core 0 under benchmarks/tools/timed.py (wall, user+sys CPU, peak RSS). Figures:
#   CPU ratio      sum of every task's CPU seconds (both phases) / one process's CPU seconds
#                  (target <= 1.10: the split does no redundant work);
#   cluster ratio  (slowest tokenize task + slowest label task) wall x N / one process's wall
#                  (target <= 1.25: a cluster of N machines runs N / ratio times faster,
#                  merge aside); the speed-up N / ratio beside it;
#   merge          wall seconds of the merge (target < 1 s on 200 MB, independent of bytes);
#   peak RSS       of the largest task.
# Each figure is the median over REPEAT repetitions; a repetition runs the one-process build and
# then each split build, and its ratios are taken against its own one-process run (the host's
# speed drifts between minutes, so ratios of runs minutes apart would measure the drift).
# Every split build is checked byte for byte against the one-process build (shards, and the
# catalog's content without times). bert-nsp uses the real bert-base-uncased vocabulary
# (NSP negatives cross tasks); gpt-causal its pipeline's byte-level BPE. big-200 is the first
# 200 MB of big-dev-en. Inputs are read once, untimed, before every run (page cache).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
WORK="${WORK:-/var/tmp/pretext-bench}"
CORPORA="${CORPORA:-/var/tmp/pretext-corpora}"
VOCAB="${VOCAB:-/var/tmp/pretext-vocab/minilm}"
PIPELINES="${PIPELINES:-bert-nsp gpt-causal}"
CORPUS_SET="${CORPUS_SET:-dev-en big-200}"
NS="${NS:-2 4 8}"
REPEAT="${REPEAT:-5}"
source "$ROOT/benchmarks/tools/setup.sh"
ensure_corpora
ensure_vocab
swift build -c release --product pretext >&2
PRETEXT="$ROOT/.build/release/pretext"
S="$WORK/scale"
rm -rf "$S"
mkdir -p "$S"

corpus_file() {
  case "$1" in
    dev-en) echo "$CORPORA/dev-en/corpus.txt" ;;
    big-200)
      local f="$S/big-200.txt"
      [ -s "$f" ] || python3 "$ROOT/benchmarks/tools/cut_corpus.py" "$CORPORA/big-dev-en/corpus.txt" $((200 * 1000 * 1000)) "$f" >&2
      echo "$f" ;;
  esac
}

# timed OUTFILE CMD... : runs CMD on core 0; appends "wall cpu rss_kb" to OUTFILE (wait4's
# rusage, microseconds: GNU time's hundredths are too coarse for tasks of 70 ms).
timed() {
  local out="$1"; shift
  python3 "$ROOT/benchmarks/tools/timed.py" "$out" "$S/last.log" -- "$@" || { cat "$S/last.log" >&2; return 1; }
}

# snapshot FOLDER : shard checksums and the catalog's content (no times, no row ids).
snapshot() {
  (cd "$1" && sha256sum part-*.ptxs masking.json)
  python3 - "$1/catalog.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for q in ["select config_text, config_hash, seed, tool_version, status from runs",
          "select ordinal, path, size, fingerprint, documents, status from inputs order by ordinal",
          "select file, records, tokens, bytes, checksum from shards order by file",
          "select stage, unit, statistics from build_units order by stage, unit",
          "select unit, ordinal, documents, bytes, checksum from build_unit_inputs order by unit, ordinal",
          "select name, value from statistics order by name"]:
    for row in db.execute(q): print(row)
PY
}

REPORT="$S/report.txt"
{
  echo "| pipeline | corpus | N | one process wall s / CPU s | sum of task CPU s | CPU ratio (<= 1.10) | slowest tokenize + label task, wall s | cluster ratio (<= 1.25) | speed-up on N machines | merge s | peak RSS per task MB (one process) | same bytes |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$REPORT"
# median FILE COLUMN : the median of one column of a file of numbers.
median() { sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }

# split_build PIPELINE INPUT OUT N TOKENIZER-FLAGS... : the tokenize phase on tasks 0..N-1, the
# label phase on tasks 0..N-1 and the merge; prints "cpu tw lw merge rss" (CPU sum of all
# tasks, slowest tokenize task wall, slowest label task wall, merge wall, largest peak RSS).
split_build() {
  local pipeline="$1" input="$2" out="$3" n="$4"; shift 4
  rm -rf "$out" "$S/tok.t" "$S/lab.t" "$S/merge.t"
  for phase in tokenize label; do
    for ((i = 0; i < n; i++)); do
      cat "$input" > /dev/null
      timed "$S/${phase:0:3}.t" "$PRETEXT" build "$pipeline" --input "$input" "$@" --output "$out" --threads 1 --phase "$phase" --task "$i" --tasks "$n"
    done
  done
  timed "$S/merge.t" "$PRETEXT" merge "$out"
  awk -v merge="$(cut -d' ' -f1 "$S/merge.t")" '
    FILENAME ~ /tok/ { if ($1 > tw) tw = $1; cpu += $2; if ($3 > rss) rss = $3 }
    FILENAME ~ /lab/ { if ($1 > lw) lw = $1; cpu += $2; if ($3 > rss) rss = $3 }
    END { printf "%.4f %.4f %.4f %.4f %d\n", cpu, tw, lw, merge, rss }' "$S/tok.t" "$S/lab.t"
}

# The machine's speed drifts by tens of per cent over minutes, so the runs are interleaved: each
# repetition runs the one-process build and then every split build, and each ratio is taken
# within its repetition (against that repetition's one-process run) before the median.
for p in $PIPELINES; do
  pipeline="$ROOT/pipelines/$p.toml"
  tok=()
  [ "$p" = "bert-nsp" ] && tok=(--tokenizer "$VOCAB/tokenizer.json" --set tokenizer.max_word_chars=200)
  for c in $CORPUS_SET; do
    input="$(corpus_file "$c")"
    one="$S/$p-$c-one"
    rm -f "$S/one.t" "$S"/split-*.r
    declare -A same=()
    for ((r = 0; r < REPEAT; r++)); do
      rm -rf "$one"
      cat "$input" > /dev/null
      timed "$S/one.t" "$PRETEXT" build "$pipeline" --input "$input" "${tok[@]}" --output "$one" --threads 1
      read -r one_wall one_cpu _ < <(tail -1 "$S/one.t")
      [ "$r" = 0 ] && snapshot "$one" > "$S/one.snap"
      for n in $NS; do
        out="$S/$p-$c-$n"
        # One line per repetition: cpu tw lw merge rss, then the ratios of this repetition.
        split_build "$pipeline" "$input" "$out" "$n" "${tok[@]}" | awk -v n="$n" -v ow="$one_wall" -v oc="$one_cpu" '
          { printf "%s %.4f %.4f\n", $0, $1 / oc, ($2 + $3) * n / ow }' >> "$S/split-$n.r"
        snapshot "$out" > "$S/split.snap"
        cmp -s "$S/one.snap" "$S/split.snap" || { same[$n]=NO; diff "$S/one.snap" "$S/split.snap" | head -5 >&2; }
        rm -rf "$out"
      done
    done
    one_wall=$(median "$S/one.t" 1); one_cpu=$(median "$S/one.t" 2); one_rss=$(median "$S/one.t" 3)
    for n in $NS; do
      f="$S/split-$n.r"
      cpu=$(median "$f" 1); merge=$(median "$f" 4); rss=$(median "$f" 5); cpu_ratio=$(median "$f" 6); cluster=$(median "$f" 7)
      pair=$(sort -n -k7,7 "$f" | awk '{ v[NR] = $2 " + " $3 } END { print v[int((NR + 1) / 2)] }')
      row=$(awk -v n="$n" -v ow="$one_wall" -v oc="$one_cpu" -v orss="$one_rss" -v cpu="$cpu" -v cr="$cpu_ratio" -v cl="$cluster" -v mw="$merge" -v rss="$rss" -v pair="$pair" 'BEGIN {
          printf "%.2f / %.2f | %.2f | %.2fx | %s | %.2fx | %.2fx | %.3f | %d (%d)", ow, oc, cpu, cr, pair, cl, n / cl, mw, rss / 1024, orss / 1024 }')
      echo "| $p | $c | $n | $row | ${same[$n]:-yes} |" | tee -a "$REPORT" >&2
    done
    unset same
    rm -rf "$one"
  done
done
echo
cat "$REPORT"
