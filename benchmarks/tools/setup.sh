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
