#ifndef PRETEXT_CZSTD_SHIM_H
#define PRETEXT_CZSTD_SHIM_H
// libzstd's streaming decompression (ZSTD_createDStream, ZSTD_decompressStream,
// ZSTD_DCtx_setParameter for the window limit, ZSTD_isError, ZSTD_getErrorName,
// ZSTD_getErrorCode) for .zst corpus inputs. Every return code is checked by the Swift caller.
#include <zstd.h>
#include <zstd_errors.h>
#endif
