/* test_schema.c - unit tests of schema/: status codes, arena, buffer, golden vectors, decode limits and validation. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codec.h" /* sc_utf8_check */
#include "records.h"
#include "unit.h"

/* Set FN_SCHEMA_REGEN=1 to rewrite schema/vectors/ from the records built
 * below (after a deliberate wire change; review the diff). */
#define VECTOR_DIR "schema/vectors/"

/* ---------------------------------------------------------- helpers --- */

static char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s: %s (run from the repository root)\n", path,
		        strerror(errno));
		return NULL;
	}
	struct sc_buf b = { 0 };
	char tmp[4096];
	size_t k;
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
		sc_buf_append(&b, tmp, k);
	fclose(f);
	sc_buf_append(&b, "", 1); /* a NUL for text use, not counted */
	*n = b.n - 1;
	return b.p;
}

static int write_file(const char *path, const void *p, size_t n, int newline)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int rc = fwrite(p, 1, n, f) == n && (!newline || fputc('\n', f) != EOF) ? 0 : -1;
	return fclose(f) || rc ? -1 : 0;
}

static int same_bytes(const char *what, const void *a, size_t an, const void *b, size_t bn)
{
	if (an == bn && memcmp(a, b, an) == 0)
		return 1;
	size_t i = 0;
	while (i < an && i < bn && ((const char *)a)[i] == ((const char *)b)[i])
		i++;
	fprintf(stderr, "%s: %zu vs %zu bytes, first difference at %zu\n", what, an, bn, i);
	return 0;
}

/* JSON text -> msgpack with the same content and key order, so one test
 * input drives both decoders. JSON_ALLOW_NUL lets a test put NUL bytes in
 * msgpack strings. */
static void pack_json(msgpack_packer *pk, const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		msgpack_pack_map(pk, json_object_size(v));
		json_object_foreach((json_t *)v, k, x) {
			msgpack_pack_str_with_body(pk, k, strlen(k));
			pack_json(pk, x);
		}
		break;
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(v));
		json_array_foreach(v, i, x)
			pack_json(pk, x);
		break;
	case JSON_STRING:
		msgpack_pack_str_with_body(pk, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER: msgpack_pack_int64(pk, json_integer_value(v)); break;
	case JSON_REAL: msgpack_pack_double(pk, json_real_value(v)); break;
	case JSON_TRUE: msgpack_pack_true(pk); break;
	case JSON_FALSE: msgpack_pack_false(pk); break;
	case JSON_NULL: msgpack_pack_nil(pk); break;
	}
}

static int write_buf(void *data, const char *p, size_t n)
{
	return sc_buf_append(data, p, n);
}

static int json_to_msgpack(const char *json, struct sc_buf *out)
{
	json_error_t e;
	json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!v) {
		fprintf(stderr, "test input is not JSON: %s: %s\n", e.text, json);
		return -1;
	}
	msgpack_packer pk;
	msgpack_packer_init(&pk, out, write_buf);
	pack_json(&pk, v);
	json_decref(v);
	return out->oom ? -1 : 0;
}

/* Decodes json as JSON and (converted) as msgpack; both must give status
 * and, if field is not NULL, that error path. */
