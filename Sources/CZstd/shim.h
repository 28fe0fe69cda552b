#ifndef PRETEXT_CZSTD_SHIM_H
#define PRETEXT_CZSTD_SHIM_H
// libzstd's streaming decompression (ZSTD_createDStream, ZSTD_decompressStream,
// ZSTD_isError, ZSTD_getErrorName) for .zst corpus inputs. Every return code is checked by
// the Swift caller.
#include <zstd.h>
#endif
