#!/usr/bin/env bash
# Faults of the machine, on real file systems: a full disk, a read-only output, two builds into
# one folder at once, a shard deleted or truncated behind a finished build. Run by `make test`.
#
#   bash scripts/machine-fault-tests.sh      PRETEXT=path/to/pretext (default .build/debug/pretext)
#
# Disk full and read-only need tmpfs mounts, so root (or sudo): CI runs as root. Each check
# prints "ok <what>" or "FAIL <what>"; the last line is "machine faults: P passed, F failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PRETEXT="${PRETEXT:-$ROOT/.build/debug/pretext}"
[ -x "$PRETEXT" ] || swift build --product pretext >&2
W="$(mktemp -d /tmp/pretext-faults.XXXXXX)"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
MOUNTS=()
cleanup() {
  for m in "${MOUNTS[@]}"; do $SUDO umount "$m" 2> /dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT
passed=0; failed=0
check() {  # check WHAT CONDITION-STATUS
  if [ "$2" = 0 ]; then echo "ok   $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}
build() {  # build OUT [EXTRA...] : the bundled sample through bert-nsp, two threads
  local out="$1"; shift
  "$PRETEXT" build pipelines/bert-nsp.toml --output "$out" --threads 2 "$@"
}
# same A B : shard bytes, masking.json and catalog content equal.
same() {
  cmp -s <(cd "$1" && sha256sum part-*.ptxs masking.json) <(cd "$2" && sha256sum part-*.ptxs masking.json) &&
    cmp -s <("$PRETEXT" inspect "$1" --catalog-content) <("$PRETEXT" inspect "$2" --catalog-content)
}
mount_tmpfs() {  # mount_tmpfs DIR OPTIONS
  mkdir -p "$1"
  $SUDO mount -t tmpfs -o "$2" tmpfs "$1" && MOUNTS+=("$1")
}

REF="$W/reference"
build "$REF" > "$W/reference.log" 2>&1 || { cat "$W/reference.log"; exit 1; }
need=$(du -sk "$REF" | cut -f1)

# ---- Disk full: tmpfs smaller than the build, at sizes that fail in the store, the shards and
# the catalogs. A clear error naming the file, nothing that claims to be a finished build, and
# after the space is freed (remount larger) the same command finishes with the reference bytes.
for fraction in 15 45 75 95; do
  size=$((need * fraction / 100))
  D="$W/full-$fraction"
  mount_tmpfs "$D" "size=${size}k" || { check "disk full at ${fraction}%: mount tmpfs (needs root)" 1; continue; }
  build "$D/out" > "$W/full.log" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ]; then
    grep -q "No space left on device\|database or disk is full" "$W/full.log"; check "disk full at ${fraction}% ($size KiB): a clear error ($(grep -m1 Error "$W/full.log" | cut -c1-110))" $?
    # No final catalog, or one whose run is not finished: verify refuses the folder.
    ! "$PRETEXT" verify "$D/out" > "$W/verify.log" 2>&1; check "disk full at ${fraction}%: verify does not pass the unfinished folder" $?
  else
    check "disk full at ${fraction}%: the build fit (no fault to test)" 0
  fi
  $SUDO mount -o remount,size=$((need * 3))k "$D"
  build "$D/out" > "$W/rerun.log" 2>&1; check "disk full at ${fraction}%: rerun after freeing space finishes" $?
  same "$REF" "$D/out"; check "disk full at ${fraction}%: rerun gives the reference bytes" $?
  "$PRETEXT" verify "$D/out" > /dev/null 2>&1; check "disk full at ${fraction}%: verify passes" $?
done

# ---- Read-only output: a read-only file system as the output folder, and as its parent.
RO="$W/readonly"
if mount_tmpfs "$RO" "ro,size=1m"; then
  build "$RO" > "$W/ro.log" 2>&1
  [ $? -ne 0 ] && grep -q "Read-only file system" "$W/ro.log"; check "read-only output folder: a clear error ($(grep -m1 Error "$W/ro.log" | cut -c1-100))" $?
  build "$RO/out" > "$W/ro2.log" 2>&1
  [ $? -ne 0 ] && grep -q "Read-only file system" "$W/ro2.log"; check "output inside a read-only file system: a clear error" $?
else
  check "read-only output: mount tmpfs (needs root)" 1
fi

# ---- Two builds into one folder at once: the second is refused while the first runs (a lock),
# and the first finishes with the reference bytes of its configuration. A slow first build
# (dupe factor 20) so that the second starts while it runs; checked, not assumed.
C="$W/concurrent"
SLOW=(--set masking.dupe_factor=20)
build "$W/slow-reference" "${SLOW[@]}" > /dev/null 2>&1
build "$C" "${SLOW[@]}" > "$W/first.log" 2>&1 &
first=$!
for _ in $(seq 1 200); do [ -e "$C/tasks/tokenize-00000-of-00001.lock" ] && break; sleep 0.01; done
build "$C" "${SLOW[@]}" > "$W/second.log" 2>&1
second=$?
kill -0 "$first" 2> /dev/null
overlapped=$?
wait "$first"; first_rc=$?
if [ "$overlapped" = 0 ]; then
  [ "$second" -ne 0 ] && grep -q "another build into $C is running" "$W/second.log"; check "a second build into a running build's folder is refused ($(grep -m1 Error "$W/second.log" | cut -c1-90))" $?
else
  check "a second build into a running build's folder: the first finished before the second started (no overlap to test)" 1
fi
[ "$first_rc" = 0 ] && same "$W/slow-reference" "$C"; check "the first build finishes untouched, with the reference bytes" $?

# ---- A shard deleted or truncated behind a finished build: verify and the loader report it.
for fault in deleted truncated; do
  F="$W/$fault"
  cp -r "$REF" "$F"
  shard=$(ls "$F"/part-*.ptxs | head -1)
  if [ "$fault" = deleted ]; then rm "$shard"; else truncate -s $(($(stat -c %s "$shard") / 2)) "$shard"; fi
  ! "$PRETEXT" verify "$F" > "$W/v.log" 2>&1 && grep -q "FAIL $shard" "$W/v.log"; check "a $fault shard: verify fails naming it" $?
  ! "$PRETEXT" batches "$F" --batch-size 4 --count 100000 > "$W/b.log" 2>&1 && grep -q "$shard" "$W/b.log"; check "a $fault shard: the loader (pretext batches) stops naming it" $?
done

echo "machine faults: $passed passed, $failed failed"
[ "$failed" = 0 ]
