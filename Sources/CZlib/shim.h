#ifndef PRETEXT_CZLIB_SHIM_H
#define PRETEXT_CZLIB_SHIM_H
// zlib's streaming inflate (inflateInit2 with gzip/zlib auto-detection, inflate, inflateEnd)
// for .gz corpus inputs. Swift calls it through PretextText/Readers; every return code is
// checked there.
#include <zlib.h>

/// inflateInit2 is a macro in zlib.h; Swift cannot call macros, so wrap it.
static inline int pretext_inflate_init(z_stream *stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
#endif
