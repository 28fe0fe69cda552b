#ifndef PRETEXT_CBLAS_SHIM_H
#define PRETEXT_CBLAS_SHIM_H
// OpenBLAS CBLAS interface (cblas_sgemm, ...) plus its thread controls.
// Swift calls these through PretextTrainer/Kernels/Matmul.swift, which validates
// shapes and leading dimensions before every call (BLAS itself returns no status).
#include <cblas.h>

/// Number of threads OpenBLAS uses for one call; wrapped so Swift need not see the
/// OpenBLAS-specific header.
static inline void pretext_blas_set_threads(int n) { openblas_set_num_threads(n); }
static inline int pretext_blas_get_threads(void) { return openblas_get_num_threads(); }
#endif
