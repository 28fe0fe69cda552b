"""Runs one command on CPU 0 and appends "wall_s cpu_s peak_rss_kb" to a file, in microseconds'
precision (GNU time's %e/%U/%S print hundredths, which is ±15% of a 70 ms task).

    python3 timed.py OUTFILE LOGFILE -- COMMAND [ARG...]

Wall time runs from just before the fork to the child's exit; CPU is the child's user + system
time and peak RSS its maxrss, from wait4's rusage. Exits with the command's status.
"""
import os
import sys
import time

out, log = sys.argv[1], sys.argv[2]
command = sys.argv[sys.argv.index("--") + 1:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.sched_setaffinity(0, {0})
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execvp(command[0], command)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(out, "a") as f:
    f.write("%.4f %.4f %d\n" % (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
