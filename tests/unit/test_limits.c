/* test_limits.c - unit tests of decoding untrusted input: size and structure limits, bombs, truncation, validation errors, mutations. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codec.h" /* sc_utf8_check, sc_mp_scan */
#include "records.h"
#include "test_schema_util.h"
#include "unit.h"

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
		int rc = tu_decode_raw(&sc_rec_error_reply, SC_MSGPACK, bombs[i].bytes, bombs[i].n,
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
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_error_reply, SC_MSGPACK, five, sizeof five - 1, &lim, NULL),
	             FN_LIMIT_EXCEEDED);
	const char *js5 = "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}";
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_error_reply, SC_JSON, js5, strlen(js5), &lim, NULL),
	             FN_LIMIT_EXCEEDED);
	lim.max_count = 5; /* at the limit: fine structurally, then fields are missing */
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_error_reply, SC_MSGPACK, five, sizeof five - 1, &lim, NULL),
	             FN_VALIDATION_FAILED);
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_error_reply, SC_JSON, js5, strlen(js5), &lim, NULL),
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
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_MSGPACK, p, DEEP + 1, NULL, NULL),
	             FN_LIMIT_EXCEEDED);
	memcpy(p, "\x81\xa1" "a", 3);
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_MSGPACK, p, DEEP + 1, NULL, NULL),
	             FN_LIMIT_EXCEEDED);
	/* JSON: bare, and a balanced document */
	memset(p, '[', DEEP);
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_JSON, p, DEEP, NULL, NULL), FN_LIMIT_EXCEEDED);
	memcpy(p, "{\"a\":", 5);
	memset(p + 5, '[', DEEP);
	memset(p + 5 + DEEP, ']', DEEP);
	p[5 + 2 * DEEP] = '}';
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_JSON, p, 6 + 2 * DEEP, NULL, NULL),
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
		char *p = tu_read_file(path, &n);
		snprintf(path, sizeof path, VECTOR_DIR "%s.json", names[v]);
		char *j = tu_read_file(path, &jn);
		CHECK(p && j);
		for (size_t k = 0; k < n; k++)
			CHECK_EQ_INT(tu_decode_raw(recs[v], SC_MSGPACK, p, k, NULL, NULL), FN_MALFORMED_BODY);
		for (size_t k = 0; k + 1 < jn; k++) /* jn - 1: the content without its newline */
			CHECK_EQ_INT(tu_decode_raw(recs[v], SC_JSON, j, k, NULL, NULL), FN_MALFORMED_BODY);
		CHECK_EQ_INT(tu_decode_raw(recs[v], SC_JSON, j, jn - 1, NULL, NULL), FN_OK);

		char *q = malloc(n + 8);
		CHECK(q);
		memcpy(q, p, n);
		q[n] = (char)0xc0;
		CHECK_EQ_INT(tu_decode_raw(recs[v], SC_MSGPACK, q, n + 1, NULL, NULL), FN_MALFORMED_BODY);
		q[n] = 0;
		CHECK_EQ_INT(tu_decode_raw(recs[v], SC_MSGPACK, q, n + 1, NULL, NULL), FN_MALFORMED_BODY);
		memcpy(q + n, p, 1);
		CHECK_EQ_INT(tu_decode_raw(recs[v], SC_MSGPACK, q, n + 1, NULL, NULL), FN_MALFORMED_BODY);
		free(q);
		q = malloc(jn + 8);
		CHECK(q);
		memcpy(q, j, jn);
		memcpy(q + jn, " x", 2);
		CHECK_EQ_INT(tu_decode_raw(recs[v], SC_JSON, q, jn + 2, NULL, NULL), FN_MALFORMED_BODY);
		memcpy(q + jn, "{}", 2);
		CHECK_EQ_INT(tu_decode_raw(recs[v], SC_JSON, q, jn + 2, NULL, NULL), FN_MALFORMED_BODY);
		memcpy(q + jn, " \t", 2); /* whitespace is not garbage */
		CHECK_EQ_INT(tu_decode_raw(recs[v], SC_JSON, q, jn + 2, NULL, NULL), FN_OK);
		free(q);
		free(p);
		free(j);
	}
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_MSGPACK, "", 0, NULL, NULL), FN_MALFORMED_BODY);
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_JSON, "", 0, NULL, NULL), FN_MALFORMED_BODY);
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
	CHECK_EQ_INT(SC_NE_role, 5);
	CHECK(sc_enum_role[SC_NE_role] == NULL);
	CHECK(strcmp(sc_enum_role[SC_E_role_admin], "admin") == 0);
	CHECK_EQ_INT(sc_enum_index(sc_enum_role, SC_STR_LIT("officer")), SC_E_role_officer);
	CHECK_EQ_INT(sc_enum_index(sc_enum_role, SC_STR_LIT("office")), -1);
	struct sc_error err;
	const char *js = "{\"username\":\"u\",\"role\":\"x\"}";
	tu_decode_raw(&sc_rec_user_summary, SC_JSON, js, strlen(js), NULL, &err);
	CHECK(strstr(err.message, "officer, worker, supervisor, admin") != NULL);
	return 0;
}

