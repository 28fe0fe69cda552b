#!/usr/bin/env bash
# Starts and stops a real one-node Slurm cluster on localhost, for tests that submit jobs with
# sbatch. Uses Debian's packages (bookworm ships Slurm 22.05 and MUNGE 0.5.15) and needs root.
#
#   bash scripts/slurm-cluster.sh start    # install when missing, start munged + slurmctld + slurmd,
#                                          # wait until the node is idle, then print on stdout:
#                                          #   export SLURM_CONF=<state>/etc/slurm.conf
#   eval "$(bash scripts/slurm-cluster.sh start)"   # typical use: clients then find the cluster
#   bash scripts/slurm-cluster.sh status   # exit 0 when the cluster answers
#   bash scripts/slurm-cluster.sh stop     # cancel jobs, stop the three daemons started here
#
# Everything lives under one state folder, $PRETEXT_SLURM_DIR (default /tmp/pretext-slurm): the
# config, the MUNGE key and socket, pid files, logs and the spool/state directories. Nothing is
# written to /etc/slurm or /etc/munge, and no system-wide munged is needed: Slurm is pointed at
# this folder's munged socket with AuthInfo=socket=... . No cgroups and no systemd are used, so it
# works inside containers and sandboxes (ProctrackType=proctrack/linuxproc, TaskPlugin=task/none).
#
# Every daemon is started with PRETEXT_SLURM_OWNER=<state folder> in its environment, and the
# helpers they spawn (slurmscriptd, slurmstepd) keep their daemon's log file under the state folder
# open, so `stop` can find exactly the processes of this state folder and never touches an
# unrelated munged or Slurm.
#
# Ports: slurmctld listens on $PRETEXT_SLURMCTLD_PORT (default 6817), slurmd on
# $PRETEXT_SLURMD_PORT (default 6818), both on 127.0.0.1's host name.
#
# Progress messages go to stderr; only the final `export SLURM_CONF=...` goes to stdout.
set -euo pipefail

STATE="${PRETEXT_SLURM_DIR:-/tmp/pretext-slurm}"
CTLD_PORT="${PRETEXT_SLURMCTLD_PORT:-6817}"
SLURMD_PORT="${PRETEXT_SLURMD_PORT:-6818}"
WAIT_SECONDS="${PRETEXT_SLURM_WAIT:-60}"   # bound on how long `start` waits for an idle node

# Layout of the state folder.
ETC="$STATE/etc"
CONF="$ETC/slurm.conf"
MUNGE_DIR="$STATE/munge"
MUNGE_KEY="$MUNGE_DIR/munge.key"
MUNGE_SOCKET="$MUNGE_DIR/munge.socket"
MUNGE_PID="$MUNGE_DIR/munged.pid"
MUNGE_LOG="$STATE/log/munged.log"
RUN="$STATE/run"
LOG="$STATE/log"
CTLD_PID="$RUN/slurmctld.pid"
SLURMD_PID="$RUN/slurmd.pid"
CTLD_LOG="$LOG/slurmctld.log"
SLURMD_LOG="$LOG/slurmd.log"

# Client commands (sinfo, sbatch, ...) read this; export it for everything this script runs.
export SLURM_CONF="$CONF"

