#!/usr/bin/env bash
# Installs the C libraries Pretext uses (liblz4, OpenBLAS, SQLite, zlib, zstd), the zstd tool (the
# tests compress with it) and python3-venv (for the Python reader's tests) with apt when any is missing. Called by `make demo` and `make test`;
# does nothing when all are present.
set -euo pipefail
packages=(liblz4-dev libopenblas-dev libsqlite3-dev zlib1g-dev libzstd-dev zstd python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing ${missing[*]}" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi
