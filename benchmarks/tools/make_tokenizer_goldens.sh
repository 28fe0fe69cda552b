#!/usr/bin/env bash
# Regenerates the tokenizer golden files the test suite compares against
# (Tests/PretextTextTests/Fixtures/): small WordPiece and byte-level BPE vocabularies trained by
# HF tokenizers on the bundled corpora, and HF's ids for sampled corpus lines plus hand-written
# tricky lines, for those two and for bert-base-uncased.
#
#   bash benchmarks/tools/make_tokenizer_goldens.sh      (needs PyPI: tokenizers)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${WORK:-/var/tmp/pretext-bench}"
SHARED="${SHARED:-$ROOT/../shared}"
CORPORA="${CORPORA:-/var/tmp/pretext-corpora}"
VOCAB="${VOCAB:-/var/tmp/pretext-vocab/minilm}"
source "$ROOT/benchmarks/tools/setup.sh"
ensure_python tokenizers numpy
F="$ROOT/Tests/PretextTextTests/Fixtures"
"$PY" - "$F" "$ROOT/corpora/en-sample.txt" "$ROOT/corpora/ko-sample.txt" <<'PY'
import os, sys
from tokenizers import BertWordPieceTokenizer, ByteLevelBPETokenizer
out, *corpora = sys.argv[1:]
wp = BertWordPieceTokenizer(lowercase=True)
wp.train(corpora, vocab_size=2000, min_frequency=2)
wp.save(os.path.join(out, "wordpiece-2k.tokenizer.json"))
bpe = ByteLevelBPETokenizer()
bpe.train(corpora, vocab_size=2000, min_frequency=2, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
bpe.save(os.path.join(out, "bpe-2k.tokenizer.json"))
PY
# Inputs: every 40th line of the English sample, every 10th of the Korean one, the tricky lines.
{ awk 'NF && NR % 40 == 0' "$ROOT/corpora/en-sample.txt"; awk 'NF && NR % 10 == 0' "$ROOT/corpora/ko-sample.txt"; cat "$F/tricky-lines.txt"; } > "$WORK/golden-input.txt"
for t in "$F/bert-base-uncased-vocab.txt" "$F/wordpiece-2k.tokenizer.json" "$F/bpe-2k.tokenizer.json"; do
  name=$(basename "$t" | sed 's/\.tokenizer\.json$//; s/-vocab\.txt$//')
  "$PY" "$ROOT/benchmarks/tools/tokenize_parity.py" golden "$t" "$WORK/golden-input.txt" 100000 "$F/golden-$name.jsonl"
done
ls -l "$F"