log() { echo "slurm-cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

# --- helpers ------------------------------------------------------------------------------------

# Prints the pid stored in pid file $1 when that process is alive and its command name is $2
# (so a stale pid file whose number was reused by another program is ignored); fails otherwise.
live_pid() {
  local file="$1" name="$2" pid
  [ -s "$file" ] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || return 1
  echo "$pid"
}

# Lists the pids of live processes named slurmctld/slurmscriptd/slurmd/slurmstepd/munged that
# belong to this state folder: the daemons carry the owner mark in their environment, and the
# helpers (whose environment area is overwritten when they set their process title) hold a file
# under the state folder open, e.g. slurmstepd keeps slurmd's log open.
owned_pids() {
  local dir pid comm fd target
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    comm="$(cat "$dir/comm" 2>/dev/null)" || continue
    case "$comm" in slurmctld|slurmscriptd|slurmd|slurmstepd|munged) ;; *) continue ;; esac
    # Skip zombies: they have exited, and only wait for their parent (in some sandboxes PID 1
    # reaps orphans only every few seconds).
    [ "$(awk '{print $3}' "$dir/stat" 2>/dev/null)" = "Z" ] && continue
    if { tr '\0' '\n' <"$dir/environ"; } 2>/dev/null | grep -qxF "PRETEXT_SLURM_OWNER=$STATE"; then
      echo "$pid"
      continue
    fi
    for fd in "$dir"/fd/*; do
      target="$(readlink "$fd" 2>/dev/null)" || continue
      case "$target" in "$STATE"/*) echo "$pid"; break ;; esac
    done
  done
}

# Waits up to $2 seconds for process $1 to exit; fails if it is still there.
wait_exit() {
  local pid="$1" secs="$2" i
  for ((i = 0; i < secs * 10; i++)); do
    [ -d "/proc/$pid" ] || return 0
    # A zombie has exited already (its parent just has not reaped it yet).
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = "Z" ] && return 0
    sleep 0.1
  done
  [ ! -d "/proc/$pid" ]
}

# Sends SIGTERM to process $1, waits for it, and falls back to SIGKILL after 20 s.
terminate() {
  local pid="$1" what="$2"
  kill -TERM "$pid" 2>/dev/null || return 0
  if ! wait_exit "$pid" 20; then
    log "$what (pid $pid) ignored SIGTERM for 20 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_exit "$pid" 5 || log "warning: $what (pid $pid) is still alive"
  fi
}

# Prints the pids of all descendants of process $1 (children first-level and below).
descendants() {
  local parent="$1" child
  for child in $(ps -o pid= --ppid "$parent" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

# Stops a slurmstepd whose slurmd is gone, with its job: the job's processes (its descendants, as
# proctrack/linuxproc tracks them) get SIGTERM then SIGKILL; slurmstepd itself ignores SIGTERM,
# so it gets SIGKILL.
kill_stepd() {
  local pid="$1" kids k
  kids="$(descendants "$pid")"
  for k in $kids; do kill -TERM "$k" 2>/dev/null || true; done
  for k in $kids; do wait_exit "$k" 5 || kill -KILL "$k" 2>/dev/null || true; done
  kill -KILL "$pid" 2>/dev/null || true
  wait_exit "$pid" 5 || log "warning: slurmstepd (pid $pid) is still alive"
}

# Stops the daemon named $2 whose pid file is $1, if it is running.
stop_daemon() {
  local file="$1" name="$2" pid
  if pid="$(live_pid "$file" "$name")"; then
    log "stopping $name (pid $pid)"
    terminate "$pid" "$name"
  fi
  rm -f "$file"
}

# Prints the last lines of each daemon's log to stderr (used when start fails).
dump_logs() {
  local f
  for f in "$MUNGE_LOG" "$CTLD_LOG" "$SLURMD_LOG"; do
    if [ -f "$f" ]; then
      echo "----- tail of $f -----" >&2
      tail -n 40 "$f" >&2 || true
    fi
  done
}

# Reports a failed start with the logs, then stops whatever this start left running, so that a
# half-started cluster does not linger (the logs stay in the state folder).
fail_start() {
  log "error: $*"
  dump_logs
  log "stopping what was started"
  (cmd_stop) || true
  exit 1
}

# --- step 1: packages ---------------------------------------------------------------------------

# Installs slurm-wlm (slurmctld + slurmd + clients) and munge with apt-get when missing.
ensure_packages() {
  local p missing=()
  for p in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  [ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root"
  log "installing ${missing[*]} with apt-get"
  # The packages' postinst scripts would start the system munge/slurmd/slurmctld services
  # through invoke-rc.d (via systemd, or via their SysV scripts where, as in containers, systemd
  # is not running). Those would be unrelated daemons on the same ports (and the Slurm ones would
  # fail without /etc/slurm/slurm.conf), so forbid service starts during the install
  # with a temporary policy-rc.d (exit 101 = "action forbidden"), unless one already exists.
  local policy=/usr/sbin/policy-rc.d made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
  fi
  local rc=0
  {
    apt-get update -q >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" >&2
  } || rc=$?
  [ -z "$made_policy" ] || rm -f "$policy"
  [ "$rc" -eq 0 ] || die "apt-get install ${missing[*]} failed (exit $rc)"
}

# --- step 2: MUNGE ------------------------------------------------------------------------------

# Creates the state folder's MUNGE key once and starts a private munged on its own socket.
# munged runs as root here (fine for a throwaway test cluster). It insists that its socket
# directory be searchable by all (so any user's client can connect) but writable by none but its
# owner, and that the key be private: hence the 0755 folder and the 0400 key.
start_munge() {
  mkdir -p "$MUNGE_DIR" "$LOG"
  chmod 755 "$STATE" "$MUNGE_DIR"
  if [ ! -s "$MUNGE_KEY" ]; then
    log "creating MUNGE key $MUNGE_KEY"
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --keyfile="$MUNGE_KEY" >&2
    else
      dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
    fi
  fi
  chmod 400 "$MUNGE_KEY"
  if live_pid "$MUNGE_PID" munged >/dev/null; then
    log "munged already running (pid $(live_pid "$MUNGE_PID" munged))"
  else
    log "starting munged"
    rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock"
    # munged daemonizes itself and writes its pid file.
    PRETEXT_SLURM_OWNER="$STATE" munged \
      --key-file="$MUNGE_KEY" --socket="$MUNGE_SOCKET" --pid-file="$MUNGE_PID" \
      --log-file="$MUNGE_LOG" --seed-file="$MUNGE_DIR/munged.seed" \
      </dev/null >>"$MUNGE_LOG" 2>&1 || fail_start "munged did not start"
  fi
  # Prove that credentials can be made and checked through this socket.
  local i
  for ((i = 0; i < 50; i++)); do
    if munge --socket="$MUNGE_SOCKET" -n 2>/dev/null | unmunge --socket="$MUNGE_SOCKET" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  fail_start "munged does not answer on $MUNGE_SOCKET"
}

# --- step 3: configuration ----------------------------------------------------------------------

# Describes this machine's node line from `slurmd -C` (real CPU topology and memory), falling back
# to nproc/free; the node is named after the short host name and reached at 127.0.0.1.
node_line() {
  local host="$1" hw="" mem
  hw="$(slurmd -C 2>/dev/null | grep '^NodeName=' | head -n 1 | sed 's/^NodeName=[^ ]* *//')" || hw=""
  if [ -z "$hw" ] || ! grep -q 'CPUs=' <<<"$hw"; then
    mem="$(free -m | awk '/^Mem:/ {print $2}')"
    hw="CPUs=$(nproc) RealMemory=$mem"
  fi
  echo "NodeName=$host NodeAddr=127.0.0.1 $hw State=UNKNOWN"
}