static int expect_both(const struct sc_record *rec, const char *json, int status,
                       const char *field, int line)
{
	struct sc_buf mp = { 0 };
	if (json_to_msgpack(json, &mp))
		return 1;
	int bad = 0;
	for (int fmt = SC_MSGPACK; fmt <= SC_JSON; fmt++) {
		struct sc_arena *a = sc_arena_new(0);
		void *out = sc_arena_alloc(a, rec->size);
		struct sc_error err;
		int rc = fmt == SC_MSGPACK ? sc_decode(rec, SC_MSGPACK, mp.p, mp.n, NULL, a, out, &err)
		                           : sc_decode(rec, SC_JSON, json, strlen(json), NULL, a, out, &err);
		if (rc != status || err.status != rc || (field && strcmp(err.field, field) != 0)) {
			fprintf(stderr, "line %d, %s: got %s field \"%s\" (%s), expected %s field \"%s\"\n",
			        line, fmt == SC_JSON ? "JSON" : "msgpack", sc_status_name(rc), err.field,
			        err.message, sc_status_name(status), field ? field : "*");
			bad = 1;
		}
		sc_arena_free(a);
	}
	sc_buf_free(&mp);
	return bad;
}
#define EXPECT_BOTH(rec, json, status, field) \
	CHECK(expect_both(&sc_rec_##rec, json, status, field, __LINE__) == 0)

/* Decodes raw bytes in one format. */
static int decode_raw(const struct sc_record *rec, int fmt, const void *p, size_t n,
                      const struct sc_limits *lim, struct sc_error *err)
{
	struct sc_arena *a = sc_arena_new(0);
	void *out = sc_arena_alloc(a, rec->size);
	int rc = sc_decode(rec, fmt, p, n, lim, a, out, err);
	sc_arena_free(a);
	return rc;
}
#define MP(rec, bytes) decode_raw(&sc_rec_##rec, SC_MSGPACK, bytes, sizeof(bytes) - 1, NULL, NULL)
#define JS(rec, text) decode_raw(&sc_rec_##rec, SC_JSON, text, strlen(text), NULL, NULL)

/* ----------------------------------------------------- status codes --- */

static int test_status(void)
{
	/* Pinned by number: codes are append-only, so this list only grows. */
	static const char *const pinned[] = {
		"OK", "BAD_REQUEST", "MALFORMED_BODY", "VALIDATION_FAILED", "UNAUTHORIZED",
		"FORBIDDEN", "NOT_FOUND", "METHOD_NOT_ALLOWED", "NOT_ACCEPTABLE", "CONFLICT",
		"PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "TOO_MANY_REQUESTS", "INTERNAL",
		"UNAVAILABLE", "STORE_FULL", "NO_MEMORY", "IO_ERROR", "LIMIT_EXCEEDED",
		"TOKEN_EXPIRED", "TOKEN_REVOKED", "DEVICE_REVOKED", "NOT_MODIFIED", "TLS_ERROR",
		"NETWORK_ERROR", "WRONG_KEY", "CANCELLED", "TIMEOUT", "BAD_ARGUMENT",
		"HEADERS_TOO_LARGE",
	};
	for (int i = 0; i < (int)(sizeof pinned / sizeof pinned[0]); i++)
		CHECK(strcmp(sc_status_name(i), pinned[i]) == 0);
#define X(n, v, h, m)                                          \
	CHECK_EQ_INT(FN_##n, v);                                   \
	CHECK(strcmp(sc_status_name(v), #n) == 0);                 \
	CHECK(strcmp(sc_status_message(v), m) == 0);               \
	CHECK_EQ_INT(sc_status_http(v), (h) ? (h) : 500);
	FN_STATUS_LIST(X)
#undef X
	CHECK_EQ_INT(sc_status_http(FN_OK), 200);
	CHECK_EQ_INT(sc_status_http(FN_VALIDATION_FAILED), 422);
	CHECK_EQ_INT(sc_status_http(FN_NOT_MODIFIED), 304);
	CHECK_EQ_INT(sc_status_http(FN_TLS_ERROR), 500);
	const int outside[] = { -1, 30, 1000, INT_MAX, INT_MIN };
	for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
		CHECK(strcmp(sc_status_name(outside[i]), "UNKNOWN") == 0);
		CHECK(sc_status_message(outside[i]) != NULL);
		CHECK_EQ_INT(sc_status_http(outside[i]), 500);
	}
	return 0;
}

/* ------------------------------------------------------ arena, buf --- */

static int test_arena(void)
{
	struct sc_arena *a = sc_arena_new(256);
	CHECK(a != NULL);
	unsigned char *ptr[300];
	size_t len[300];
	for (size_t i = 0; i < 300; i++) {
		len[i] = i % 97;
		ptr[i] = sc_arena_alloc(a, len[i]);
		CHECK(ptr[i] != NULL);
		CHECK(((uintptr_t)ptr[i] & 15u) == 0);
		for (size_t k = 0; k < len[i]; k++)
			CHECK(ptr[i][k] == 0);
		memset(ptr[i], (int)(i & 0xff), len[i]);
		if (i > 0)
			CHECK(ptr[i] != ptr[i - 1]); /* even for size 0 */
	}
	/* big requests: own chunk, aligned, zeroed, and small ones still work */
	unsigned char *big = sc_arena_alloc(a, 1u << 20);
	CHECK(big && ((uintptr_t)big & 15u) == 0);
	for (size_t k = 0; k < (1u << 20); k += 4093)
		CHECK(big[k] == 0);
	memset(big, 0x5a, 1u << 20);
	unsigned char *after = sc_arena_alloc(a, 8);
	CHECK(after && ((uintptr_t)after & 15u) == 0 && after[0] == 0);
	for (size_t i = 0; i < 300; i++)
		for (size_t k = 0; k < len[i]; k++)
			CHECK(ptr[i][k] == (unsigned char)(i & 0xff)); /* nothing overlapped */

	CHECK(sc_arena_alloc(a, SIZE_MAX) == NULL);
	CHECK(sc_arena_alloc(a, SIZE_MAX - 8) == NULL);

	char *s = sc_arena_strndup(a, "abcdef", 3);
	CHECK(s && strcmp(s, "abc") == 0);
	s = sc_arena_strndup(a, "ab\0cd", 5);
	CHECK(s && strcmp(s, "ab") == 0);
	s = sc_arena_printf(a, "%d-%s-%zu", 42, "x", (size_t)7);
	CHECK(s && strcmp(s, "42-x-7") == 0);

	sc_arena_reset(a);
	for (int i = 0; i < 1000; i++) {
		unsigned char *p = sc_arena_alloc(a, 100);
		CHECK(p && ((uintptr_t)p & 15u) == 0 && p[99] == 0);
		memset(p, 0xff, 100); /* zeroing must happen again after reset */
	}
	sc_arena_reset(a);
	unsigned char *p = sc_arena_alloc(a, 100);
	CHECK(p && p[0] == 0 && p[99] == 0);
	sc_arena_free(a);
	sc_arena_free(NULL);

	/* big chunks taken while the first chunk is current are freed by reset
	 * (LeakSanitizer reports them otherwise) and leave the arena usable */
	a = sc_arena_new(256);
	CHECK(sc_arena_alloc(a, 4096) && sc_arena_alloc(a, 8));
	sc_arena_reset(a);
	CHECK(sc_arena_alloc(a, 4096) && sc_arena_alloc(a, 200) && sc_arena_alloc(a, 200));
	sc_arena_reset(a);
	sc_arena_free(a);

	a = sc_arena_new(0); /* default chunk */
	CHECK(a && sc_arena_alloc(a, 10000) != NULL);
	sc_arena_free(a);
	return 0;
}

static int test_buf(void)
{
	struct sc_buf b = { 0 };
	for (int i = 0; i < 10000; i++)
		CHECK(sc_buf_append(&b, "0123456789", 10) == 0);
	CHECK_EQ_INT(b.n, 100000);
	CHECK(b.cap >= b.n && memcmp(b.p + 99990, "0123456789", 10) == 0);
	CHECK(sc_buf_append(&b, NULL, 0) == 0);
	b.oom = 1; /* sticky: a chain of appends needs one check at the end */
	CHECK(sc_buf_append(&b, "x", 1) == -1);
	CHECK_EQ_INT(b.n, 100000);
	sc_buf_free(&b);
	CHECK(b.p == NULL && b.n == 0 && b.cap == 0 && b.oom == 0);
	sc_buf_free(NULL);
	return 0;
}

/* ---------------------------------------------------- golden vectors --- */

static void build_error_reply(void *out)
{
	struct sc_error_reply *r = out;
	r->code = FN_VALIDATION_FAILED;
	r->name = SC_STR_LIT("VALIDATION_FAILED");
	r->message = SC_STR_LIT("a field failed validation: longer than 256 bytes");
	r->field = SC_STR_LIT("user.teams[1]");
	SC_SET(error_reply, r, code);
	SC_SET(error_reply, r, name);
	SC_SET(error_reply, r, message);
	SC_SET(error_reply, r, field);
}

static void build_session_request(void *out)
{
	struct sc_session_request *r = out;
	r->username = SC_STR_LIT("pc.jones");
	r->password = SC_STR_LIT("correct horse \"battery\" staple");
	r->device_id = SC_STR_LIT("dev-7f3a:01");
	r->has = ~0ull >> (64 - SC_NF_session_request);
}

static struct sc_user_summary user_okafor(void)
{
	static struct sc_str teams[] = { SC_STR_INIT("north-mash"), SC_STR_INIT("east-cp") };
	struct sc_user_summary u = { 0 };
	u.username = SC_STR_LIT("s.okafor");
	u.role = (struct sc_str){ sc_enum_role[SC_E_role_supervisor], 10 };
	u.agency = SC_STR_LIT("Northshire Children's Services");
	u.teams = (struct sc_strs){ teams, 2 };
	u.has = ~0ull >> (64 - SC_NF_user_summary);
	return u;
}

static void build_session_reply(void *out)
{
	static struct sc_user_summary u;
	u = user_okafor();
	struct sc_session_reply *r = out;
	r->token = SC_STR_LIT("tk_3q9XcVb1LmN0pR7sT2uW5yZ8aD4fG6hJ");
	r->expires_at = 1767225600;
	r->user = &u;
	r->has = ~0ull >> (64 - SC_NF_session_reply);
}

static const char s136_body[] =
	"Section 136 lets a police officer remove a person who appears to be suffering "
	"from a mental disorder, and to be in immediate need of care or control, to a "
	"place of safety.\n\nBefore using the power the officer must, where practicable, "
	"consult a registered medical practitioner, nurse or AMHP.\n"
	"\t- Detention: up to 24 hours (extendable by 12).\n"
	"\t- A police station is a place of safety for adults only in \"exceptional\" cases.\n"
	"Road/rail \\ see s136A. Caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x9a\x93 <ok> & done.";

static void fill_s136(struct sc_guidance_doc *d)
{
	static struct sc_str tags[] = { SC_STR_INIT("mental-health"), SC_STR_INIT("s136"),
		                        SC_STR_INIT("place-of-safety") };
	static struct sc_str audience[] = { SC_STR_INIT("officer") };
	memset(d, 0, sizeof *d);
	d->id = SC_STR_LIT("s136");
	d->version = 3;
	d->title = SC_STR_LIT("Section 136 \xe2\x80\x94 place of safety");
	d->tags = (struct sc_strs){ tags, 3 };
	d->audience = (struct sc_strs){ audience, 1 };
	d->reviewed = SC_STR_LIT("2025-01-15");
	d->updated = 1736899200;
	d->seq = 42;
	d->body = (struct sc_str){ s136_body, sizeof s136_body - 1 };
	d->has = ~0ull >> (64 - SC_NF_guidance_doc);
}

static void build_guidance_doc(void *out)
{
	fill_s136(out);
}

static void build_change_page(void *out)
{
	static struct sc_guidance_doc doc;
	static struct sc_guidance_change ch[2];
	fill_s136(&doc);
	memset(ch, 0, sizeof ch);
	ch[0].id = SC_STR_LIT("s136");
	ch[0].version = 3;
	ch[0].seq = 42;
	ch[0].doc = &doc;
	SC_SET(guidance_change, &ch[0], id);
	SC_SET(guidance_change, &ch[0], version);
	SC_SET(guidance_change, &ch[0], seq);
	SC_SET(guidance_change, &ch[0], doc);
	ch[1].id = SC_STR_LIT("s135-old");
	ch[1].version = 2;
	ch[1].seq = 300;
	ch[1].withdrawn = true;
	SC_SET(guidance_change, &ch[1], id);
	SC_SET(guidance_change, &ch[1], version);
	SC_SET(guidance_change, &ch[1], seq);
	SC_SET(guidance_change, &ch[1], withdrawn);
	struct sc_change_page *p = out;
	p->changes = (struct sc_list_guidance_change){ ch, 2 };
	p->next = 300;
	p->more = false;
	p->has = ~0ull >> (64 - SC_NF_change_page);
}

static void build_guidance_list(void *out)
{
	static struct sc_str tags[] = { SC_STR_INIT("mental-health"), SC_STR_INIT("s136") };
	static struct sc_guidance_summary it[2];
	memset(it, 0, sizeof it);
	it[0].id = SC_STR_LIT("s136");
	it[0].version = 3;
	it[0].title = SC_STR_LIT("Section 136 \xe2\x80\x94 place of safety");
	it[0].tags = (struct sc_strs){ tags, 2 };
	it[0].updated = 1736899200;
	it[0].has = ~0ull >> (64 - SC_NF_guidance_summary);
	it[1].id = SC_STR_LIT("voice-of-the-child");
	it[1].version = 1;
	it[1].title = SC_STR_LIT("Recording the voice of the child");
	it[1].updated = -1; /* negative on purpose: exercises the signed encodings */
	it[1].has = it[0].has;
	SC_CLEAR(guidance_summary, &it[1], tags);
	struct sc_guidance_list *l = out;
	l->items = (struct sc_list_guidance_summary){ it, 2 };
	SC_SET(guidance_list, l, items);
}

static void build_health(void *out)
{
	struct sc_health *h = out;
	h->status = SC_STR_LIT("ok");
	h->version = SC_STR_LIT("1.0.0");
	SC_SET(health, h, status);
	SC_SET(health, h, version);
}

static int check_vector(const char *name, const struct sc_record *rec, void (*build)(void *))
{
	char mp_path[256], js_path[256];
	snprintf(mp_path, sizeof mp_path, VECTOR_DIR "%s.msgpack", name);
	snprintf(js_path, sizeof js_path, VECTOR_DIR "%s.json", name);
	struct sc_arena *a = sc_arena_new(0);
	struct sc_buf mp = { 0 }, js = { 0 }, mp2 = { 0 }, js2 = { 0 }, mp3 = { 0 };
	struct sc_error err;
	int ok = 0;

	/* the record built in C is valid, and its encodings are the vectors */
	void *built = sc_arena_alloc(a, rec->size);
	build(built);
	CHECK(sc_validate(rec, built, &err) == FN_OK);
	CHECK(sc_encode(rec, SC_MSGPACK, built, &mp) == FN_OK);
	CHECK(sc_encode(rec, SC_JSON, built, &js) == FN_OK);
	if (getenv("FN_SCHEMA_REGEN")) {
		CHECK(write_file(mp_path, mp.p, mp.n, 0) == 0);
		CHECK(write_file(js_path, js.p, js.n, 1) == 0);
	}
	size_t fmp_n, fjs_n;
	char *fmp = read_file(mp_path, &fmp_n), *fjs = read_file(js_path, &fjs_n);
	CHECK(fmp && fjs);
	/* the .json file is the encoder's output plus one newline */
	CHECK(fjs_n > 0 && fjs[fjs_n - 1] == '\n' && memchr(fjs, '\n', fjs_n - 1) == NULL);
	CHECK(same_bytes("built -> msgpack", mp.p, mp.n, fmp, fmp_n));
	CHECK(same_bytes("built -> JSON", js.p, js.n, fjs, fjs_n - 1));

	/* .msgpack -> record -> msgpack and JSON; decoding from a copy that is
	 * then wiped and freed shows the record does not point into the input */
	char *copy = malloc(fmp_n);
	CHECK(copy);
	memcpy(copy, fmp, fmp_n);
	void *dec = sc_arena_alloc(a, rec->size);
	int rc = sc_decode(rec, SC_MSGPACK, copy, fmp_n, NULL, a, dec, &err);
	memset(copy, 0xAA, fmp_n);
	free(copy);
	if (rc)
		fprintf(stderr, "%s: %s %s\n", err.field, sc_status_name(rc), err.message);
	CHECK_EQ_INT(rc, FN_OK);
	CHECK(sc_validate(rec, dec, &err) == FN_OK);
	CHECK(sc_encode(rec, SC_MSGPACK, dec, &mp2) == FN_OK);
	CHECK(same_bytes("msgpack -> msgpack", mp2.p, mp2.n, fmp, fmp_n));
	CHECK(sc_encode(rec, SC_JSON, dec, &js2) == FN_OK);
	CHECK(same_bytes("msgpack -> JSON", js2.p, js2.n, fjs, fjs_n - 1));

	/* .json -> record -> msgpack */
	void *dec2 = sc_arena_alloc(a, rec->size);
	rc = sc_decode(rec, SC_JSON, fjs, fjs_n, NULL, a, dec2, &err);
	if (rc)
		fprintf(stderr, "%s: %s %s\n", err.field, sc_status_name(rc), err.message);
	CHECK_EQ_INT(rc, FN_OK);
	CHECK(sc_encode(rec, SC_MSGPACK, dec2, &mp3) == FN_OK);
	CHECK(same_bytes("JSON -> msgpack", mp3.p, mp3.n, fmp, fmp_n));
	ok = 1;

	free(fmp);
	free(fjs);
	sc_buf_free(&mp);
	sc_buf_free(&js);
	sc_buf_free(&mp2);
	sc_buf_free(&js2);
	sc_buf_free(&mp3);
	sc_arena_free(a);
	return ok ? 0 : 1;
}

#define VECTORS(V) V(error_reply) V(session_request) V(session_reply) V(guidance_doc) \
	V(change_page) V(guidance_list) V(health)
#define V(name) \
	static int test_vector_##name(void) \
	{ \
		return check_vector(#name, &sc_rec_##name, build_##name); \
	}
VECTORS(V)
#undef V

/* The decoded vector's content, field by field, not just its bytes. */
static int test_vector_content(void)
{
	size_t n;
	char *p = read_file(VECTOR_DIR "session_reply.msgpack", &n);
	CHECK(p);
	struct sc_arena *a = sc_arena_new(0);
	struct sc_session_reply r;
	CHECK(sc_decode(&sc_rec_session_reply, SC_MSGPACK, p, n, NULL, a, &r, NULL) == FN_OK);
	free(p);
	CHECK(SC_HAS(session_reply, &r, token) && SC_HAS(session_reply, &r, user));
	CHECK_EQ_INT(r.expires_at, 1767225600);
	CHECK(sc_str_eq(r.user->username, "s.okafor") && r.user->username.p[r.user->username.n] == 0);
	CHECK_EQ_INT(sc_enum_index(sc_enum_role, r.user->role), SC_E_role_supervisor);
	CHECK_EQ_INT(r.user->teams.n, 2);
	CHECK(sc_str_eq(r.user->teams.v[1], "east-cp") && r.user->teams.v[1].p[7] == 0);
	sc_arena_free(a);

	a = sc_arena_new(0);
	p = read_file(VECTOR_DIR "change_page.json", &n);
	CHECK(p);
	struct sc_change_page pg;
	CHECK(sc_decode(&sc_rec_change_page, SC_JSON, p, n, NULL, a, &pg, NULL) == FN_OK);
	free(p);
	CHECK_EQ_INT(pg.changes.n, 2);
	CHECK(pg.changes.v[0].doc && !SC_HAS(guidance_change, &pg.changes.v[0], withdrawn));
	CHECK(sc_str_eq(pg.changes.v[0].doc->body, s136_body));
	CHECK(pg.changes.v[1].withdrawn && !SC_HAS(guidance_change, &pg.changes.v[1], doc));
	CHECK(pg.changes.v[1].doc == NULL);
	CHECK(SC_HAS(change_page, &pg, more) && !pg.more && pg.next == 300);
	sc_arena_free(a);
	return 0;
}

/* ------------------------------------------------------------- bombs --- */

static const struct {
	const char *bytes;
	size_t n;
} bombs[] = {
	{ "\xdd\xff\xff\xff\xff", 5 },               /* array32 of 4 billion */
	{ "\xdf\xff\xff\xff\xff", 5 },               /* map32 */
	{ "\xdb\xff\xff\xff\xff", 5 },               /* str32 of 4 GB */
	{ "\xc6\xff\xff\xff\xff", 5 },               /* bin32 */
	{ "\xc9\xff\xff\xff\xff\x01", 6 },           /* ext32 */
	{ "\xdd\x01\x00\x00\x00", 5 },               /* array32 of 16 M: 384 MB in msgpack-c */
	{ "\x81\xa1" "a" "\xdd\xff\xff\xff\xff", 8 }, /* inside a map */
	{ "\x81\xa4" "code" "\xdb\xff\xff\xff\xff" "xx", 13 },
	{ "\x82\xa1" "a" "\xc0\xa1" "b" "\xdc\xff\xff", 9 },
};

static int run_bombs(void)
{
	for (size_t i = 0; i < sizeof bombs / sizeof bombs[0]; i++) {
		struct sc_error err;
		int rc = decode_raw(&sc_rec_error_reply, SC_MSGPACK, bombs[i].bytes, bombs[i].n,
		                    NULL, &err);
		if (rc != FN_MALFORMED_BODY) {
			fprintf(stderr, "bomb %zu: %s %s\n", i, sc_status_name(rc), err.message);
			return (int)i + 1;
		}
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int test_length_bombs(void)
{
	double t0 = now();
	CHECK_EQ_INT(run_bombs(), 0);
	CHECK(now() - t0 < 1.0); /* microseconds in practice */
#ifndef __SANITIZE_ADDRESS__
	/* Again with the address space capped 256 MB above what the process
	 * has now, so a big allocation would fail and show (as FN_NO_MEMORY).
	 * ASan reserves terabytes of shadow memory, so not under ASan. */
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		unsigned long pages = 0;
		FILE *f = fopen("/proc/self/statm", "r");
		if (!f || fscanf(f, "%lu", &pages) != 1)
			_exit(99);
		fclose(f);
		rlim_t cap = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (256u << 20);
		struct rlimit rl = { cap, cap };
		if (setrlimit(RLIMIT_AS, &rl))
			_exit(98);
		_exit(run_bombs());
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ_INT(WEXITSTATUS(st), 0);
#endif
	return 0;
}

/* The pre-scan on its own: msgpack-c would catch some of these too, later. */
static int scan(const char *p, size_t n, size_t max_depth)
{
	struct sc_error err;
	struct sc_ctx c = { .lim = sc_limits_default, .err = &err };
	c.lim.max_depth = max_depth;
	return sc_mp_scan(&c, (const unsigned char *)p, n);
}
#define SCAN(bytes, depth) scan(bytes, sizeof(bytes) - 1, depth)

static int test_mpscan(void)
{
	CHECK_EQ_INT(SCAN("\x80", 16), FN_OK);
	CHECK_EQ_INT(SCAN("\x80\xc0", 16), FN_MALFORMED_BODY);            /* trailing */
	CHECK_EQ_INT(SCAN("\x92\x01", 16), FN_MALFORMED_BODY);            /* truncated */
	CHECK_EQ_INT(SCAN("\x91\xcd\x01", 16), FN_MALFORMED_BODY);        /* short uint16 */
	CHECK_EQ_INT(SCAN("\x91\xd9", 16), FN_MALFORMED_BODY);            /* short str8 header */
	CHECK_EQ_INT(SCAN("\xd4\x01", 16), FN_MALFORMED_BODY);            /* short fixext1 */
	CHECK_EQ_INT(SCAN("\xd4\x01\x02", 16), FN_OK);
	CHECK_EQ_INT(SCAN("\xc7\x02\x01\xaa\xbb", 16), FN_OK);          /* ext8 */
	CHECK_EQ_INT(SCAN("\xc7\x02\x01\xaa", 16), FN_MALFORMED_BODY);
	CHECK_EQ_INT(SCAN("\xcb\x00\x00\x00\x00\x00\x00\xf0\x3f", 16), FN_OK);
	CHECK_EQ_INT(SCAN("\x93\x90\x80\xc3", 16), FN_OK);              /* empties close at once */
	CHECK_EQ_INT(SCAN("\x91\x91\x91\x90", 4), FN_OK);                /* depth 4 of 4 */
	CHECK_EQ_INT(SCAN("\x91\x91\x91\x91\x90", 4), FN_LIMIT_EXCEEDED);
	CHECK_EQ_INT(SCAN("\x91\x91\x91\x91\x90", 64), FN_OK);          /* capped at 32, not 64 */
	char deep[40];
	memset(deep, 0x91, 33);
	deep[32] = (char)0x90;
	CHECK_EQ_INT(scan(deep, 33, 64), FN_LIMIT_EXCEEDED);
	CHECK_EQ_INT(scan(deep + 1, 32, 64), FN_OK);
	CHECK_EQ_INT(SCAN("\x82\x01\x02\x03", 16), FN_MALFORMED_BODY);   /* 2 entries need 4 items */
	CHECK_EQ_INT(SCAN("\x82\x01\x02\x03\x04", 16), FN_OK);
	return 0;
}

static int test_map16_counts(void)
{
	CHECK_EQ_INT(MP(error_reply, "\xde\xff\xff\x01\x02"), FN_MALFORMED_BODY);
	CHECK_EQ_INT(MP(error_reply, "\xde\x00\x03\xa1" "a\x01\xa1" "b\x02"), FN_MALFORMED_BODY);
	CHECK_EQ_INT(MP(error_reply, "\xdc\x00\x05\x01\x02\x03\x04"), FN_MALFORMED_BODY);
	/* counts that fit the bytes but not the limit */
	static const char five[] = "\x85\xa1" "a\x01\xa1" "b\x02\xa1" "c\x03\xa1" "d\x04\xa1" "e\x05";
	struct sc_limits lim = { .max_count = 4 };
	CHECK_EQ_INT(decode_raw(&sc_rec_error_reply, SC_MSGPACK, five, sizeof five - 1, &lim, NULL),
	             FN_LIMIT_EXCEEDED);
	const char *js5 = "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}";
	CHECK_EQ_INT(decode_raw(&sc_rec_error_reply, SC_JSON, js5, strlen(js5), &lim, NULL),
	             FN_LIMIT_EXCEEDED);
	lim.max_count = 5; /* at the limit: fine structurally, then fields are missing */
	CHECK_EQ_INT(decode_raw(&sc_rec_error_reply, SC_MSGPACK, five, sizeof five - 1, &lim, NULL),
	             FN_VALIDATION_FAILED);
	CHECK_EQ_INT(decode_raw(&sc_rec_error_reply, SC_JSON, js5, strlen(js5), &lim, NULL),
	             FN_VALIDATION_FAILED);
	return 0;
}

static int test_deep_nesting(void)
{
	enum { DEEP = 100000 };
	char *p = malloc(2 * DEEP + 16);
	CHECK(p);
	/* msgpack: bare, and under a map key */
	memset(p, 0x91, DEEP);
	p[DEEP] = (char)0xc0;
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_MSGPACK, p, DEEP + 1, NULL, NULL),
	             FN_LIMIT_EXCEEDED);
	memcpy(p, "\x81\xa1" "a", 3);
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_MSGPACK, p, DEEP + 1, NULL, NULL),
	             FN_LIMIT_EXCEEDED);
	/* JSON: bare, and a balanced document */
	memset(p, '[', DEEP);
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_JSON, p, DEEP, NULL, NULL), FN_LIMIT_EXCEEDED);
	memcpy(p, "{\"a\":", 5);
	memset(p + 5, '[', DEEP);
	memset(p + 5 + DEEP, ']', DEEP);
	p[5 + 2 * DEEP] = '}';
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_JSON, p, 6 + 2 * DEEP, NULL, NULL),
	             FN_LIMIT_EXCEEDED);
	free(p);

	/* the boundary: the top map and 15 lists is depth 16, one more is 17 */
	char js[256];
	snprintf(js, sizeof js, "{\"status\":\"ok\",\"version\":\"1\",\"x\":%.15s%.15s}",
	         "[[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]]");
	EXPECT_BOTH(health, js, FN_OK, "");
	snprintf(js, sizeof js, "{\"status\":\"ok\",\"version\":\"1\",\"x\":%.16s%.16s}",
	         "[[[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]]]");
	EXPECT_BOTH(health, js, FN_LIMIT_EXCEEDED, NULL);
	/* brackets inside strings are text, not nesting */
	EXPECT_BOTH(health, "{\"status\":\"[[[[[[[[[[[[[[[[[[[[\\\"[[[\",\"version\":\"{{{\"}", FN_OK, "");
	return 0;
}

