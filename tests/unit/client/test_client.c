/* test_client.c - unit tests of libfieldnote's internals: status codes, sealing, ULIDs, HTTP framing, record layouts. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "crypto.h"
#include "http.h"
#include "outbox.h"
#include "public.h"
#include "unit.h" /* tests/unit/unit.h: CHECK and struct unit_case */

/* --- the public header's codes are schema's, all of them --- */

static int test_status_codes_match_schema(void)
{
	int pub = 0, schema = 0;
#define COUNT(...) pub++;
	FN_STATUS_CODES(COUNT)
#undef COUNT
#define COUNT(...) schema++;
	FN_STATUS_LIST(COUNT)
#undef COUNT
	if (pub != schema) {
		fprintf(stderr, "fieldnote.h has %d status codes, schema/status.h %d: append the new ones to "
		                "FN_STATUS_CODES in client-lib/include/fieldnote.h\n", pub, schema);
		return 1;
	}
#define SAME(name, value) CHECK(strcmp(sc_status_name(value), #name) == 0);
	FN_STATUS_CODES(SAME)
#undef SAME
	CHECK(strcmp(fn_strerror(FN_WRONG_KEY), sc_status_message(FN_WRONG_KEY)) == 0);
	CHECK(strcmp(fn_strerror(9999), "unknown status") == 0);
	return 0;
}

/* --- sealing --- */

static const unsigned char key1[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const unsigned char key2[32] = {2};

static int test_seal_roundtrip_and_tamper(void)
{
	struct cr a, b;
	char detail[256];
	struct sc_buf s1 = {0}, s2 = {0}, pt = {0};
	const char msg[] = "CANARY-7f3e the child's words";

	CHECK(fni_cr_init(&a, key1, detail) == FN_OK);
	CHECK(fni_cr_init(&b, key2, detail) == FN_OK);
	CHECK(fni_cr_seal(&a, "outbox\0k", 8, msg, sizeof msg, &s1) == FN_OK);
	CHECK(fni_cr_seal(&a, "outbox\0k", 8, msg, sizeof msg, &s2) == FN_OK);
	CHECK_EQ_INT(s1.n, sizeof msg + CR_OVERHEAD);
	CHECK(memcmp(s1.p, s2.p, s1.n) != 0); /* fresh nonce each time */
	CHECK(memmem(s1.p, s1.n, "CANARY", 6) == NULL);
	CHECK(fni_cr_open(&a, "outbox\0k", 8, s1.p, s1.n, &pt) == FN_OK);
	CHECK(pt.n == sizeof msg && memcmp(pt.p, msg, pt.n) == 0);
	pt.n = 0;
	CHECK(fni_cr_open(&b, "outbox\0k", 8, s1.p, s1.n, &pt) == FN_WRONG_KEY); /* wrong key */
	CHECK(fni_cr_open(&a, "outbox\0j", 8, s1.p, s1.n, &pt) == FN_WRONG_KEY); /* moved slot */
	for (size_t i = 0; i < s1.n; i++) {                                  /* any flipped bit */
		s1.p[i] ^= 0x10;
		CHECK(fni_cr_open(&a, "outbox\0k", 8, s1.p, s1.n, &pt) == FN_WRONG_KEY);
		s1.p[i] ^= 0x10;
	}
	CHECK(fni_cr_open(&a, "outbox\0k", 8, s1.p, CR_OVERHEAD - 1, &pt) == FN_WRONG_KEY);
	CHECK_EQ_INT(pt.n, 0);
	sc_buf_free(&s1);
	sc_buf_free(&s2);
	sc_buf_free(&pt);
	fni_cr_free(&a);
	fni_cr_free(&b);
	return 0;
}

static int test_ulid(void)
{
	struct cr a;
	char detail[256], u1[27], u2[27], u3[27];
	CHECK(fni_cr_init(&a, key1, detail) == FN_OK);
	CHECK(fni_cr_ulid(&a, 1795600300000, u1) == FN_OK);
	CHECK(fni_cr_ulid(&a, 1795600300000, u2) == FN_OK);
	CHECK(fni_cr_ulid(&a, 1795600300001, u3) == FN_OK);
	CHECK_EQ_INT(strlen(u1), 26);
	CHECK(strspn(u1, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") == 26);
	CHECK(strcmp(u1, u2) != 0);
	CHECK(memcmp(u1, u2, 10) == 0);   /* same millisecond, same prefix */
	CHECK(strncmp(u1, u3, 10) < 0);   /* later sorts later */
	CHECK(strcmp(u1, "01") > 0 && u1[0] <= '7');
	fni_cr_free(&a);
	return 0;
}

/* --- HTTP framing, fed from memory in pieces of `step` bytes --- */

struct mem {
	const char *p;
	size_t n, at, step;
};

static int mem_read(void *arg, void *buf, size_t cap, size_t *got, char *detail)
{
	struct mem *m = arg;
	(void)detail;
	size_t k = m->n - m->at;
	if (k > cap)
		k = cap;
	if (k > m->step)
		k = m->step;
	memcpy(buf, m->p + m->at, k);
	m->at += k;
	*got = k;
	return FN_OK;
}

/* Parses text with every step size from 1 to 9 and whole; all must agree. */
static int parse(const char *text, size_t max_body, struct http_reply *r, int *rc_out)
{
	int first = -1;
	for (size_t step = 1; step <= 10; step++) {
		struct mem m = {text, strlen(text), 0, step == 10 ? (size_t)-1 : step};
		struct http_src src = {mem_read, &m};
		char detail[256];
		int rc = fni_http_read_reply(&src, "GET", max_body, r, detail);
		if (first >= 0 && rc != first) {
			fprintf(stderr, "step %zu gave %d, step 1 gave %d\n", step, rc, first);
			return 1;
		}
		first = rc;
	}
	*rc_out = first;
	return 0;
}

static int test_http_content_length_and_keep_alive(void)
{
	struct http_reply r = {0};
	int rc;
	CHECK(parse("HTTP/1.1 201 Created\r\nContent-Type: application/msgpack\r\nContent-Length: 5\r\n"
	            "Date: Wed, 26 Nov 2025 10:00:00 GMT\r\n\r\nhello", 100, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_OK);
	CHECK_EQ_INT(r.status, 201);
	CHECK(r.body.n == 5 && memcmp(r.body.p, "hello", 5) == 0);
	CHECK(r.msgpack && r.keep_alive);
	CHECK_EQ_INT(r.date, 1764151200);
	CHECK(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 100, &r, &rc) == 0);
	CHECK(rc == FN_OK && !r.keep_alive);
	/* 100 Continue is skipped; a 204 has no body even without a length. */
	CHECK(parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 100, &r, &rc) == 0);
	CHECK(rc == FN_OK && r.status == 204 && r.body.n == 0 && r.keep_alive);
	sc_buf_free(&r.body);
	return 0;
}

static int test_http_chunked(void)
{
	struct http_reply r = {0};
	int rc;
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	            "4;ext=1\r\nWiki\r\n5\r\npedia\r\ne\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: y\r\n\r\n",
	            100, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_OK);
	CHECK(r.body.n == 23 && memcmp(r.body.p, "Wikipedia in\r\n\r\nchunks.", 23) == 0);
	CHECK(r.keep_alive);
	/* the cap counts across chunks */
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n",
	            10, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_PAYLOAD_TOO_LARGE);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 10, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_MALFORMED_BODY);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 10, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_MALFORMED_BODY);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 10, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_MALFORMED_BODY);
	sc_buf_free(&r.body);
	return 0;
}

