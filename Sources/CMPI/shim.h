#ifndef PRETEXT_CMPI_SHIM_H
#define PRETEXT_CMPI_SHIM_H
// The few MPI calls Pretext uses, as C function types, for the two MPI ABIs in use.
//
// MPI is NOT linked: PretextCore/Distributed/MPIRuntime.swift loads libmpi with dlopen
// (RTLD_NOW | RTLD_GLOBAL: Open MPI's plugins resolve symbols of libmpi itself) only when a
// distributed run asks for it, and resolves these functions with dlsym. A single-process
// `pretext` needs no MPI installed, and one binary runs under whichever MPI the cluster has.
//
// The MPI standard fixes the C API, not the ABI, and the handle types differ:
// - Open MPI (libmpi.so.40): MPI_Comm, MPI_Datatype, MPI_Op and MPI_Errhandler are pointers,
//   and the predefined handles are the addresses of exported globals (MPI_COMM_WORLD is
//   &ompi_mpi_comm_world, MPI_LONG_LONG is &ompi_mpi_long_long_int, MPI_MIN &ompi_mpi_op_min,
//   MPI_ERRORS_RETURN &ompi_mpi_errors_return); the pretext_ompi_* types below.
// - MPICH (libmpich.so.12 on Debian, libmpi.so.12 upstream; Intel MPI and MVAPICH keep its
//   ABI): the handles are ints with fixed values (the PRETEXT_MPICH_* constants, from MPICH's
//   mpi.h); the pretext_mpich_* types below.
// Calls without handles have one type for both. Every call returns an MPI error code;
// MPI_SUCCESS is 0 in both.
#include <dlfcn.h>

enum { PRETEXT_MPI_SUCCESS = 0 };

/// MPICH's predefined handles (MPI_COMM_WORLD, MPI_LONG_LONG_INT, MPI_MAX, MPI_MIN,
/// MPI_ERRORS_RETURN) and the longest MPI_Get_library_version / MPI_Error_string text
/// (MPICH's MPI_MAX_LIBRARY_VERSION_STRING, 8192, covers Open MPI's 256 too).
#define PRETEXT_MPICH_COMM_WORLD 0x44000000
#define PRETEXT_MPICH_LONG_LONG_INT 0x4c000809
#define PRETEXT_MPICH_MAX 0x58000001
#define PRETEXT_MPICH_MIN 0x58000002
#define PRETEXT_MPICH_ERRORS_RETURN 0x54000001
#define PRETEXT_MPI_MAX_STRING 8192

// Without handles: MPI_Initialized and MPI_Finalized (flag), MPI_Init (argc and argv may
// be NULL), MPI_Finalize, MPI_Get_library_version (MPI 3.0; callable before MPI_Init),
// MPI_Error_string.
typedef int (*pretext_mpi_flag_fn)(int *flag);
typedef int (*pretext_mpi_init_fn)(int *argc, char ***argv);
typedef int (*pretext_mpi_finalize_fn)(void);
typedef int (*pretext_mpi_string_fn)(char *text, int *length);
typedef int (*pretext_mpi_error_string_fn)(int code, char *text, int *length);

// Open MPI: handles are pointers. MPI_Comm_rank and MPI_Comm_size share a type.
typedef int (*pretext_ompi_comm_int_fn)(void *comm, int *value);
typedef int (*pretext_ompi_barrier_fn)(void *comm);
typedef int (*pretext_ompi_allreduce_fn)(const void *send, void *receive, int count, void *datatype, void *op,
                                         void *comm);
typedef int (*pretext_ompi_abort_fn)(void *comm, int code);
typedef int (*pretext_ompi_set_errhandler_fn)(void *comm, void *handler);

// MPICH ABI: handles are ints.
typedef int (*pretext_mpich_comm_int_fn)(int comm, int *value);
typedef int (*pretext_mpich_barrier_fn)(int comm);
typedef int (*pretext_mpich_allreduce_fn)(const void *send, void *receive, int count, int datatype, int op, int comm);
typedef int (*pretext_mpich_abort_fn)(int comm, int code);
typedef int (*pretext_mpich_set_errhandler_fn)(int comm, int handler);
#endif
