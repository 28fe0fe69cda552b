"""Runs one command on CPU 0 and appends "wall_s cpu_s peak_rss_kb" to a file, in microseconds'
precision (GNU time's %e/%U/%S print hundredths, which is ±15% of a 70 ms task).

    python3 timed.py OUTFILE LOGFILE -- COMMAND [ARG...]

The command is started with posix_spawn (glibc: a vfork-style clone straight into exec), so
its rusage holds the command alone, not the work of a forked copy of this interpreter before
its exec (about 2 ms per process with fork). This process pins itself to CPU 0 first; the
command inherits it. Wall time runs from just before the spawn to the child's exit; CPU is the
child's user + system time and peak RSS its maxrss, from wait4. Exits with the command's status.
"""
import os
import sys
import time

out, log = sys.argv[1], sys.argv[2]
command = sys.argv[sys.argv.index("--") + 1:]
os.sched_setaffinity(0, {0})
actions = [
    (os.POSIX_SPAWN_OPEN, 1, log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    (os.POSIX_SPAWN_DUP2, 1, 2),
]
start = time.perf_counter()
pid = os.posix_spawnp(command[0], command, os.environ, file_actions=actions)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(out, "a") as f:
    f.write("%.4f %.4f %d\n" % (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
