#!/usr/bin/env bash
# Tests of the Python reader (python/): installs it into the test virtualenv
# (scripts/python-venv.sh: numpy, lz4, xxhash, torch, transformers, datasets from PyPI), then
# runs its unittest suite against shards that the freshly built Swift binary writes in the
# same run (PRETEXT_BINARY), including the cross-language golden tests (Python masks and
# PretextLoader batches == the Swift loader's) and the Hugging Face Trainer example on a tiny
# model. Called by `make test`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BINARY="${PRETEXT_BINARY:-$ROOT/.build/debug/pretext}"
[ -x "$BINARY" ] || { echo "python-tests: $BINARY is missing (run swift build first)" >&2; exit 1; }
VENV="$(bash "$ROOT/scripts/python-venv.sh")"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$ROOT/python"
cd "$ROOT/python"
PRETEXT_BINARY="$BINARY" PRETEXT_REQUIRE_BINARY=1 PRETEXT_REQUIRE_TORCH=1 "$VENV/bin/python" -m unittest discover -s tests