static int test_truncated_and_trailing(void)
{
	const char *names[] = { "error_reply", "change_page" };
	const struct sc_record *recs[] = { &sc_rec_error_reply, &sc_rec_change_page };
	for (int v = 0; v < 2; v++) {
		char path[128];
		size_t n, jn;
		snprintf(path, sizeof path, VECTOR_DIR "%s.msgpack", names[v]);
		char *p = read_file(path, &n);
		snprintf(path, sizeof path, VECTOR_DIR "%s.json", names[v]);
		char *j = read_file(path, &jn);
		CHECK(p && j);
		for (size_t k = 0; k < n; k++)
			CHECK_EQ_INT(decode_raw(recs[v], SC_MSGPACK, p, k, NULL, NULL), FN_MALFORMED_BODY);
		for (size_t k = 0; k + 1 < jn; k++) /* jn - 1: the content without its newline */
			CHECK_EQ_INT(decode_raw(recs[v], SC_JSON, j, k, NULL, NULL), FN_MALFORMED_BODY);
		CHECK_EQ_INT(decode_raw(recs[v], SC_JSON, j, jn - 1, NULL, NULL), FN_OK);

		char *q = malloc(n + 8);
		CHECK(q);
		memcpy(q, p, n);
		q[n] = (char)0xc0;
		CHECK_EQ_INT(decode_raw(recs[v], SC_MSGPACK, q, n + 1, NULL, NULL), FN_MALFORMED_BODY);
		q[n] = 0;
		CHECK_EQ_INT(decode_raw(recs[v], SC_MSGPACK, q, n + 1, NULL, NULL), FN_MALFORMED_BODY);
		memcpy(q + n, p, 1);
		CHECK_EQ_INT(decode_raw(recs[v], SC_MSGPACK, q, n + 1, NULL, NULL), FN_MALFORMED_BODY);
		free(q);
		q = malloc(jn + 8);
		CHECK(q);
		memcpy(q, j, jn);
		memcpy(q + jn, " x", 2);
		CHECK_EQ_INT(decode_raw(recs[v], SC_JSON, q, jn + 2, NULL, NULL), FN_MALFORMED_BODY);
		memcpy(q + jn, "{}", 2);
		CHECK_EQ_INT(decode_raw(recs[v], SC_JSON, q, jn + 2, NULL, NULL), FN_MALFORMED_BODY);
		memcpy(q + jn, " \t", 2); /* whitespace is not garbage */
		CHECK_EQ_INT(decode_raw(recs[v], SC_JSON, q, jn + 2, NULL, NULL), FN_OK);
		free(q);
		free(p);
		free(j);
	}
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_MSGPACK, "", 0, NULL, NULL), FN_MALFORMED_BODY);
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_JSON, "", 0, NULL, NULL), FN_MALFORMED_BODY);
	CHECK_EQ_INT(MP(health, "\x80\xc1"), FN_MALFORMED_BODY); /* never-used byte */
	return 0;
}

/* ------------------------------------------------------- validation --- */

#define DOC_HEAD "{\"id\":\"s136\",\"title\":\"T\",\"updated\":1,\"seq\":2,\"body\":\"b\""

static int test_wrong_types(void)
{
	EXPECT_BOTH(guidance_doc, DOC_HEAD ",\"version\":\"3\"}", FN_VALIDATION_FAILED, "version");
	EXPECT_BOTH(guidance_doc, DOC_HEAD ",\"version\":3.5}", FN_VALIDATION_FAILED, "version");
	EXPECT_BOTH(guidance_doc, DOC_HEAD ",\"version\":true}", FN_VALIDATION_FAILED, "version");
	EXPECT_BOTH(guidance_doc, DOC_HEAD ",\"version\":3,\"reviewed\":20250115}",
	            FN_VALIDATION_FAILED, "reviewed");
	EXPECT_BOTH(guidance_doc, DOC_HEAD ",\"version\":3,\"tags\":\"a\"}", FN_VALIDATION_FAILED, "tags");
	EXPECT_BOTH(guidance_doc, DOC_HEAD ",\"version\":3,\"tags\":[\"a\",7]}",
	            FN_VALIDATION_FAILED, "tags[1]");
	EXPECT_BOTH(guidance_doc, DOC_HEAD ",\"version\":3,\"tags\":{\"a\":1}}",
	            FN_VALIDATION_FAILED, "tags");
	EXPECT_BOTH(change_page, "{\"changes\":[],\"next\":1,\"more\":1}", FN_VALIDATION_FAILED, "more");
	EXPECT_BOTH(change_page, "{\"changes\":[],\"next\":1,\"more\":\"false\"}",
	            FN_VALIDATION_FAILED, "more");
	EXPECT_BOTH(change_page, "{\"changes\":{},\"next\":1,\"more\":false}",
	            FN_VALIDATION_FAILED, "changes");
	EXPECT_BOTH(change_page, "{\"changes\":[7],\"next\":1,\"more\":false}",
	            FN_VALIDATION_FAILED, "changes[0]");
	EXPECT_BOTH(change_page,
	            "{\"changes\":[{\"id\":\"a\",\"version\":1,\"seq\":1,\"withdrawn\":\"yes\"}],"
	            "\"next\":1,\"more\":false}",
	            FN_VALIDATION_FAILED, "changes[0].withdrawn");
	EXPECT_BOTH(change_page,
	            "{\"changes\":[{\"id\":\"a\",\"version\":1,\"seq\":1,\"doc\":[]}],"
	            "\"next\":1,\"more\":false}",
	            FN_VALIDATION_FAILED, "changes[0].doc");
	EXPECT_BOTH(session_reply, "{\"token\":\"t\",\"expires_at\":1,\"user\":\"s.okafor\"}",
	            FN_VALIDATION_FAILED, "user");
	EXPECT_BOTH(session_reply,
	            "{\"token\":\"t\",\"expires_at\":1,\"user\":{\"username\":\"u\",\"role\":3}}",
	            FN_VALIDATION_FAILED, "user.role");
	/* msgpack-only shapes: bin where a string belongs, a non-string key */
	CHECK_EQ_INT(MP(health, "\x82\xa6status\xc4\x02ok\xa7version\xa1" "1"), FN_VALIDATION_FAILED);
	CHECK_EQ_INT(MP(health, "\x83\x01\x02\xa6status\xa2ok\xa7version\xa1" "1"), FN_MALFORMED_BODY);
	return 0;
}

