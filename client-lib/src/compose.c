/* compose.c - the app's note JSON completed with the library's fields, then validated and encoded once. */
#include "compose.h"

#include <stdio.h>
#include <string.h>

#include "client.h"
#include "crypto.h"
#include "records.h"
#include "session.h"

/*
 * Why a scanner rather than a JSON library: the note is parsed once, by
 * the schema's decoder, which validates it. Before that the library only
 * needs to know the top-level keys (to drop those it sets itself and to
 * fill author, team, agency and occurred_at only when absent) and where
 * each member's text lies, so that it can splice its own members in. A
 * parse, edit and re-serialisation here would triple the cost of a save.
 * The scanner is permissive; whatever it lets through, the decoder judges
 * strictly (a key spelt with escapes to dodge the drop list becomes a
 * duplicate key, which the decoder refuses).
 */

#define MAX_MEMBERS 128

struct member {
	const char *key; /* the key's text between the quotes, escapes as written */
	size_t kn;
	const char *start, *end; /* the whole member: "key": value */
};

static const char *ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Past a string whose opening quote is at p; NULL if unterminated. */
static const char *skip_string(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Past one value of any kind, nesting counted without recursion. */
static const char *skip_value(const char *p, const char *e)
{
	size_t depth = 0;
	do {
		p = ws(p, e);
		if (p >= e)
			return NULL;
		if (*p == '"') {
			if (!(p = skip_string(p, e)))
				return NULL;
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			if (depth == 0)
				return NULL;
			depth--;
			p++;
		} else if (*p == ',' || *p == ':') {
			if (depth == 0)
				return NULL;
			p++;
		} else {
			const char *s = p;
			while (p < e && strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.", *p))
				p++;
			if (p == s)
				return NULL;
		}
	} while (depth);
	return p;
}

/* The top-level members of an object. FN_OK, FN_MALFORMED_BODY or
 * FN_LIMIT_EXCEEDED. */
static int scan(const char *p, size_t n, struct member *m, size_t *count)
{
	const char *e = p + n;
	*count = 0;
	p = ws(p, e);
	if (p >= e || *p != '{')
		return FN_MALFORMED_BODY;
	p = ws(p + 1, e);
	if (p < e && *p == '}')
		return ws(p + 1, e) == e ? FN_OK : FN_MALFORMED_BODY;
	for (;;) {
		if (p >= e || *p != '"')
			return FN_MALFORMED_BODY;
		if (*count == MAX_MEMBERS)
			return FN_LIMIT_EXCEEDED;
		struct member *mm = &m[(*count)++];
		const char *k = p;
		if (!(p = skip_string(p, e)))
			return FN_MALFORMED_BODY;
		mm->start = k;
		mm->key = k + 1;
		mm->kn = (size_t)(p - k - 2);
		p = ws(p, e);
		if (p >= e || *p != ':')
			return FN_MALFORMED_BODY;
		if (!(p = skip_value(p + 1, e)))
			return FN_MALFORMED_BODY;
		mm->end = p;
		p = ws(p, e);
		if (p < e && *p == ',') {
			p = ws(p + 1, e);
			continue;
		}
		if (p < e && *p == '}')
			return ws(p + 1, e) == e ? FN_OK : FN_MALFORMED_BODY;
		return FN_MALFORMED_BODY;
	}
}

static int has_key(const struct member *m, size_t n, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < n; i++)
		if (m[i].kn == kl && memcmp(m[i].key, key, kl) == 0)
			return 1;
	return 0;
}

/* Appends ,"key": and the value as a JSON string. */
static void put_str(struct sc_buf *b, const char *key, const char *v, size_t n)
{
	char esc[8];
	sc_buf_append(b, ",\"", 2);
	sc_buf_append(b, key, strlen(key));
	sc_buf_append(b, "\":\"", 3);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			sc_buf_append(b, esc, 2);
		} else if (ch < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", ch);
			sc_buf_append(b, esc, 6);
		} else {
			sc_buf_append(b, v + i, 1);
		}
	}
	sc_buf_append(b, "\"", 1);
}

