# Shared set-up for benchmark scripts (sourced): benchmark corpora, the real bert-base-uncased
# vocabulary, and a Python virtualenv for the peers. Python is used only for peers.
PY="${PY:-$WORK/venv/bin/python}"

ensure_corpora() {
  [ -s "$CORPORA/dev-en/corpus.txt" ] || bash "$SHARED/bench/make-corpus.sh" "$CORPORA" >&2
}

ensure_vocab() {
  [ -s "$VOCAB/tokenizer.json" ] || bash "$SHARED/bench/get-vocab.sh" "$VOCAB" >&2
}

# ensure_python PACKAGE... : a virtualenv under $WORK with these PyPI packages.
ensure_python() {
  [ -x "$PY" ] || python3 -m venv "$WORK/venv"
  "$PY" -m pip install -q "$@" >&2
}

# ensure_loader_shards: prints the folder of the loader benchmarks' shards (benchmarks/loader.sh,
# benchmarks/python_loader.sh), built when missing: pipelines/bert-nsp.toml with dynamic masking
# on the first 8.5 MB of dev-en with the bert-base-uncased vocabulary. Needs ROOT, WORK,
# CORPORA, VOCAB and the release binary.
ensure_loader_shards() {
  local slice="$WORK/bench-build/dev-en-8.5MB.txt" shards="$WORK/bench-loader/bert-nsp-dynamic"
  [ -s "$slice" ] || { mkdir -p "$WORK/bench-build"; python3 "$ROOT/benchmarks/tools/cut_corpus.py" "$CORPORA/dev-en/corpus.txt" 8.5e6 "$slice" >&2; }
  if [ ! -s "$shards/masking.json" ]; then
    rm -rf "$shards"
    "$ROOT/.build/release/pretext" build "$ROOT/pipelines/bert-nsp.toml" --input "$slice" --tokenizer "$VOCAB/vocab.txt" \
      --output "$shards" --set masking.mode=dynamic --set tokenizer.max_word_chars=200 --threads 2 >&2
  fi
  echo "$shards"
}
