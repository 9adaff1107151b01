#include <zlib.h>

/// inflateInit2 is a macro; Swift sees this function instead.
static inline int czlib_inflate_init_gzip(z_stream *s) { return inflateInit2(s, 15 + 32); }