static void put_int(struct sc_buf *b, const char *key, int64_t v)
{
	char t[96];
	int n = snprintf(t, sizeof t, ",\"%s\":%lld", key, (long long)v);
	sc_buf_append(b, t, (size_t)n);
}

int fni_note_compose(fn_client *c, const char *json, const char *id, int64_t rev, int64_t replaces,
                     const char *seen, struct sc_arena *a, struct sc_buf *mp)
{
	static const char *const ours[] = {"id", "revision", "replaces", "created_at", "device_id"};
	struct member m[MAX_MEMBERS];
	struct sc_user_summary u;
	struct sc_buf b = {0};
	struct sc_note note;
	struct sc_error err;
	size_t n;
	int rc;

	if ((rc = scan(json, strlen(json), m, &n)) != FN_OK)
		return fni_fail(c, rc, rc == FN_LIMIT_EXCEEDED ? "the note has more than %d fields"
		                                               : "the note is not a JSON object", MAX_MEMBERS);
	rc = fni_user_cached(c, a, &u);
	int have_user = rc == FN_OK;
	if (rc != FN_OK && rc != FN_NOT_FOUND)
		return fni_fail_store(c, rc);

	int64_t now = fni_now(c);
	sc_buf_append(&b, "{\"id\":\"", 7);
	sc_buf_append(&b, id, strlen(id));
	sc_buf_append(&b, "\"", 1);
	put_int(&b, "revision", rev);
	if (replaces > 0)
		put_int(&b, "replaces", replaces);
	put_int(&b, "created_at", now);
	put_str(&b, "device_id", c->device_id, strlen(c->device_id));
	for (size_t i = 0; i < n; i++) {
		int skip = 0;
		for (size_t k = 0; k < sizeof ours / sizeof ours[0] && !skip; k++)
			skip = m[i].kn == strlen(ours[k]) && memcmp(m[i].key, ours[k], m[i].kn) == 0;
		if (skip)
			continue;
		sc_buf_append(&b, ",", 1);
		sc_buf_append(&b, m[i].start, (size_t)(m[i].end - m[i].start));
	}
	if (!has_key(m, n, "occurred_at"))
		put_int(&b, "occurred_at", now);
	if (have_user) {
		if (!has_key(m, n, "author"))
			put_str(&b, "author", u.username.p, u.username.n);
		if (!has_key(m, n, "team") && u.teams.n)
			put_str(&b, "team", u.teams.v[0].p, u.teams.v[0].n);
		if (!has_key(m, n, "agency") && SC_HAS(user_summary, &u, agency))
			put_str(&b, "agency", u.agency.p, u.agency.n);
	}
	if (seen && !has_key(m, n, "guidance_seen")) {
		sc_buf_append(&b, ",\"guidance_seen\":", 17);
		sc_buf_append(&b, seen, strlen(seen));
	}
	sc_buf_append(&b, "}", 1);
	if (b.oom) {
		sc_buf_free(&b);
		return fni_fail(c, FN_NO_MEMORY, "out of memory");
	}
	rc = sc_decode(&sc_rec_note, SC_JSON, b.p, b.n, NULL, a, &note, &err);
	fni_cr_wipe(b.p, b.n);
	sc_buf_free(&b);
	if (rc == FN_NO_MEMORY)
		return fni_fail(c, rc, "out of memory");
	if (rc == FN_MALFORMED_BODY || rc == FN_LIMIT_EXCEEDED || rc == FN_PAYLOAD_TOO_LARGE)
		return fni_fail(c, rc, "the note is not valid JSON: %s", err.message);
	if (rc != FN_OK) {
		const char *hint = !have_user && (!strcmp(err.field, "author") || !strcmp(err.field, "team"))
		                           ? " (sign in once, or set author and team in the note)"
		                           : "";
		return fni_fail(c, FN_VALIDATION_FAILED, "%s: %s%s", err.field, err.message, hint);
	}
	if ((rc = sc_encode(&sc_rec_note, SC_MSGPACK, &note, mp)) != FN_OK)
		return fni_fail(c, rc, "cannot encode the note");
	return FN_OK;
}
