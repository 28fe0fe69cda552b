#ifndef PRETEXT_CLZ4_SHIM_H
#define PRETEXT_CLZ4_SHIM_H
// liblz4 block API (LZ4_compress_default, LZ4_decompress_safe, LZ4_compressBound).
// Swift calls these through PretextShards/Compression/LZ4Block.swift, which checks
// every return value and throws LZ4Error with context.
#include <lz4.h>
#endif