static int test_missing_and_null(void)
{
	EXPECT_BOTH(session_request, "{\"username\":\"u\",\"device_id\":\"d\"}",
	            FN_VALIDATION_FAILED, "password");
	EXPECT_BOTH(session_request, "{\"username\":\"u\",\"password\":null,\"device_id\":\"d\"}",
	            FN_VALIDATION_FAILED, "password");
	EXPECT_BOTH(session_reply, "{\"token\":\"t\",\"expires_at\":1,\"user\":{\"role\":\"admin\"}}",
	            FN_VALIDATION_FAILED, "user.username");
	EXPECT_BOTH(session_reply, "{\"token\":\"t\",\"expires_at\":1}", FN_VALIDATION_FAILED, "user");
	EXPECT_BOTH(guidance_list, "{}", FN_VALIDATION_FAILED, "items");
	/* null for an optional field is absence */
	const char *js = "{\"username\":\"u\",\"role\":\"admin\",\"agency\":null,\"teams\":[]}";
	struct sc_arena *a = sc_arena_new(0);
	struct sc_user_summary u;
	struct sc_error err;
	CHECK_EQ_INT(sc_decode(&sc_rec_user_summary, SC_JSON, js, strlen(js), NULL, a, &u, &err), FN_OK);
	CHECK(!SC_HAS(user_summary, &u, agency) && SC_HAS(user_summary, &u, teams) && u.teams.n == 0);
	CHECK(err.status == FN_OK && err.field[0] == 0);
	sc_arena_free(a);
	return 0;
}

static int test_enum(void)
{
	EXPECT_BOTH(session_reply,
	            "{\"token\":\"t\",\"expires_at\":1,\"user\":{\"username\":\"u\",\"role\":\"chief\"}}",
	            FN_VALIDATION_FAILED, "user.role");
	EXPECT_BOTH(user_summary, "{\"username\":\"u\",\"role\":\"Admin\"}", FN_VALIDATION_FAILED, "role");
	EXPECT_BOTH(user_summary, "{\"username\":\"u\",\"role\":\"\"}", FN_VALIDATION_FAILED, "role");
	EXPECT_BOTH(user_summary, "{\"username\":\"u\",\"role\":\"worker\"}", FN_OK, "");
	CHECK_EQ_INT(SC_NE_role, 4);
	CHECK(sc_enum_role[SC_NE_role] == NULL);
	CHECK(strcmp(sc_enum_role[SC_E_role_admin], "admin") == 0);
	CHECK_EQ_INT(sc_enum_index(sc_enum_role, SC_STR_LIT("officer")), SC_E_role_officer);
	CHECK_EQ_INT(sc_enum_index(sc_enum_role, SC_STR_LIT("office")), -1);
	struct sc_error err;
	const char *js = "{\"username\":\"u\",\"role\":\"x\"}";
	decode_raw(&sc_rec_user_summary, SC_JSON, js, strlen(js), NULL, &err);
	CHECK(strstr(err.message, "officer, worker, supervisor, admin") != NULL);
	return 0;
}

