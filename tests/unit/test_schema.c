/* test_schema.c - unit tests of schema/ on well-formed records: status codes, arena, buffer, tables, validate, encode (the golden vectors are in test_schema_vectors.c). */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "stored.h"
#include "test_schema_util.h"
#include "unit.h"

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
		"HEADERS_TOO_LARGE", "QUOTA_EXCEEDED",
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
	const int outside[] = { -1, 31, 1000, INT_MAX, INT_MIN };
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


static int test_validate(void)
{
	struct sc_guidance_doc d;
	struct sc_error err;
	tu_fill_s136(&d);
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
	struct sc_user_summary u = tu_user_okafor();
	r.token = SC_STR_LIT("t");
	SC_SET_ALL(session_reply, &r);
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
	SC_SET_ALL(session_reply, &r); /* user present, pointer NULL */
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
	SC_STORED_RECORDS(R)
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

const struct unit_case schema_cases[] = {
	{ "schema_status_codes", test_status },
	{ "schema_arena", test_arena },
	{ "schema_buf", test_buf },
	{ "schema_validate", test_validate },
	{ "schema_encode_errors", test_encode_errors },
	{ "schema_tables", test_tables },
	{ "schema_stored_records", test_stored_records },
	{ NULL, NULL },
};
