#!/usr/bin/env bash
# Builds split over tasks on the real engines, checked byte for byte against one process:
# a Slurm job array through `pretext slurm` on a one-node cluster started here
# (scripts/slurm-cluster.sh: slurmctld + slurmd + munged from Debian's packages), and
# `mpirun -np 3 pretext build` with Open MPI (Debian's openmpi-bin). Both for bert-nsp (NSP
# negatives cross tasks) and roberta-full-sentences, on the bundled English sample cut into
# 64 KiB units. Called by `make test` after the Swift tests (it uses .build/debug/pretext);
# installs what is missing (root), stops the cluster at the end, prints "N passed, N failed".
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PRETEXT="${PRETEXT:-$ROOT/.build/debug/pretext}"
[ -x "$PRETEXT" ] || { echo "distributed-tests: $PRETEXT is not built (swift build --build-tests)" >&2; exit 1; }
W="$(mktemp -d /tmp/pretext-distributed.XXXXXX)"
chmod 755 "$W"  # munged wants every folder above its socket open to all
export PRETEXT_SLURM_DIR="$W/slurm-state"
passed=0
failed=0
cleanup() {
  bash "$ROOT/scripts/slurm-cluster.sh" stop >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT

if ! command -v mpirun >/dev/null || ! ls /usr/lib/x86_64-linux-gnu/libmpi.so.40 /usr/lib/*/libmpi.so.40 >/dev/null 2>&1; then
  echo "distributed-tests: installing openmpi-bin" >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openmpi-bin libopenmpi3 >&2
fi
cluster="$(bash "$ROOT/scripts/slurm-cluster.sh" start)" || { echo "distributed-tests: the Slurm cluster did not start" >&2; exit 1; }
eval "$cluster"

# expect_same NAME REFERENCE FOLDER : shards and catalog content equal.
expect_same() {
  local name="$1" a="$2" b="$3" ok=1
  for f in "$a"/part-*.ptxs "$a/masking.json"; do
    cmp -s "$f" "$b/$(basename "$f")" || { echo "  $(basename "$f") differs" >&2; ok=0; }
  done
  [ "$(ls "$a"/part-*.ptxs | wc -l)" = "$(ls "$b"/part-*.ptxs 2>/dev/null | wc -l)" ] || { echo "  shard count differs" >&2; ok=0; }
  "$PRETEXT" inspect "$a" --catalog-content > "$W/a.content"
  "$PRETEXT" inspect "$b" --catalog-content > "$W/b.content" || ok=0
  cmp -s "$W/a.content" "$W/b.content" || { diff "$W/a.content" "$W/b.content" | head -5 >&2; ok=0; }
  "$PRETEXT" verify "$b" > /dev/null || { echo "  verify failed" >&2; ok=0; }
  if [ "$ok" = 1 ]; then echo "✔ $name"; passed=$((passed + 1)); else echo "✘ $name"; failed=$((failed + 1)); fi
}

SET=(--set output.unit_bytes=65536)
for p in bert-nsp roberta-full-sentences; do
  one="$W/$p-one"
  "$PRETEXT" build "pipelines/$p.toml" --output "$one" "${SET[@]}" > /dev/null

  mpi="$W/$p-mpi"
  if mpirun --allow-run-as-root --oversubscribe --mca pml ob1 -np 3 "$PRETEXT" build "pipelines/$p.toml" --output "$mpi" "${SET[@]}" > "$W/mpi.log" 2>&1; then
    expect_same "mpirun -np 3 $p equals one process" "$one" "$mpi"
  else
    cat "$W/mpi.log" >&2; echo "✘ mpirun -np 3 $p"; failed=$((failed + 1))
  fi

  slurm="$W/$p-slurm"
  if "$PRETEXT" slurm "pipelines/$p.toml" --tasks 4 --output "$slurm" "${SET[@]}" --time 10:00 --wait > "$W/slurm.log" 2>&1; then
    grep -E "^(tokenize|label|merge): job [0-9]+" "$W/slurm.log" | sed 's/^/  /'
    expect_same "Slurm job arrays (4 tasks) $p equal one process" "$one" "$slurm"
  else
    cat "$W/slurm.log" >&2; cat "$slurm"/slurm/logs/* 2>/dev/null | tail -20 >&2
    echo "✘ Slurm job arrays $p"; failed=$((failed + 1))
  fi
done

# A failed array element, resubmitted: the first submission's tokenize task 1 is refused (its
# lock is held here, as by a task still running elsewhere), so label and merge never run; the
# same command again finishes the build with the same bytes.
p=bert-nsp
again="$W/again"
mkdir -p "$again/tasks"
(exec 9>"$again/tasks/tokenize-00001-of-00004.lock"; flock 9; "$PRETEXT" slurm "pipelines/$p.toml" --tasks 4 --output "$again" "${SET[@]}" --wait > "$W/again1.log" 2>&1; echo $? > "$W/again1.status") || true
if [ "$(cat "$W/again1.status")" != 0 ] && [ ! -e "$again/catalog.sqlite" ] \
   && "$PRETEXT" slurm "pipelines/$p.toml" --tasks 4 --output "$again" "${SET[@]}" --wait > "$W/again2.log" 2>&1; then
  expect_same "a failed Slurm element resubmitted gives the same bytes" "$W/$p-one" "$again"
else
  cat "$W/again1.log" "$W/again2.log" >&2 2>/dev/null || true
  echo "✘ a failed Slurm element resubmitted"; failed=$((failed + 1))
fi

echo "distributed: $passed passed, $failed failed"
[ "$failed" = 0 ]
