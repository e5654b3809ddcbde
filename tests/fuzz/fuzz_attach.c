/* fuzz_attach.c - libFuzzer target for the attachment upload's untrusted
 * input (server/attach_format.c): the tus headers (Upload-Metadata,
 * Upload-Checksum, Upload-Length/Offset) and the file walkers that sniff a
 * type and strip image metadata.
 *
 * Input: byte 0 picks the function (modulo 4); the rest is the header
 * value (as a C string) or the file. Besides what ASan and UBSan catch,
 * these promises abort when broken:
 *  - a parsed Upload-Metadata value lies inside the caller's buffer, is
 *    NUL-terminated there and holds no NUL;
 *  - attach_parse_u64 agrees with strtoull on digit strings;
 *  - stripping succeeds exactly for files sniffed as that type, never
 *    grows the file, keeps its type, and stripping again changes nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach_format.h"

static void bug(const char *what)
{
	fprintf(stderr, "fuzz_attach: BUG: %s\n", what);
	abort();
}

static void fuzz_metadata(const char *s)
{
	char buf[512];
	struct attach_meta m;
	int bad;
	if (attach_parse_metadata(s, buf, sizeof buf, &m, &bad) != 0) {
		if (bad < 1)
			bug("a refused Upload-Metadata names no item");
		return;
	}
	for (int k = 0; k < ATTACH_META_KEYS; k++) {
		if (!m.v[k])
			continue;
		if (m.v[k] < buf || m.v[k] + m.n[k] >= buf + sizeof buf)
			bug("a metadata value lies outside the buffer");
		if (m.v[k][m.n[k]] != 0 || strlen(m.v[k]) != m.n[k])
			bug("a metadata value is not NUL-terminated at its length");
	}
}

static void fuzz_numbers(const char *s)
{
	unsigned char d[32];
	uint64_t v;
	(void)attach_parse_checksum(s, d);
	(void)attach_hex_decode(s, strlen(s), d);
	if (attach_parse_u64(s, UINT64_MAX / 2, &v) == 0) {
		if (strspn(s, "0123456789") != strlen(s) || strtoull(s, NULL, 10) != v)
			bug("attach_parse_u64 accepted what strtoull reads otherwise");
	}
}

static void fuzz_file(const unsigned char *p, size_t n)
{
	enum attach_type sniffed = attach_sniff(p, n);
	unsigned char *out = malloc(n ? n : 1), *again = malloc(n ? n : 1);
	if (!out || !again)
		abort();
	for (int t = ATTACH_JPEG; t <= ATTACH_PDF; t++) {
		size_t on = 0, an = 0;
		int rc = attach_strip((enum attach_type)t, p, n, out, n, &on);
		if ((rc == 0) != (sniffed == (enum attach_type)t))
			bug("attach_strip and attach_sniff disagree");
		if (rc != 0)
			continue;
		if (on > n)
			bug("stripping grew the file");
		if (attach_sniff(out, on) != (enum attach_type)t)
			bug("the stripped file is not of its type");
		if (attach_strip((enum attach_type)t, out, on, again, n, &an) != 0 || an != on ||
		    memcmp(out, again, on) != 0)
			bug("stripping twice changed the file");
	}
	free(out);
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned mode = data[0] % 4;
	data++, size--;
	if (mode == 3) {
		fuzz_file(data, size);
		return 0;
	}
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	if (mode == 0 || mode == 2)
		fuzz_metadata(s);
	else
		fuzz_numbers(s);
	free(s);
	return 0;
}
