#!/usr/bin/env bash
# The report page of a big build (issue 18, item 4): `pretext report` on the BERT NSP shards of
# big-dev-en (about 200 MB of text, bert-base-uncased, dynamic masking) and, for scale, of the
# bundled sample; for each: the seconds and peak RSS of `pretext report`, the page's size, and
# the seconds headless Chromium takes to load and lay it out (navigation to the load event,
# scripts/tools/browser_check.py, which also checks every chart and the masked examples).
# Targets: renders in under 2 s, a few MB at most, whatever the build's size (the page samples,
# it never dumps).
#
#   bash benchmarks/report.sh      # WORK=/var/tmp/pretext-bench  (shards kept there between runs)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
WORK="${WORK:-/var/tmp/pretext-bench}"
CORPORA="${CORPORA:-/var/tmp/pretext-corpora}"
VOCAB="${VOCAB:-/var/tmp/pretext-vocab/minilm}"
source "$ROOT/benchmarks/tools/setup.sh"
ensure_corpora
ensure_vocab
PYV="$(bash "$ROOT/scripts/python-venv.sh")/bin/python"
if ! command -v chromium > /dev/null || ! fc-list | grep -q "Noto Sans CJK"; then
  apt-get update -q > /dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk fonts-noto-core > /dev/null
fi
PRETEXT="$ROOT/.build/release/pretext"
if [[ ! -x "$PRETEXT" ]] || [[ -n "$(find "$ROOT/Sources" "$ROOT/Package.swift" -newer "$PRETEXT" -type f 2>/dev/null | head -1)" ]]; then
  (cd "$ROOT" && swift build -c release --product pretext >&2)
fi
mkdir -p "$WORK/report"
cd "$ROOT"
BIG="$WORK/report/big-dev-en-nsp"
if [[ ! -f "$BIG/catalog.sqlite" ]] || ! "$PRETEXT" verify "$BIG" > /dev/null 2>&1; then
  rm -rf "$BIG"
  echo "building $BIG from $CORPORA/big-dev-en/corpus.txt ($(du -m "$CORPORA/big-dev-en/corpus.txt" | cut -f1) MB)" >&2
  "$PRETEXT" build pipelines/bert-nsp.toml --input "$CORPORA/big-dev-en/corpus.txt" --tokenizer "$VOCAB/tokenizer.json" \
    --set tokenizer.max_word_chars=200 --set masking.mode=dynamic --output "$BIG" --threads 2 > /dev/null
fi
SMALL="$WORK/report/sample-nsp"
rm -rf "$SMALL"
"$PRETEXT" build pipelines/bert-nsp.toml --set masking.mode=dynamic --output "$SMALL" --threads 2 > /dev/null

for which in "$SMALL:bundled sample:corpora/en-sample.txt" "$BIG:big-dev-en:$CORPORA/big-dev-en/corpus.txt"; do
  IFS=: read -r folder name corpus <<< "$which"
  page="$WORK/report/$(basename "$folder").html"
  : > "$WORK/report/timed.txt"
  python3 "$ROOT/benchmarks/tools/timed.py" "$WORK/report/timed.txt" "$WORK/report/report.log" -- "$PRETEXT" report "$folder" \
    --output "$page" --vocab "$VOCAB/tokenizer.json"
  timing=$(cat "$WORK/report/timed.txt")
  check=$("$PYV" scripts/tools/browser_check.py chromium "$page" "${page%.html}.png")
  python3 - "$name" "$folder" "$page" "$timing" "$check" "$(stat -c %s "$corpus")" <<'PYEOF'
import json, os, re, sys
name, folder, page, timing, check, corpus_bytes = sys.argv[1:]
text_bytes = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder) if f.endswith(".ptxs"))
found = json.loads(check.strip().splitlines()[-1])
wall, cpu, rss = timing.split()
print("report %-15s text %5.0f MB, shards %6.1f MB: pretext report %.2f s (one core), peak RSS %d MB; page %.0f KB; Chromium load %.2f s "
      "(target < 2 s); %d charts, %d marks, %d masked tokens shown; problems: %s" % (
          name, int(corpus_bytes) / 1e6, text_bytes / 1e6, float(wall), int(rss) // 1024,
          os.path.getsize(page) / 1024, found["load_seconds"], found["charts"], found["marks"], found["masked_tokens"],
          found["problems"] or "none"))
PYEOF
done