static int test_utf8_and_nul(void)
{
	/* {"status": <bytes>, "version": "1"} in msgpack */
#define HEALTH_MP(s) "\x82\xa6status" s "\xa7version\xa1" "1"
	struct sc_error err;
	static const char bad[] = HEALTH_MP("\xa2\xc3\x28");
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_MSGPACK, bad, sizeof bad - 1, NULL, &err),
	             FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "status") == 0 && strstr(err.message, "UTF-8"));
	static const char nul[] = HEALTH_MP("\xa3o\x00k");
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_MSGPACK, nul, sizeof nul - 1, NULL, &err),
	             FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "status") == 0 && strstr(err.message, "NUL"));
	CHECK_EQ_INT(MP(health, HEALTH_MP("\xa2\xc3\xa9")), FN_OK);
	CHECK_EQ_INT(MP(health, HEALTH_MP("\xa2\xc0\x80")), FN_VALIDATION_FAILED);     /* overlong */
	CHECK_EQ_INT(MP(health, HEALTH_MP("\xa3\xed\xa0\x80")), FN_VALIDATION_FAILED); /* surrogate */
	/* JSON: the parser refuses \u0000, raw NUL and bad UTF-8 outright */
	CHECK_EQ_INT(JS(health, "{\"status\":\"o\\u0000k\",\"version\":\"1\"}"), FN_MALFORMED_BODY);
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_JSON, "{\"status\":\"o\0k\",\"version\":\"1\"}", 30,
	                        NULL, NULL), FN_MALFORMED_BODY);
	CHECK_EQ_INT(JS(health, "{\"status\":\"\xc3\x28\",\"version\":\"1\"}"), FN_MALFORMED_BODY);

	static const struct {
		const char *s;
		size_t n;
		int want;
	} u[] = {
		{ "plain", 5, 0 }, { "\xc3\xa9", 2, 0 }, { "\xe2\x80\x94", 3, 0 },
		{ "\xf0\x9f\x9a\x93", 4, 0 }, { "\xf4\x8f\xbf\xbf", 4, 0 }, { "\xef\xbf\xbf", 3, 0 },
		{ "\xc3\x28", 2, 1 }, { "\xc3", 1, 1 }, { "\x80", 1, 1 }, { "\xc1\xbf", 2, 1 },
		{ "\xe0\x9f\xbf", 3, 1 }, { "\xed\xbf\xbf", 3, 1 }, { "\xf0\x8f\xbf\xbf", 4, 1 },
		{ "\xf4\x90\x80\x80", 4, 1 }, { "\xf5\x80\x80\x80", 4, 1 }, { "\xe2\x80", 2, 1 },
		{ "a\0b", 3, 2 },
	};
	for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
		CHECK_EQ_INT(sc_utf8_check(u[i].s, u[i].n), u[i].want);
	return 0;
}

static int test_duplicates_and_top_level(void)
{
	CHECK_EQ_INT(JS(health, "{\"status\":\"ok\",\"status\":\"ok\",\"version\":\"1\"}"), FN_MALFORMED_BODY);
	CHECK_EQ_INT(JS(health, "{\"status\":\"ok\",\"version\":\"1\",\"x\":{\"a\":1,\"a\":2}}"),
	             FN_MALFORMED_BODY);
	struct sc_error err;
	/* a key that is a field name plus a NUL and more is another key */
	static const char nulkey[] = "\x82\xa6status\xa2ok\xaaversion\0xx\xa1" "1";
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_MSGPACK, nulkey, sizeof nulkey - 1, NULL, &err),
	             FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "version") == 0);
	static const char dup[] = "\x83\xa6status\xa2ok\xa7version\xa1" "1\xa6status\xa2no";
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_MSGPACK, dup, sizeof dup - 1, NULL, &err),
	             FN_MALFORMED_BODY);
	CHECK(strcmp(err.field, "status") == 0);

	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_MSGPACK, "\x91\x80", 2, NULL, &err),
	             FN_MALFORMED_BODY);
	CHECK(strstr(err.message, "not a map") != NULL);
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_JSON, "[{}]", 4, NULL, &err), FN_MALFORMED_BODY);
	CHECK(strstr(err.message, "not an object") != NULL);
	EXPECT_BOTH(health, "[{\"status\":\"ok\",\"version\":\"1\"}]", FN_MALFORMED_BODY, "");
	EXPECT_BOTH(health, "\"ok\"", FN_MALFORMED_BODY, "");
	EXPECT_BOTH(health, "7", FN_MALFORMED_BODY, "");
	EXPECT_BOTH(health, "null", FN_MALFORMED_BODY, "");
	return 0;
}

static int test_unknown_keys(void)
{
	const char *js = "{\"zz\":{\"deep\":[1,2,{\"x\":null}]},\"version\":\"1.2\",\"later\":[true],"
	                 "\"status\":\"ok\",\"n\":-5,\"f\":1.5}";
	EXPECT_BOTH(health, js, FN_OK, "");
	EXPECT_BOTH(session_reply,
	            "{\"token\":\"t\",\"v2\":\"x\",\"expires_at\":1,\"user\":{\"username\":\"u\","
	            "\"role\":\"officer\",\"shoe_size\":9}}",
	            FN_OK, "");
	struct sc_arena *a = sc_arena_new(0);
	struct sc_health h;
	CHECK_EQ_INT(sc_decode(&sc_rec_health, SC_JSON, js, strlen(js), NULL, a, &h, NULL), FN_OK);
	CHECK(sc_str_eq(h.status, "ok") && sc_str_eq(h.version, "1.2"));
	CHECK_EQ_INT(h.has, 3);
	sc_arena_free(a);
	return 0;
}

/* A session_request with a username of n bytes and a device id. */
static int session_with(size_t n, const char *device, int status, const char *field)
{
	char js[512];
	char name[300];
	memset(name, 'u', n);
	name[n] = 0;
	snprintf(js, sizeof js, "{\"username\":\"%s\",\"password\":\"pw\",\"device_id\":\"%s\"}",
	         name, device);
	return expect_both(&sc_rec_session_request, js, status, field, __LINE__);
}

static int teams_with(size_t count, size_t len1, int status, const char *field)
{
	struct sc_buf b = { 0 };
	const char *head = "{\"token\":\"t\",\"expires_at\":1,\"user\":{\"username\":\"u\","
	                   "\"role\":\"officer\",\"teams\":[";
	sc_buf_append(&b, head, strlen(head));
	for (size_t i = 0; i < count; i++) {
		sc_buf_append(&b, i ? ",\"" : "\"", i ? 2 : 1);
		for (size_t k = 0; k < (i == 1 ? len1 : 3); k++)
			sc_buf_append(&b, "t", 1);
		sc_buf_append(&b, "\"", 1);
	}
	sc_buf_append(&b, "]}}", 4); /* with the NUL */
	int rc = expect_both(&sc_rec_session_reply, b.p, status, field, __LINE__);
	sc_buf_free(&b);
	return rc;
}

static int test_caps_and_charsets(void)
{
	CHECK(session_with(64, "d", FN_OK, "") == 0);
	CHECK(session_with(65, "d", FN_VALIDATION_FAILED, "username") == 0);
	CHECK(session_with(0, "d", FN_VALIDATION_FAILED, "username") == 0); /* SC_NONEMPTY */
	CHECK(session_with(1, "", FN_VALIDATION_FAILED, "device_id") == 0); /* SC_ID: non-empty */
	CHECK(session_with(1, "a b", FN_VALIDATION_FAILED, "device_id") == 0);
	CHECK(session_with(1, "d/1", FN_VALIDATION_FAILED, "device_id") == 0);
	CHECK(session_with(1, "Az09._:-", FN_OK, "") == 0);
	char dev[130];
	memset(dev, 'd', 129);
	dev[128] = 0;
	CHECK(session_with(1, dev, FN_OK, "") == 0);
	dev[128] = 'd', dev[129] = 0;
	CHECK(session_with(1, dev, FN_VALIDATION_FAILED, "device_id") == 0);
	EXPECT_BOTH(session_request, "{\"username\":\"u\",\"password\":\"\",\"device_id\":\"d\"}",
	            FN_VALIDATION_FAILED, "password");

	CHECK(teams_with(16, 3, FN_OK, "") == 0);
	CHECK(teams_with(17, 3, FN_VALIDATION_FAILED, "user.teams") == 0);
	CHECK(teams_with(2, SC_STRS_ITEM_CAP, FN_OK, "") == 0);
	CHECK(teams_with(2, SC_STRS_ITEM_CAP + 1, FN_VALIDATION_FAILED, "user.teams[1]") == 0);
	EXPECT_BOTH(session_reply,
	            "{\"token\":\"t\",\"expires_at\":1,\"user\":{\"username\":\"u\","
	            "\"role\":\"officer\",\"teams\":[\"a\",false]}}",
	            FN_VALIDATION_FAILED, "user.teams[1]");
	EXPECT_BOTH(change_page,
	            "{\"changes\":[{\"id\":\"a\",\"version\":1,\"seq\":1},{\"id\":\"b\",\"version\":1,"
	            "\"seq\":2,\"doc\":{\"id\":\"b\",\"version\":1,\"title\":\"T\",\"updated\":1,"
	            "\"seq\":2,\"body\":\"\",\"tags\":[\"x\",\"y\",\"\\u00e9\",3]}}],\"next\":1,"
	            "\"more\":false}",
	            FN_VALIDATION_FAILED, "changes[1].doc.tags[3]");

	/* a string longer than max_str is refused before the field sees it */
	struct sc_limits lim = { .max_str = 8 };
	const char *js = "{\"status\":\"123456789\",\"version\":\"1\"}";
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_JSON, js, strlen(js), &lim, NULL), FN_LIMIT_EXCEEDED);
	js = "{\"status\":\"\\u00e9\\u00e9\\u00e9\\u00e9x\",\"version\":\"1\"}"; /* 9 bytes decoded */
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_JSON, js, strlen(js), &lim, NULL), FN_LIMIT_EXCEEDED);
	js = "{\"status\":\"\\u00e9\\u00e9\\u00e9\\u00e9\",\"version\":\"1\"}"; /* 8: fine */
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_JSON, js, strlen(js), &lim, NULL), FN_OK);
	static const char mp9[] = "\x82\xa6status\xa9" "123456789\xa7version\xa1" "1";
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_MSGPACK, mp9, sizeof mp9 - 1, &lim, NULL),
	             FN_LIMIT_EXCEEDED);
	return 0;
}