static int test_utf8_and_nul(void)
{
	/* {"status": <bytes>, "version": "1"} in msgpack */
#define HEALTH_MP(s) "\x82\xa6status" s "\xa7version\xa1" "1"
	struct sc_error err;
	static const char bad[] = HEALTH_MP("\xa2\xc3\x28");
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_MSGPACK, bad, sizeof bad - 1, NULL, &err),
	             FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "status") == 0 && strstr(err.message, "UTF-8"));
	static const char nul[] = HEALTH_MP("\xa3o\x00k");
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_MSGPACK, nul, sizeof nul - 1, NULL, &err),
	             FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "status") == 0 && strstr(err.message, "NUL"));
	CHECK_EQ_INT(MP(health, HEALTH_MP("\xa2\xc3\xa9")), FN_OK);
	CHECK_EQ_INT(MP(health, HEALTH_MP("\xa2\xc0\x80")), FN_VALIDATION_FAILED);     /* overlong */
	CHECK_EQ_INT(MP(health, HEALTH_MP("\xa3\xed\xa0\x80")), FN_VALIDATION_FAILED); /* surrogate */
	/* JSON: the parser refuses \u0000, raw NUL and bad UTF-8 outright */
	CHECK_EQ_INT(JS(health, "{\"status\":\"o\\u0000k\",\"version\":\"1\"}"), FN_MALFORMED_BODY);
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_JSON, "{\"status\":\"o\0k\",\"version\":\"1\"}", 30,
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
		/* past the eight-byte ASCII stride (issue 12): each kind of
		 * byte in and after the first and second stride */
		{ "0123456789abcdefXYZ", 19, 0 }, { "01234567\0abcdef", 16, 2 },
		{ "0123456789abcde\0", 16, 2 }, { "01234567\xc3\xa9" "abcdefgh", 18, 0 },
		{ "0123456789abcdef\x80", 17, 1 }, { "012345678\xc3", 10, 1 },
		{ "0123456\xe2\x80\x94" "abcdefgh", 18, 0 }, { "0123456789abcdef\xff" "12345678", 25, 1 },
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
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_MSGPACK, nulkey, sizeof nulkey - 1, NULL, &err),
	             FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "version") == 0);
	static const char dup[] = "\x83\xa6status\xa2ok\xa7version\xa1" "1\xa6status\xa2no";
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_MSGPACK, dup, sizeof dup - 1, NULL, &err),
	             FN_MALFORMED_BODY);
	CHECK(strcmp(err.field, "status") == 0);

	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_MSGPACK, "\x91\x80", 2, NULL, &err),
	             FN_MALFORMED_BODY);
	CHECK(strstr(err.message, "not a map") != NULL);
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_JSON, "[{}]", 4, NULL, &err), FN_MALFORMED_BODY);
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
	return tu_expect_both(&sc_rec_session_request, js, status, field, __LINE__);
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
	int rc = tu_expect_both(&sc_rec_session_reply, b.p, status, field, __LINE__);
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
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_JSON, js, strlen(js), &lim, NULL), FN_LIMIT_EXCEEDED);
	js = "{\"status\":\"\\u00e9\\u00e9\\u00e9\\u00e9x\",\"version\":\"1\"}"; /* 9 bytes decoded */
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_JSON, js, strlen(js), &lim, NULL), FN_LIMIT_EXCEEDED);
	js = "{\"status\":\"\\u00e9\\u00e9\\u00e9\\u00e9\",\"version\":\"1\"}"; /* 8: fine */
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_JSON, js, strlen(js), &lim, NULL), FN_OK);
	static const char mp9[] = "\x82\xa6status\xa9" "123456789\xa7version\xa1" "1";
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_MSGPACK, mp9, sizeof mp9 - 1, &lim, NULL),
	             FN_LIMIT_EXCEEDED);
	return 0;
}

static int test_body_limit_and_ints(void)
{
	struct sc_limits lim = { .max_body = 16 };
	const char *js = "{\"status\":\"ok\",\"version\":\"1\"}";
	struct sc_error err;
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_JSON, js, strlen(js), &lim, &err),
	             FN_PAYLOAD_TOO_LARGE);
	CHECK_EQ_INT(err.status, FN_PAYLOAD_TOO_LARGE);
	lim.max_body = strlen(js);
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_health, SC_JSON, js, strlen(js), &lim, NULL), FN_OK);

	/* uint64 above INT64_MAX does not fit an INT field */
	static const char big[] = "\x84\xa4" "code\xcf\x80\x00\x00\x00\x00\x00\x00\x00"
	                          "\xa4name\xa1n\xa7message\xa1m\xa5" "field\xa1" "f";
	CHECK_EQ_INT(tu_decode_raw(&sc_rec_error_reply, SC_MSGPACK, big, sizeof big - 1, NULL, &err),
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
		char *orig = tu_read_file(path, &n);
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

const struct unit_case limits_cases[] = {
	{ "limits_length_bombs", test_length_bombs },
	{ "limits_mpscan", test_mpscan },
	{ "limits_map16_counts", test_map16_counts },
	{ "limits_deep_nesting", test_deep_nesting },
	{ "limits_truncated_and_trailing", test_truncated_and_trailing },
	{ "limits_wrong_types", test_wrong_types },
	{ "limits_missing_and_null", test_missing_and_null },
	{ "limits_enum", test_enum },
	{ "limits_utf8_and_nul", test_utf8_and_nul },
	{ "limits_duplicates_and_top_level", test_duplicates_and_top_level },
	{ "limits_unknown_keys", test_unknown_keys },
	{ "limits_caps_and_charsets", test_caps_and_charsets },
	{ "limits_body_limit_and_ints", test_body_limit_and_ints },
	{ "limits_mutations", test_mutations },
	{ NULL, NULL },
};
