#pragma once
#include <zlib.h>

// inflateInit2 and deflateInit2 are function-like macros that pass
// ZLIB_VERSION and sizeof(z_stream) to the real entry points (so the library
// can detect a header/library mismatch); Swift cannot call macros.
// See https://zlib.net/manual.html#Advanced
static inline int tw_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

static inline int tw_deflateInit2(z_streamp stream, int level, int windowBits, int memLevel,
                                  int strategy) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, memLevel, strategy);
}
