#ifndef PRETEXT_CBLAS_SHIM_H
#define PRETEXT_CBLAS_SHIM_H
// The CBLAS ABI Pretext uses: cblas_sgemm and OpenBLAS's thread controls, as C function types.
//
// OpenBLAS is NOT linked: PretextTrainer/Kernels/OpenBLAS.swift loads libopenblas.so.0 with
// dlopen on first use and resolves these functions with dlsym. Linked, OpenBLAS starts its
// thread pool in a load-time constructor and those threads spin on sched_yield for a while in
// every process — including `pretext build`, which never multiplies a matrix and needs both
// cores. Loading on demand also lets the trainer fix OPENBLAS_NUM_THREADS before the pool
// starts. The enum values and the function signature are the reference CBLAS ABI (cblas.h:
// enums passed as int). Matmul.swift validates shapes before every call (BLAS returns no status).
#include <dlfcn.h>

enum { PRETEXT_CBLAS_ROW_MAJOR = 101, PRETEXT_CBLAS_NO_TRANS = 111, PRETEXT_CBLAS_TRANS = 112 };

typedef void (*pretext_cblas_sgemm_fn)(int order, int transpose_a, int transpose_b, int m, int n, int k,
                                       float alpha, const float *a, int lda, const float *b, int ldb,
                                       float beta, float *c, int ldc);
typedef void (*pretext_cblas_dgemm_fn)(int order, int transpose_a, int transpose_b, int m, int n, int k,
                                       double alpha, const double *a, int lda, const double *b, int ldb,
                                       double beta, double *c, int ldc);
typedef void (*pretext_openblas_set_threads_fn)(int threads);
typedef int (*pretext_openblas_get_threads_fn)(void);
#endif
