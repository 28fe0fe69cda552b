#!/usr/bin/env bash
# Prints the path of the virtualenv the Python tests and fuzz targets run in, after making
# sure it holds python/requirements-test.txt (torch, transformers and datasets are ~1.5 GB, so the
# virtualenv is kept outside the checkout, one per requirements file content, and reused by
# later runs on this machine: PRETEXT_PYTHON_VENV overrides the place). A fresh machine
# installs everything from PyPI. pretext-reader itself is not installed here: the callers
# run it from python/ or install it fresh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REQUIREMENTS="$ROOT/python/requirements-test.txt"
digest=$(sha256sum "$REQUIREMENTS" | cut -c1-12)
VENV="${PRETEXT_PYTHON_VENV:-/var/tmp/pretext-python-$digest}"
if [ ! -f "$VENV/.installed-$digest" ]; then
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS" >&2
  touch "$VENV/.installed-$digest"
fi
echo "$VENV"
