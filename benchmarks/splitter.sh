#!/usr/bin/env bash
# Sentence-splitter agreement and throughput: Pretext's SentenceSplitter beside pySBD,
# blingfire and syntok on English paragraphs of dev-en, and beside kss on the Korean
# paragraphs of dev-multi, in one run (benchmarks/tools/splitter_agreement.py has the exact
# definitions; docs/SPLITTING.md the measured figures).
#
#   bash benchmarks/splitter.sh          (WORK=/var/tmp/pretext-bench, STRIDE=8, REPEAT=5)
#
# Prints per corpus a table of pairwise boundary F1, each tool's F1 against the majority of
# the other tools, throughput in MB/s (one thread; Pretext best of REPEAT in-process passes,
# blingfire best of 3, pySBD/syntok/kss one pass), and the verdict: Pretext's English
# agreement with the majority >= pySBD's. STRIDE=1 uses every dev-en paragraph (pySBD then
# needs about 10 minutes).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
WORK="${WORK:-/var/tmp/pretext-bench}"
CORPORA="${CORPORA:-/var/tmp/pretext-corpora}"
STRIDE="${STRIDE:-8}"
REPEAT="${REPEAT:-5}"
source "$ROOT/benchmarks/tools/setup.sh"
mkdir -p "$WORK"

[ -s "$CORPORA/dev-en/corpus.jsonl" ] && [ -s "$CORPORA/dev-multi/corpus.jsonl" ] \
  || bash "$SHARED/bench/make-corpus.sh" "$CORPORA" >&2
# kss 6 installs its full dependency set (scipy, pyarrow, pecab, …: about 150 MB, a few
# minutes the first time); the benchmark uses only its MeCab-free backends.
ensure_python pysbd==0.3.4 blingfire syntok kss

(cd "$ROOT" && swift build -c release --product pretext-bench >&2)

"$PY" "$ROOT/benchmarks/tools/splitter_agreement.py" --corpora "$CORPORA" --work "$WORK/splitter" \
  --bench "$ROOT/.build/release/pretext-bench" --stride "$STRIDE" --repeat "$REPEAT"
