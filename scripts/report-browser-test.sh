#!/usr/bin/env bash
# The report page in a real browser: builds small shard sets with the freshly built binary
# (English BERT NSP with dynamic masking, and the Korean pipeline), trains two short runs,
# writes `pretext report` pages and opens each in headless Chromium (Debian's chromium, with
# fonts-noto-cjk for Hangul and CJK; both installed when missing) through the DevTools
# protocol (scripts/tools/browser_check.py): no console error, every chart titled with drawn
# marks, masked tokens highlighted, Korean drawn with a CJK font; a screenshot of each page.
# Called by `make test`; the browser is started and stopped by the check itself.
#   PRETEXT=path/to/pretext (default .build/debug/pretext)  WORK=/tmp/pretext-report-test
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PRETEXT="${PRETEXT:-$ROOT/.build/debug/pretext}"
WORK="${WORK:-/tmp/pretext-report-test}"
[ -x "$PRETEXT" ] || { echo "report test: $PRETEXT is missing (run swift build first)" >&2; exit 1; }
if ! command -v chromium > /dev/null || ! fc-list | grep -q "Noto Sans CJK"; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q > /dev/null
  apt-get install -y -q chromium fonts-noto-cjk fonts-noto-core > /dev/null
fi
PY="$(bash "$ROOT/scripts/python-venv.sh")/bin/python"
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$ROOT"
head -c 300000 corpora/en-sample.txt > "$WORK/en.txt"
"$PRETEXT" build pipelines/bert-nsp.toml --input "$WORK/en.txt" --set masking.mode=dynamic --output "$WORK/en" --threads 2 > /dev/null
"$PRETEXT" build pipelines/korean-bert.toml --output "$WORK/ko" --threads 2 > /dev/null
for lr in 1e-3 3e-4; do
  "$PRETEXT" train --shards "$WORK/en" --model pipelines/models/bert-tiny.json --steps 12 --lr "$lr" --warmup 2 --decay constant \
    --run "$WORK/runs/lr-$lr" --log-every 100 > /dev/null
done
"$PRETEXT" report "$WORK/en" --run "$WORK/runs/lr-1e-3" --run "$WORK/runs/lr-3e-4" --output "$WORK/en.html"
"$PRETEXT" report "$WORK/ko" --output "$WORK/ko.html" --vocab pipelines/vocab/korean-wordpiece-4k/tokenizer.json
status=0
"$PY" scripts/tools/browser_check.py chromium "$WORK/en.html" "$WORK/en.png" || status=1
"$PY" scripts/tools/browser_check.py chromium "$WORK/ko.html" "$WORK/ko.png" --expect-text "$("$PY" -c '
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
print(re.search(r"class=\"tok[^\"]*\">([\uac00-\ud7af]+)<", text).group(1))' "$WORK/ko.html")" || status=1
if [ "$status" -eq 0 ]; then echo "report pages in Chromium: 2 passed, 0 failed"; else echo "report pages in Chromium: failed" >&2; fi
exit $status
