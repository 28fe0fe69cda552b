#ifndef PRETEXT_CMALLOC_SHIM_H
#define PRETEXT_CMALLOC_SHIM_H
// glibc's mallopt and its parameters (malloc.h is not part of Swift's Glibc module), for the
// allocator settings the pretext executable applies at start (Sources/pretext/Support).
// Part of the C library: nothing to link.
#include <malloc.h>
#endif
