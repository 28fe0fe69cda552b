#ifndef PRETEXT_CTHREADAFFINITY_SHIM_H
#define PRETEXT_CTHREADAFFINITY_SHIM_H
// Thread CPU affinity (glibc's GNU extensions, which Swift's Glibc module leaves out), for
// pinning worker threads (Sources/PretextCore/Concurrency/ThreadAffinity.swift). Part of the
// C library: nothing to link.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>

/// The CPUs the calling thread may run on (its affinity mask), lowest first, written to
/// `cpus` (room for `capacity`). Returns how many, or -1 with errno set.
static inline int pretext_allowed_cpus(int *cpus, int capacity) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    int n = 0;
    for (int c = 0; c < CPU_SETSIZE && n < capacity; c++) {
        if (CPU_ISSET(c, &set)) cpus[n++] = c;
    }
    return n;
}

/// Restricts the calling thread to CPU `cpu`. Returns 0, or an errno value.
static inline int pretext_pin_current_thread(int cpu) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return EINVAL;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}
#endif