static int test_http_caps_and_cuts(void)
{
	struct http_reply r = {0};
	int rc;
	/* A huge Content-Length is refused before anything is read. */
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n", 1000, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_PAYLOAD_TOO_LARGE);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", 1000, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_MALFORMED_BODY);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 1000, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_MALFORMED_BODY);
	/* headers over 16 KiB */
	size_t big = HTTP_MAX_HEAD + 100;
	char *h = malloc(big + 64);
	CHECK(h != NULL);
	strcpy(h, "HTTP/1.1 200 OK\r\nX: ");
	memset(h + strlen(h), 'a', big);
	strcpy(h + 21 + big, "\r\n\r\n");
	CHECK(parse(h, 1000, &r, &rc) == 0);
	free(h);
	CHECK_EQ_INT(rc, FN_HEADERS_TOO_LARGE);
	/* cut in the body, in the head, before anything */
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1000, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_NETWORK_ERROR);
	CHECK(r.received > 0);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Le", 1000, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_NETWORK_ERROR);
	CHECK(parse("", 1000, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_NETWORK_ERROR);
	CHECK_EQ_INT(r.received, 0);
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 1000, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_NETWORK_ERROR);
	/* a body framed by the end of the stream, under the cap */
	CHECK(parse("HTTP/1.0 200 OK\r\n\r\nuntil the end", 1000, &r, &rc) == 0);
	CHECK(rc == FN_OK && r.body.n == 13 && !r.keep_alive);
	CHECK(parse("HTTP/1.0 200 OK\r\n\r\nuntil the end", 5, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_PAYLOAD_TOO_LARGE);
	CHECK(parse("SSH-2.0-OpenSSH\r\n\r\n", 1000, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_MALFORMED_BODY);
	sc_buf_free(&r.body);
	return 0;
}

/* --- the records kept in the store --- */

static int test_outbox_entry_layout(void)
{
	struct ob_entry e = {OB_INVALID, 3, {"{\"name\":\"X\"}", 12}, {"\x81\xa1x\x01", 4}}, d;
	struct sc_buf b = {0};
	unsigned char key[80];
	struct sc_str id;
	int64_t rev;

	CHECK(fni_ob_pack(&e, &b) == FN_OK);
	CHECK(fni_ob_unpack(b.p, b.n, &d) == FN_OK);
	CHECK(d.state == OB_INVALID && d.code == 3);
	CHECK(d.reason.n == 12 && memcmp(d.reason.p, e.reason.p, 12) == 0);
	CHECK(d.note.n == 4 && memcmp(d.note.p, e.note.p, 4) == 0);
	for (size_t n = 0; n < 10 + 12; n++) /* truncated anywhere in the head or reason */
		CHECK(fni_ob_unpack(b.p, n, &d) != FN_OK);
	sc_buf_free(&b);
	size_t kn = fni_ob_key("01ABC", 5, 258, key);
	CHECK_EQ_INT(kn, 14);
	CHECK(fni_ob_key_split(key, kn, &id, &rev) == 0 && id.n == 5 && rev == 258);
	CHECK(fni_ob_key_split(key, kn - 1, &id, &rev) != 0);
	/* revisions of one id sort in order, and before a longer id */
	unsigned char k1[80], k2[80], k3[80];
	size_t n1 = fni_ob_key("A", 1, 2, k1), n2 = fni_ob_key("A", 1, 10, k2), n3 = fni_ob_key("AB", 2, 1, k3);
	CHECK(memcmp(k1, k2, n1) < 0 && memcmp(k2, k3, n2 < n3 ? n2 : n3) < 0);
	return 0;
}

/* A reply "HTTP/1.1 200 OK" with Content-Encoding: gzip and the gzip of
 * plain as its body (cut to `keep` bytes of it when keep > 0), parsed with
 * every step size like parse(). */
static int parse_gzip(const char *plain, size_t pn, long keep, size_t max_body, struct http_reply *r,
                      int *rc_out)
{
	unsigned char z[8192];
	z_stream zs = {0};
	if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return 1;
	zs.next_in = (Bytef *)(uintptr_t)plain;
	zs.avail_in = (uInt)pn;
	zs.next_out = z;
	zs.avail_out = sizeof z;
	int zrc = deflate(&zs, Z_FINISH);
	size_t zn = zs.total_out;
	deflateEnd(&zs);
	if (zrc != Z_STREAM_END)
		return 1;
	if (keep > 0)
		zn = (size_t)keep;
	char *text = malloc(zn + 128);
	if (!text)
		return 1;
	int hn = sprintf(text, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", zn);
	memcpy(text + hn, z, zn);
	int first = -1;
	for (size_t step = 1; step <= 10; step++) {
		struct mem m = {text, (size_t)hn + zn, 0, step == 10 ? (size_t)-1 : step};
		struct http_src src = {mem_read, &m};
		char detail[256];
		int rc = fni_http_read_reply(&src, "GET", max_body, r, detail);
		if (first >= 0 && rc != first)
			break;
		first = rc;
	}
	free(text);
	*rc_out = first;
	return 0;
}

static int test_http_gzip_reply_inflates(void)
{
	struct http_reply r = {0};
	char plain[20000];
	int rc;
	for (size_t i = 0; i < sizeof plain; i++) /* compressible, not trivially */
		plain[i] = "guidance text, section 136: "[i % 28] + (char)(i / 997 % 3);
	CHECK(parse_gzip(plain, sizeof plain, 0, 100000, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_OK);
	CHECK(r.gzipped && r.keep_alive);
	CHECK(r.body.n == sizeof plain && memcmp(r.body.p, plain, sizeof plain) == 0);
	/* the cap holds for what it inflates to, not only for the wire bytes */
	CHECK(parse_gzip(plain, sizeof plain, 0, sizeof plain - 1, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_PAYLOAD_TOO_LARGE);
	/* a gzip body cut short, and one that is not gzip */
	CHECK(parse_gzip(plain, sizeof plain, 40, 100000, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_MALFORMED_BODY);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello", 100, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_MALFORMED_BODY);
	/* a coding we did not ask for and cannot read */
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 5\r\n\r\nhello", 100, &r, &rc) == 0);
	CHECK_EQ_INT(rc, FN_MALFORMED_BODY);
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello", 100, &r, &rc) == 0);
	CHECK(rc == FN_OK && !r.gzipped && r.body.n == 5);
	sc_buf_free(&r.body);
	return 0;
}

const struct unit_case client_cases[] = {
	{"client/status_codes_match_schema", test_status_codes_match_schema},
	{"client/seal_roundtrip_and_tamper", test_seal_roundtrip_and_tamper},
	{"client/ulid", test_ulid},
	{"client/http_content_length_and_keep_alive", test_http_content_length_and_keep_alive},
	{"client/http_chunked", test_http_chunked},
	{"client/http_caps_and_cuts", test_http_caps_and_cuts},
	{"client/http_gzip_reply_inflates", test_http_gzip_reply_inflates},
	{"client/outbox_entry_layout", test_outbox_entry_layout},
	{NULL, NULL},
};