static int test_body_limit_and_ints(void)
{
	struct sc_limits lim = { .max_body = 16 };
	const char *js = "{\"status\":\"ok\",\"version\":\"1\"}";
	struct sc_error err;
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_JSON, js, strlen(js), &lim, &err),
	             FN_PAYLOAD_TOO_LARGE);
	CHECK_EQ_INT(err.status, FN_PAYLOAD_TOO_LARGE);
	lim.max_body = strlen(js);
	CHECK_EQ_INT(decode_raw(&sc_rec_health, SC_JSON, js, strlen(js), &lim, NULL), FN_OK);

	/* uint64 above INT64_MAX does not fit an INT field */
	static const char big[] = "\x84\xa4" "code\xcf\x80\x00\x00\x00\x00\x00\x00\x00"
	                          "\xa4name\xa1n\xa7message\xa1m\xa5" "field\xa1" "f";
	CHECK_EQ_INT(decode_raw(&sc_rec_error_reply, SC_MSGPACK, big, sizeof big - 1, NULL, &err),
	             FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "code") == 0);
	CHECK_EQ_INT(JS(error_reply, "{\"code\":99999999999999999999,\"name\":\"n\",\"message\":\"m\"}"),
	             FN_MALFORMED_BODY);
	CHECK_EQ_INT(JS(error_reply, "{\"code\":1e2,\"name\":\"n\",\"message\":\"m\"}"),
	             FN_VALIDATION_FAILED);

	/* the extremes survive both codecs */
	const int64_t vals[] = { INT64_MIN, -129, -33, -1, 0, 127, 128, 65536, INT64_MAX };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		for (int fmt = SC_MSGPACK; fmt <= SC_JSON; fmt++) {
			struct sc_error_reply r = { 0 }, back;
			r.code = vals[i];
			r.name = SC_STR_LIT("n");
			r.message = SC_STR_LIT("m");
			r.has = 7;
			struct sc_buf b = { 0 };
			CHECK(sc_encode(&sc_rec_error_reply, fmt, &r, &b) == FN_OK);
			struct sc_arena *a = sc_arena_new(0);
			CHECK_EQ_INT(sc_decode(&sc_rec_error_reply, fmt, b.p, b.n, NULL, a, &back, NULL), FN_OK);
			CHECK(back.code == vals[i] && back.has == 7);
			sc_arena_free(a);
			sc_buf_free(&b);
		}
	}
	return 0;
}

static int test_validate(void)
{
	struct sc_guidance_doc d;
	struct sc_error err;
	fill_s136(&d);
	CHECK_EQ_INT(sc_validate(&sc_rec_guidance_doc, &d, &err), FN_OK);
	CHECK_EQ_INT(sc_validate(&sc_rec_guidance_doc, &d, NULL), FN_OK);
	SC_CLEAR(guidance_doc, &d, title);
	CHECK_EQ_INT(sc_validate(&sc_rec_guidance_doc, &d, &err), FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "title") == 0 && strstr(err.message, "missing"));
	SC_SET(guidance_doc, &d, title);
	d.id = SC_STR_LIT("s 136");
	CHECK_EQ_INT(sc_validate(&sc_rec_guidance_doc, &d, &err), FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "id") == 0);
	d.id = SC_STR_LIT("s136");
	d.reviewed = SC_STR_LIT("2025-01-15Z"); /* 11 > cap 10 */
	CHECK_EQ_INT(sc_validate(&sc_rec_guidance_doc, &d, &err), FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "reviewed") == 0);

	struct sc_session_reply r = { 0 };
	struct sc_user_summary u = user_okafor();
	r.token = SC_STR_LIT("t");
	r.has = ~0ull >> (64 - SC_NF_session_reply);
	CHECK_EQ_INT(sc_validate(&sc_rec_session_reply, &r, &err), FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "user") == 0); /* present but NULL */
	r.user = &u;
	CHECK_EQ_INT(sc_validate(&sc_rec_session_reply, &r, &err), FN_OK);
	struct sc_str teams[] = { SC_STR_INIT("a"), SC_STR_INIT("b\xc3\x28") };
	u.teams = (struct sc_strs){ teams, 2 };
	CHECK_EQ_INT(sc_validate(&sc_rec_session_reply, &r, &err), FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "user.teams[1]") == 0);
	u.teams.n = 1;
	u.role = SC_STR_LIT("chief");
	CHECK_EQ_INT(sc_validate(&sc_rec_session_reply, &r, &err), FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "user.role") == 0);
	return 0;
}

static int test_encode_errors(void)
{
	struct sc_session_reply r = { 0 };
	r.token = SC_STR_LIT("t");
	r.has = ~0ull >> (64 - SC_NF_session_reply); /* user present, pointer NULL */
	struct sc_buf b = { 0 };
	sc_buf_append(&b, "keep", 4);
	CHECK_EQ_INT(sc_encode(&sc_rec_session_reply, SC_MSGPACK, &r, &b), FN_BAD_ARGUMENT);
	CHECK_EQ_INT(sc_encode(&sc_rec_session_reply, SC_JSON, &r, &b), FN_BAD_ARGUMENT);
	CHECK(b.n == 4 && memcmp(b.p, "keep", 4) == 0); /* nothing half-written left */
	struct sc_health h = { 0 };
	h.status = SC_STR_LIT("\xc3\x28");
	h.version = SC_STR_LIT("1");
	h.has = 3;
	CHECK_EQ_INT(sc_encode(&sc_rec_health, SC_JSON, &h, &b), FN_BAD_ARGUMENT);
	CHECK_EQ_INT(b.n, 4);
	CHECK_EQ_INT(sc_encode(&sc_rec_health, SC_MSGPACK, &h, &b), FN_OK); /* bytes are bytes */
	CHECK(b.n > 4);
	/* only present fields, in table order, whatever the bits above nfields say */
	h.has = 2 | (1ull << 40);
	b.n = 0;
	CHECK_EQ_INT(sc_encode(&sc_rec_health, SC_JSON, &h, &b), FN_OK);
	CHECK(b.n == 15 && memcmp(b.p, "{\"version\":\"1\"}", 15) == 0);
	sc_buf_free(&b);
	return 0;
}

