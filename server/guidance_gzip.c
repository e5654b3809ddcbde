/* guidance_gzip.c - gzip (RFC 1952) encoding of guidance bytes: the copies
 * stored at import and the change-feed pages compressed per request. */
#include <zlib.h>

#include "guidance_internal.h"
#include "status.h"

int guidance_gzip(const void *p, size_t n, int level, struct sc_arena *arena, struct sc_str *out)
{
	z_stream z = {0};
	/* windowBits 15 + 16: a gzip header and trailer, not zlib's. */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return FN_NO_MEMORY;
	uLong cap = deflateBound(&z, (uLong)n);
	unsigned char *dst = sc_arena_alloc(arena, cap);
	if (!dst) {
		deflateEnd(&z);
		return FN_NO_MEMORY;
	}
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = dst;
	z.avail_out = (uInt)cap;
	/* deflateBound is enough for one Z_FINISH call. */
	int zrc = deflate(&z, Z_FINISH);
	size_t len = (size_t)z.total_out;
	deflateEnd(&z);
	if (zrc != Z_STREAM_END)
		return FN_INTERNAL;
	*out = (struct sc_str){(const char *)dst, len};
	return FN_OK;
}