# Writes slurm.conf (and an explicit cgroup.conf that keeps cgroups out of the way) to a
# temporary file; prints its path.
render_config() {
  local host="$1" tmp
  tmp="$(mktemp "$ETC/slurm.conf.XXXXXX")"
  cat >"$tmp" <<EOF
# Generated by scripts/slurm-cluster.sh for a one-node test cluster; rewritten on every start.
ClusterName=pretext
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
# Everything runs as root: no slurm user is needed, and root may submit jobs.
SlurmUser=root
SlurmdUser=root
# Authentication through this folder's private munged.
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
# State, spool, pid and log files under the state folder.
StateSaveLocation=$STATE/spool/slurmctld
SlurmdSpoolDir=$STATE/spool/slurmd
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$CTLD_LOG
SlurmdLogFile=$SLURMD_LOG
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups, no systemd: track job processes by parent pid, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
# Schedule single CPUs so several 1-CPU jobs (e.g. array elements) run at once.
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# A node that was down comes back by itself as soon as its slurmd registers.
ReturnToService=2
# Short timeouts suit a local test cluster.
SlurmctldTimeout=10
SlurmdTimeout=10
MessageTimeout=10
InactiveLimit=0
KillWait=5
Waittime=0
MinJobAge=300
# No accounting database and no job accounting.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# No mail is sent (the default /usr/bin/mail is not installed).
MailProg=/bin/true
$(node_line "$host")
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  # Read only by cgroup-based plugins, which are not used; present so no daemon goes looking
  # for /etc/slurm/cgroup.conf.
  cat >"$ETC/cgroup.conf" <<EOF
# Generated by scripts/slurm-cluster.sh: cgroups are not used by this cluster.
CgroupAutomount=no
EOF
  echo "$tmp"
}

# --- step 4: Slurm daemons ----------------------------------------------------------------------

start_slurm() {
  local host="$1" pid
  mkdir -p "$RUN" "$LOG" "$STATE/spool/slurmctld" "$STATE/spool/slurmd"
  if pid="$(live_pid "$CTLD_PID" slurmctld)"; then
    log "slurmctld already running (pid $pid)"
  else
    log "starting slurmctld"
    rm -f "$CTLD_PID"
    # Daemonizes itself; keeps its job state in StateSaveLocation across restarts.
    PRETEXT_SLURM_OWNER="$STATE" slurmctld -f "$CONF" </dev/null >>"$CTLD_LOG" 2>&1 ||
      fail_start "slurmctld did not start"
  fi
  if pid="$(live_pid "$SLURMD_PID" slurmd)"; then
    log "slurmd already running (pid $pid)"
  else
    log "starting slurmd as node $host"
    rm -f "$SLURMD_PID"
    PRETEXT_SLURM_OWNER="$STATE" slurmd -f "$CONF" -N "$host" </dev/null >>"$SLURMD_LOG" 2>&1 ||
      fail_start "slurmd did not start"
  fi
}