static int test_tables(void)
{
	CHECK_EQ_INT(SC_NF_guidance_doc, 9);
	CHECK_EQ_INT(sc_rec_guidance_doc.nfields, 9);
	CHECK_EQ_INT(sc_rec_guidance_doc.size, sizeof(struct sc_guidance_doc));
	CHECK(strcmp(sc_rec_guidance_doc.fields[SC_F_guidance_doc_body].name, "body") == 0);
	CHECK_EQ_INT(sc_rec_guidance_doc.fields[SC_F_guidance_doc_body].offset,
	             offsetof(struct sc_guidance_doc, body));
	CHECK_EQ_INT(sc_rec_guidance_doc.fields[SC_F_guidance_doc_body].cap, 262144);
	CHECK(sc_rec_change_page.fields[SC_F_change_page_changes].sub == &sc_rec_guidance_change);
	CHECK(sc_rec_user_summary.fields[SC_F_user_summary_role].enum_values == sc_enum_role);
	CHECK_EQ_INT(sc_rec_user_summary.fields[SC_F_user_summary_username].flags, SC_REQ | SC_ID);
	/* every table agrees with its struct */
#define R(rec)                                                                   \
	CHECK_EQ_INT(sc_rec_##rec.nfields, SC_NF_##rec);                           \
	CHECK_EQ_INT(sc_rec_##rec.size, sizeof(struct sc_##rec));                  \
	CHECK(strcmp(sc_rec_##rec.name, #rec) == 0);                               \
	for (size_t i = 0; i < sc_rec_##rec.nfields; i++) {                         \
		const struct sc_field *f = &sc_rec_##rec.fields[i];                \
		CHECK(f->offset >= sizeof(uint64_t) && f->offset < sizeof(struct sc_##rec)); \
		CHECK(sc_record_field(&sc_rec_##rec, f->name, strlen(f->name)) == f); \
		CHECK((f->type == SC_OBJ || f->type == SC_OBJS) == (f->sub != NULL)); \
		CHECK((f->type == SC_ENUM) == (f->enum_values != NULL));            \
	}
	SC_RECORDS(R)
#undef R
	struct sc_guidance_doc d = { 0 };
	SC_SET(guidance_doc, &d, body);
	CHECK(SC_HAS(guidance_doc, &d, body) && !SC_HAS(guidance_doc, &d, id));
	CHECK_EQ_INT(d.has, 1ull << 8);
	SC_CLEAR(guidance_doc, &d, body);
	CHECK_EQ_INT(d.has, 0);
	CHECK(sc_str_eq(SC_STR_LIT("ab"), "ab") && !sc_str_eq(SC_STR_LIT("ab"), "abc"));
	/* bad arguments are answered, not crashed on */
	struct sc_error err;
	CHECK_EQ_INT(sc_decode(&sc_rec_health, SC_MSGPACK, NULL, 0, NULL, NULL, &d, &err),
	             FN_BAD_ARGUMENT);
	struct sc_arena *a = sc_arena_new(0);
	CHECK_EQ_INT(sc_decode(&sc_rec_health, (enum sc_format)7, "{}", 2, NULL, a, &d, NULL),
	             FN_BAD_ARGUMENT);
	sc_arena_free(a);
	return 0;
}

/* The server's stored records go through the same machinery. */
static int test_stored_records(void)
{
	static struct sc_str teams[] = { SC_STR_INIT("north-mash") };
	struct sc_user_record u = { 0 }, back;
	u.username = SC_STR_LIT("pc.jones");
	u.role = SC_STR_LIT("officer");
	u.teams = (struct sc_strs){ teams, 1 };
	u.password_changed = 1700000000;
	SC_SET(user_record, &u, username);
	SC_SET(user_record, &u, role);
	SC_SET(user_record, &u, teams);
	SC_SET(user_record, &u, password_changed);
	struct sc_error err;
	CHECK_EQ_INT(sc_validate(&sc_rec_user_record, &u, &err), FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "password_hash") == 0);
	u.password_hash = SC_STR_LIT("$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA");
	SC_SET(user_record, &u, password_hash);
	CHECK_EQ_INT(sc_validate(&sc_rec_user_record, &u, &err), FN_OK);
	struct sc_buf b = { 0 };
	CHECK_EQ_INT(sc_encode(&sc_rec_user_record, SC_MSGPACK, &u, &b), FN_OK);
	struct sc_arena *a = sc_arena_new(0);
	CHECK_EQ_INT(sc_decode(&sc_rec_user_record, SC_MSGPACK, b.p, b.n, NULL, a, &back, NULL), FN_OK);
	CHECK(back.has == u.has && sc_str_eq(back.password_hash, u.password_hash.p));
	CHECK(!SC_HAS(user_record, &back, disabled) && back.password_changed == 1700000000);
	sc_arena_free(a);
	sc_buf_free(&b);
	return 0;
}

/* Mutated vectors (flipped, inserted, deleted bytes; fixed seed) must come
 * back with an error or a record that re-encodes: never a crash (run this
 * under ASan/UBSan). */
static int test_mutations(void)
{
	static const char *const files[] = { "change_page.msgpack", "session_reply.msgpack",
		                             "change_page.json", "guidance_list.json" };
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (size_t fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
		char path[128];
		size_t n;
		snprintf(path, sizeof path, VECTOR_DIR "%s", files[fi]);
		char *orig = read_file(path, &n);
		CHECK(orig);
		int fmt = strstr(files[fi], ".json") ? SC_JSON : SC_MSGPACK;
		const struct sc_record *rec = strstr(files[fi], "change_page") ? &sc_rec_change_page
		                              : strstr(files[fi], "session") ? &sc_rec_session_reply
		                                                             : &sc_rec_guidance_list;
		char *m = malloc(n + 4);
		CHECK(m);
		struct sc_arena *a = sc_arena_new(0);
		const char *env = getenv("FN_SCHEMA_MUTATIONS"); /* more for a longer soak */
		int iterations = env ? atoi(env) : 3000;
		for (int it = 0; it < iterations; it++) {
			memcpy(m, orig, n);
			size_t mn = n;
			for (int k = 0; k < 1 + it % 3; k++) {
				seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
				size_t at = (size_t)(seed >> 8) % mn;
				switch (seed % 4) {
				case 0: m[at] = (char)(seed >> 40); break;
				case 1: m[at] ^= (char)(1u << (seed >> 32) % 8); break;
				case 2: memmove(m + at, m + at + 1, mn - at - 1), mn--; break;
				case 3: memmove(m + at + 1, m + at, mn - at), m[at] = (char)(seed >> 48), mn++; break;
				}
				if (mn > n + 1 || mn < 2)
					break;
			}
			void *out = sc_arena_alloc(a, rec->size);
			struct sc_error err;
			int rc = sc_decode(rec, fmt, m, mn, NULL, a, out, &err);
			CHECK(rc == FN_OK || rc == FN_MALFORMED_BODY || rc == FN_LIMIT_EXCEEDED ||
			      rc == FN_VALIDATION_FAILED);
			CHECK(err.status == rc && memchr(err.field, 0, sizeof err.field));
			if (rc == FN_OK) {
				struct sc_buf b = { 0 };
				CHECK_EQ_INT(sc_validate(rec, out, NULL), FN_OK);
				CHECK_EQ_INT(sc_encode(rec, SC_MSGPACK, out, &b), FN_OK);
				void *again = sc_arena_alloc(a, rec->size);
				CHECK_EQ_INT(sc_decode(rec, SC_MSGPACK, b.p, b.n, NULL, a, again, NULL), FN_OK);
				sc_buf_free(&b);
			}
			sc_arena_reset(a);
		}
		sc_arena_free(a);
		free(m);
		free(orig);
	}
	return 0;
}

const struct unit_case schema_cases[] = {
	{ "schema_status_codes", test_status },
	{ "schema_arena", test_arena },
	{ "schema_buf", test_buf },
#define V(name) { "schema_vector_" #name, test_vector_##name },
	VECTORS(V)
#undef V
	{ "schema_vector_content", test_vector_content },
	{ "schema_length_bombs", test_length_bombs },
	{ "schema_mpscan", test_mpscan },
	{ "schema_map16_counts", test_map16_counts },
	{ "schema_deep_nesting", test_deep_nesting },
	{ "schema_truncated_and_trailing", test_truncated_and_trailing },
	{ "schema_wrong_types", test_wrong_types },
	{ "schema_missing_and_null", test_missing_and_null },
	{ "schema_enum", test_enum },
	{ "schema_utf8_and_nul", test_utf8_and_nul },
	{ "schema_duplicates_and_top_level", test_duplicates_and_top_level },
	{ "schema_unknown_keys", test_unknown_keys },
	{ "schema_caps_and_charsets", test_caps_and_charsets },
	{ "schema_body_limit_and_ints", test_body_limit_and_ints },
	{ "schema_validate", test_validate },
	{ "schema_encode_errors", test_encode_errors },
	{ "schema_tables", test_tables },
	{ "schema_stored_records", test_stored_records },
	{ "schema_mutations", test_mutations },
	{ NULL, NULL },
};
