#!/usr/bin/env bash
# Tests of the Python reader (python/): installs it with its two dependencies (numpy, lz4 from
# PyPI) into a virtualenv under .build/, then runs its unittest suite against shards that the
# freshly built Swift binary writes in the same run (PRETEXT_BINARY), including the
# cross-language golden test (Python masks == Swift loader masks). Called by `make test`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.build/python-venv"
BINARY="${PRETEXT_BINARY:-$ROOT/.build/debug/pretext}"
[ -x "$BINARY" ] || { echo "python-tests: $BINARY is missing (run swift build first)" >&2; exit 1; }
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "$ROOT/python"
cd "$ROOT/python"
PRETEXT_BINARY="$BINARY" PRETEXT_REQUIRE_BINARY=1 "$VENV/bin/python" -m unittest discover -s tests