# Prints the node's state as sinfo sees it (idle, mixed, allocated, down*, ...), or nothing.
# (Never fails, so that `state=$(node_state ...)` is safe under set -e while nothing answers.)
node_state() {
  { sinfo -h -N -n "$1" -o '%T' 2>/dev/null || true; } | head -n 1
}

# Waits (bounded) until slurmctld answers and the node is up; jobs already running from an
# earlier start leave it mixed/allocated, which counts as up too.
wait_ready() {
  local host="$1" state="" i
  for ((i = 0; i < WAIT_SECONDS * 2; i++)); do
    state="$(node_state "$host")"
    case "$state" in
      idle|mixed|allocated|completing) log "node $host is $state"; return 0 ;;
    esac
    # Give up early when a daemon died (bad config, port in use, ...).
    live_pid "$CTLD_PID" slurmctld >/dev/null || { sleep 1; live_pid "$CTLD_PID" slurmctld >/dev/null; } ||
      fail_start "slurmctld exited"
    live_pid "$SLURMD_PID" slurmd >/dev/null || { sleep 1; live_pid "$SLURMD_PID" slurmd >/dev/null; } ||
      fail_start "slurmd exited"
    sleep 0.5
  done
  fail_start "node $host not idle after ${WAIT_SECONDS} s (state: ${state:-no answer})"
}

# --- commands -----------------------------------------------------------------------------------

cmd_start() {
  [ "$(id -u)" -eq 0 ] || die "start needs root (the daemons run as root)"
  ensure_packages
  local host
  host="$(hostname -s)"
  mkdir -p "$STATE" "$ETC"
  start_munge
  # Write the config; when it changed while Slurm runs from an older one, restart Slurm.
  local new
  new="$(render_config "$host")"
  if [ -f "$CONF" ] && cmp -s "$new" "$CONF"; then
    rm -f "$new"
  else
    if live_pid "$CTLD_PID" slurmctld >/dev/null || live_pid "$SLURMD_PID" slurmd >/dev/null; then
      log "slurm.conf changed; restarting the Slurm daemons"
      stop_daemon "$SLURMD_PID" slurmd
      stop_daemon "$CTLD_PID" slurmctld
    fi
    mv -f "$new" "$CONF"
    chmod 644 "$CONF"
    log "wrote $CONF"
  fi
  start_slurm "$host"
  wait_ready "$host"
  echo "export SLURM_CONF=$CONF"
}

cmd_stop() {
  # Cancel the cluster's jobs first, so that no slurmstepd or job process outlives slurmd.
  if live_pid "$CTLD_PID" slurmctld >/dev/null; then
    local jobs i
    jobs="$(squeue -h -o '%A' 2>/dev/null || true)"
    if [ -n "$jobs" ]; then
      log "cancelling jobs: $(tr "\n" " " <<<"$jobs")"
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do
        [ -z "$(squeue -h -t running,completing -o '%A' 2>/dev/null || true)" ] && break
        sleep 0.2
      done
    fi
  fi
  stop_daemon "$SLURMD_PID" slurmd
  stop_daemon "$CTLD_PID" slurmctld
  stop_daemon "$MUNGE_PID" munged
  # Anything else of this state folder (a slurmstepd left over from a job, or a daemon whose
  # pid file was lost) is found by owned_pids.
  local pid comm
  for pid in $(owned_pids); do
    comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || continue
    log "stopping leftover $comm (pid $pid)"
    if [ "$comm" = slurmstepd ]; then kill_stepd "$pid"; else terminate "$pid" "$comm"; fi
  done
  [ -z "$(owned_pids)" ] || die "some processes of $STATE are still running: $(owned_pids | tr '\n' ' ')"
  log "stopped"
}

cmd_status() {
  local host state
  host="$(hostname -s)"
  live_pid "$MUNGE_PID" munged >/dev/null || { log "munged is not running"; return 1; }
  live_pid "$CTLD_PID" slurmctld >/dev/null || { log "slurmctld is not running"; return 1; }
  live_pid "$SLURMD_PID" slurmd >/dev/null || { log "slurmd is not running"; return 1; }
  state="$(node_state "$host")"
  case "$state" in
    idle|mixed|allocated|completing) log "up: node $host is $state (SLURM_CONF=$CONF)"; return 0 ;;
    *) log "not answering: node $host is ${state:-unknown}"; return 1 ;;
  esac
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status   (state folder: \$PRETEXT_SLURM_DIR, default /tmp/pretext-slurm)" >&2; exit 2 ;;
esac
