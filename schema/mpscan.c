/* mpscan.c - the msgpack structural pre-scan: walks headers only, so no length header is trusted before it is proven. */
#include "codec.h"

/*
 * msgpack-c's unpacker allocates what a header declares before it looks at
 * the bytes: "dd ff ff ff ff" (an array of 2^32-1 items) asks its zone for
 * ~100 GB. So before msgpack-c sees a body, this walk proves that
 *  - every str/bin/ext length fits in the bytes that remain,
 *  - every array's item count fits too (each item takes at least one byte;
 *    a map's 2*count keys and values likewise),
 *  - nesting, counts, string lengths and the number of items (map keys
 *    included) stay within the limits,
 *  - the body is exactly one object: not truncated, nothing after it.
 * Then what msgpack-c allocates is bounded by a small multiple of the body
 * size (one msgpack_object, 24 bytes, per item of at least one byte).
 * It keeps one counter per open container and allocates nothing.
 */

static uint64_t be(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

enum kind { SCALAR, BYTES, ARRAY, MAP };

/* What the type byte t says: the kind, the bytes of its length/count field
 * (hdr), and for SCALAR and fixed-size types the payload size; extra is the
 * ext type byte that comes between the length and the data. Returns 0 for
 * the one byte msgpack never uses (0xc1). */
static int classify(unsigned t, enum kind *k, size_t *hdr, uint64_t *fixed, size_t *extra)
{
	*k = SCALAR;
	*hdr = 0;
	*fixed = 0;
	*extra = 0;
	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
		return 1;
	if (t <= 0x8f) {
		*k = MAP;
		*fixed = t & 0x0f;
		return 1;
	}
	if (t <= 0x9f) {
		*k = ARRAY;
		*fixed = t & 0x0f;
		return 1;
	}
	if (t <= 0xbf) {
		*k = BYTES;
		*fixed = t & 0x1f;
		return 1;
	}
	switch (t) {
	case 0xc4: case 0xc5: case 0xc6: /* bin 8/16/32 */
		*k = BYTES;
		*hdr = (size_t)1 << (t - 0xc4);
		return 1;
	case 0xc7: case 0xc8: case 0xc9: /* ext 8/16/32 */
		*k = BYTES;
		*hdr = (size_t)1 << (t - 0xc7);
		*extra = 1;
		return 1;
	case 0xca: *fixed = 4; return 1; /* float 32 */
	case 0xcb: *fixed = 8; return 1; /* float 64 */
	case 0xcc: case 0xcd: case 0xce: case 0xcf: /* uint 8..64 */
		*fixed = (uint64_t)1 << (t - 0xcc);
		return 1;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3: /* int 8..64 */
		*fixed = (uint64_t)1 << (t - 0xd0);
		return 1;
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: /* fixext 1..16 */
		*fixed = 1 + ((uint64_t)1 << (t - 0xd4));
		return 1;
	case 0xd9: case 0xda: case 0xdb: /* str 8/16/32 */
		*k = BYTES;
		*hdr = (size_t)1 << (t - 0xd9);
		return 1;
	case 0xdc: case 0xdd: /* array 16/32 */
		*k = ARRAY;
		*hdr = (size_t)2 << (t - 0xdc);
		return 1;
	case 0xde: case 0xdf: /* map 16/32 */
		*k = MAP;
		*hdr = (size_t)2 << (t - 0xde);
		return 1;
	}
	return 0; /* 0xc1 */
}

int sc_mp_scan(struct sc_ctx *c, const unsigned char *p, size_t len)
{
	const struct sc_limits *lim = &c->lim;
	size_t left[SC_MAX_DEPTH_CAP]; /* items still to come in each open container */
	size_t depth = 0, pos = 0, items = 0;
	size_t max_depth = lim->max_depth < SC_MAX_DEPTH_CAP ? lim->max_depth : SC_MAX_DEPTH_CAP;

	if (len == 0)
		return sc_fail(c, FN_MALFORMED_BODY, "msgpack: empty body");
	for (;;) {
		if (depth > 0)
			left[depth - 1]--;
		if (pos >= len)
			return sc_fail(c, FN_MALFORMED_BODY, "msgpack: truncated at byte %zu", pos);
		size_t at = pos;
		if (++items > lim->max_values)
			return sc_fail(c, FN_LIMIT_EXCEEDED, "msgpack: more than %zu items in the body (byte %zu)",
			               lim->max_values, at);
		unsigned t = p[pos++];
		enum kind k;
		size_t hdr, extra;
		uint64_t n;
		if (!classify(t, &k, &hdr, &n, &extra))
			return sc_fail(c, FN_MALFORMED_BODY, "msgpack: byte 0x%02x at %zu is not a type",
			               t, at);
		if (hdr) {
			if (len - pos < hdr)
				return sc_fail(c, FN_MALFORMED_BODY, "msgpack: truncated header at byte %zu", at);
			n = be(p + pos, hdr);
			pos += hdr;
		}
		size_t rest = len - pos;
		switch (k) {
		case SCALAR:
			if (n > rest)
				return sc_fail(c, FN_MALFORMED_BODY, "msgpack: truncated value at byte %zu", at);
			pos += (size_t)n;
			break;
		case BYTES:
			if (extra > rest || n > rest - extra)
				return sc_fail(c, FN_MALFORMED_BODY,
				               "msgpack: %llu bytes declared at byte %zu, %zu remain",
				               (unsigned long long)n, at, rest);
			if (n > lim->max_str)
				return sc_fail(c, FN_LIMIT_EXCEEDED,
				               "msgpack: %llu-byte string at byte %zu; the limit is %zu",
				               (unsigned long long)n, at, lim->max_str);
			pos += extra + (size_t)n;
			break;
		case ARRAY:
		case MAP:
			/* each item needs at least one byte, a map entry two */
			if (n > (k == MAP ? rest / 2 : rest))
				return sc_fail(c, FN_MALFORMED_BODY,
				               "msgpack: %llu items declared at byte %zu, %zu bytes remain",
				               (unsigned long long)n, at, rest);
			if (n > lim->max_count)
				return sc_fail(c, FN_LIMIT_EXCEEDED,
				               "msgpack: %llu items at byte %zu; the limit is %zu",
				               (unsigned long long)n, at, lim->max_count);
			if (depth + 1 > max_depth)
				return sc_fail(c, FN_LIMIT_EXCEEDED,
				               "msgpack: nested deeper than %zu at byte %zu", max_depth, at);
			if (n > 0) {
				left[depth++] = (size_t)(k == MAP ? 2 * n : n);
				continue;
			}
			break;
		}
		while (depth > 0 && left[depth - 1] == 0)
			depth--;
		if (depth == 0)
			break;
	}
	if (pos != len)
		return sc_fail(c, FN_MALFORMED_BODY, "msgpack: %zu bytes after the end of the body",
		               len - pos);
	return FN_OK;
}
