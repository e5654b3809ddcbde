/* guidance.c - guidance import from Markdown, versions, withdrawal (reading:
 * guidance_read.c). */
#include "guidance_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "status.h"

#define MAX_FILE (256 * 1024 + 4096)

int guidance_open(struct guidance **out, struct store *s, struct audit *audit)
{
	struct guidance *g = calloc(1, sizeof *g);
	int rc;

	*out = NULL;
	if (!g)
		return FN_NO_MEMORY;
	g->store = s;
	g->audit = audit;
	if ((rc = store_db_open(s, "guidance.docs", &g->docs)) != FN_OK ||
	    (rc = store_db_open(s, "guidance.json", &g->json)) != FN_OK ||
	    (rc = store_db_open(s, "guidance.ver", &g->ver)) != FN_OK ||
	    (rc = store_db_open(s, "guidance.feed", &g->feed)) != FN_OK ||
	    (rc = store_db_open(s, "guidance.gz", &g->gz)) != FN_OK) {
		free(g);
		return rc;
	}
	*out = g;
	return FN_OK;
}

void guidance_close(struct guidance *g)
{
	free(g);
}

/* --- parsing the Markdown header ---------------------------------------- */

static struct sc_str trim(const char *p, size_t n)
{
	while (n && isspace((unsigned char)*p))
		p++, n--;
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	return (struct sc_str){p, n};
}

/* Splits "a, b, c" into an arena array. */
static int split_list(struct sc_arena *a, struct sc_str v, struct sc_strs *out)
{
	size_t count = 1;
	for (size_t i = 0; i < v.n; i++)
		count += v.p[i] == ',';
	out->v = sc_arena_alloc(a, count * sizeof *out->v);
	if (!out->v)
		return FN_NO_MEMORY;
	out->n = 0;
	const char *p = v.p, *end = v.p + v.n;
	while (p <= end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		if (!c)
			c = end;
		struct sc_str item = trim(p, (size_t)(c - p));
		if (item.n)
			out->v[out->n++] = (struct sc_str){sc_arena_strndup(a, item.p, item.n), item.n};
		p = c + 1;
	}
	return FN_OK;
}

static int parse_doc(const char *text, size_t n, const char *origin,
                     struct sc_arena *a, struct sc_guidance_doc *d, struct sc_error *err)
{
	const char *p = text, *end = text + n;

	memset(d, 0, sizeof *d);
	if (n < 4 || memcmp(p, "---", 3) != 0)
		return sc_error_set(err, FN_VALIDATION_FAILED, NULL, "%s: must start with a '---' header line",
		                    origin);
	p = memchr(p, '\n', (size_t)(end - p));
	for (;;) {
		if (!p || p >= end)
			return sc_error_set(err, FN_VALIDATION_FAILED, NULL, "%s: header has no closing '---' line",
			                    origin);
		p++;
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		struct sc_str line = trim(p, (size_t)(eol - p));
		if (line.n == 3 && memcmp(line.p, "---", 3) == 0) {
			p = eol < end ? eol + 1 : end;
			break;
		}
		const char *colon = memchr(line.p, ':', line.n);
		if (!colon)
			return sc_error_set(err, FN_VALIDATION_FAILED, NULL, "%s: header line '%.*s' is not 'key: value'",
			                    origin, (int)(line.n > 60 ? 60 : line.n), line.p);
		struct sc_str key = trim(line.p, (size_t)(colon - line.p));
		struct sc_str val = trim(colon + 1, (size_t)(line.p + line.n - colon - 1));
		char *copy = sc_arena_strndup(a, val.p, val.n);
		if (!copy)
			return FN_NO_MEMORY;
		struct sc_str v = {copy, val.n};
		int rc = FN_OK;
#define KEY(k) (key.n == sizeof(k) - 1 && memcmp(key.p, k, key.n) == 0)
		if (KEY("id")) {
			d->id = v;
			SC_SET(guidance_doc, d, id);
		} else if (KEY("title")) {
			d->title = v;
			SC_SET(guidance_doc, d, title);
		} else if (KEY("reviewed")) {
			d->reviewed = v;
			SC_SET(guidance_doc, d, reviewed);
		} else if (KEY("tags")) {
			rc = split_list(a, v, &d->tags);
			SC_SET(guidance_doc, d, tags);
		} else if (KEY("audience")) {
			rc = split_list(a, v, &d->audience);
			SC_SET(guidance_doc, d, audience);
		} else {
			return sc_error_set(err, FN_VALIDATION_FAILED, NULL, "%s: unknown header key '%.*s' (expected id, "
			                    "title, tags, audience, reviewed)", origin, (int)(key.n > 40 ? 40 : key.n), key.p);
		}
#undef KEY
		if (rc != FN_OK)
			return rc;
		p = eol;
	}
	while (p < end && (*p == '\n' || *p == '\r'))
		p++;
	d->body = (struct sc_str){p, (size_t)(end - p)};
	SC_SET(guidance_doc, d, body);
	if (!SC_HAS(guidance_doc, d, id) || !SC_HAS(guidance_doc, d, title))
		return sc_error_set(err, FN_VALIDATION_FAILED, NULL, "%s: header needs at least id and title",
		                    origin);
	if (SC_HAS(guidance_doc, d, reviewed)) {
		struct tm tm = {0};
		const char *e = strptime(d->reviewed.p, "%Y-%m-%d", &tm);
		if (!e || *e || d->reviewed.n != 10)
			return sc_error_set(err, FN_VALIDATION_FAILED, "reviewed", "%s: reviewed must be a date YYYY-MM-DD",
			                    origin);
	}
	return FN_OK;
}

/* --- storing ------------------------------------------------------------ */

struct import_job {
	struct guidance *g;
	struct sc_guidance_doc *doc;
	int changed;
	int64_t version;
};

static void ver_pack(unsigned char out[VER_LEN], uint64_t version, uint64_t seq, int withdrawn)
{
	store_u64_key(version, out);
	store_u64_key(seq, out + 8);
	out[16] = (unsigned char)withdrawn;
}

size_t guidance_gz_key(int fmt, const char *id, size_t n, char key[GZ_KEY_MAX])
{
	if (n + 1 > GZ_KEY_MAX)
		return 0;
	key[0] = fmt == SC_MSGPACK ? 'm' : 'j';
	memcpy(key + 1, id, n);
	return n + 1;
}

/* Stores the gzip copy of one encoding of document id, compressed once here
 * at the smallest setting so that every GET can send it as it is. */
static int store_gz(struct store_txn *t, struct guidance *g, int fmt, struct sc_str id, const char *p,
                    size_t n)
{
	char key[GZ_KEY_MAX];
	struct sc_str z;
	size_t kn = guidance_gz_key(fmt, id.p, id.n, key);
	struct sc_arena *a = sc_arena_new(0);
	if (!a)
		return FN_NO_MEMORY;
	int rc = kn ? guidance_gzip(p, n, 9, a, &z) : FN_INTERNAL;
	if (rc == FN_OK)
		rc = store_put(t, g->gz, key, kn, z.p, z.n, 0, NULL);
	sc_arena_free(a);
	return rc;
}

/* A store written before gzip copies existed gets them when its unchanged
 * documents are imported again. */
static int add_missing_gz(struct store_txn *t, struct guidance *g, struct sc_str id, struct sc_str mp)
{
	char key[GZ_KEY_MAX];
	struct sc_str v;
	size_t kn = guidance_gz_key(SC_MSGPACK, id.p, id.n, key);
	int rc = store_get(t, g->gz, key, kn, &v);
	if (rc != FN_NOT_FOUND)
		return rc;
	if ((rc = store_gz(t, g, SC_MSGPACK, id, mp.p, mp.n)) != FN_OK)
		return rc;
	if ((rc = store_get(t, g->json, id.p, id.n, &v)) != FN_OK)
		return rc;
	return store_gz(t, g, SC_JSON, id, v.p, v.n);
}

static int store_doc(struct store_txn *t, struct guidance *g, struct sc_guidance_doc *d,
                     const struct sc_buf *mp)
{
	struct sc_buf js = {0};
	unsigned char seqkey[8], ver[VER_LEN];
	int rc = sc_encode(&sc_rec_guidance_doc, SC_JSON, d, &js);

	store_u64_key((uint64_t)d->seq, seqkey);
	ver_pack(ver, (uint64_t)d->version, (uint64_t)d->seq, 0);
	if (rc == FN_OK)
		rc = store_put(t, g->docs, d->id.p, d->id.n, mp->p, mp->n, 0, NULL);
	if (rc == FN_OK)
		rc = store_put(t, g->json, d->id.p, d->id.n, js.p, js.n, 0, NULL);
	if (rc == FN_OK)
		rc = store_put(t, g->ver, d->id.p, d->id.n, ver, sizeof ver, 0, NULL);
	if (rc == FN_OK)
		rc = store_put(t, g->feed, seqkey, 8, d->id.p, d->id.n, 0, NULL);
	if (rc == FN_OK)
		rc = store_gz(t, g, SC_MSGPACK, d->id, mp->p, mp->n);
	if (rc == FN_OK)
		rc = store_gz(t, g, SC_JSON, d->id, js.p, js.n);
	sc_buf_free(&js);
	return rc;
}

static int import_txn(struct store_txn *t, void *arg)
{
	struct import_job *job = arg;
	struct guidance *g = job->g;
	struct sc_guidance_doc *d = job->doc;
	struct sc_str old;
	struct sc_buf mp = {0};
	uint64_t old_seq = 0;
	int withdrawn = 0, rc;

	d->version = 1;
	rc = store_get(t, g->ver, d->id.p, d->id.n, &old);
	if (rc == FN_OK && old.n == VER_LEN) {
		d->version = (int64_t)store_key_u64(old.p);
		old_seq = store_key_u64(old.p + 8);
		withdrawn = old.p[16];
	} else if (rc != FN_NOT_FOUND) {
		return rc == FN_OK ? FN_INTERNAL : rc;
	}
	if (rc == FN_OK && !withdrawn) {
		/* Unchanged content: same bytes once version, time and seq match. */
		struct sc_str cur;
		if ((rc = store_get(t, g->docs, d->id.p, d->id.n, &cur)) != FN_OK)
			return rc;
		struct sc_arena *a = sc_arena_new(0);
		struct sc_guidance_doc prev = {0};
		if (!a)
			return FN_NO_MEMORY;
		rc = sc_decode(&sc_rec_guidance_doc, SC_MSGPACK, cur.p, cur.n, &sc_limits_default, a, &prev, NULL);
		if (rc == FN_OK) {
			d->updated = prev.updated;
			d->seq = prev.seq;
			rc = sc_encode(&sc_rec_guidance_doc, SC_MSGPACK, d, &mp);
		}
		sc_arena_free(a);
		if (rc != FN_OK) {
			sc_buf_free(&mp);
			return rc;
		}
		int same = mp.n == cur.n && memcmp(mp.p, cur.p, cur.n) == 0;
		sc_buf_free(&mp);
		if (same) {
			job->changed = 0;
			job->version = d->version;
			return add_missing_gz(t, g, d->id, cur);
		}
	}
	if (old_seq) {
		unsigned char k[8];
		store_u64_key(old_seq, k);
		if ((rc = store_del(t, g->feed, k, 8)) != FN_OK && rc != FN_NOT_FOUND)
			return rc;
		d->version++;
	}
	uint64_t seq;
	if ((rc = store_counter_next(t, "guidance.seq", &seq)) != FN_OK)
		return rc;
	d->seq = (int64_t)seq;
	d->updated = clock_now();
	SC_SET(guidance_doc, d, version);
	SC_SET(guidance_doc, d, seq);
	SC_SET(guidance_doc, d, updated);
	rc = sc_encode(&sc_rec_guidance_doc, SC_MSGPACK, d, &mp);
	if (rc == FN_OK)
		rc = store_doc(t, g, d, &mp);
	if (rc == FN_OK) {
		struct audit_event ev = {"guidance.imported", SC_STR_LIT("cli"), "admin", {"", 0}, d->id, "ok", NULL};
		rc = audit_append(g->audit, t, &ev, d->updated);
	}
	sc_buf_free(&mp);
	job->changed = 1;
	job->version = d->version;
	return rc;
}

int guidance_import(struct guidance *g, const char *text, size_t n,
                    const char *origin, int *changed, int64_t *version,
                    struct sc_error *err)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_guidance_doc d;
	struct sc_error why;
	int rc;

	if (!a)
		return FN_NO_MEMORY;
	rc = parse_doc(text, n, origin, a, &d, err);
	if (rc == FN_OK) {
		/* version, updated, seq are filled in by the transaction */
		SC_SET(guidance_doc, &d, version);
		SC_SET(guidance_doc, &d, updated);
		SC_SET(guidance_doc, &d, seq);
		if ((rc = sc_validate(&sc_rec_guidance_doc, &d, &why)) != FN_OK)
			sc_error_set(err, rc, why.field, "%s: %s: %s", origin, why.field, why.message);
	}
	if (rc == FN_OK) {
		struct import_job job = {g, &d, 0, 0};
		rc = store_write(g->store, import_txn, &job);
		if (rc == FN_OK) {
			*changed = job.changed;
			*version = job.version;
		} else {
			sc_error_set(err, rc, NULL, "%s: cannot store: %s", origin, sc_status_message(rc));
		}
	}
	sc_arena_free(a);
	return rc;
}

int guidance_import_file(struct guidance *g, const char *path, int *changed,
                         int64_t *version, struct sc_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	if (!f)
		return sc_error_set(err, FN_IO_ERROR, NULL, "%s: %s", path, strerror(errno));
	buf = malloc(MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		return FN_NO_MEMORY;
	}
	n = fread(buf, 1, MAX_FILE + 1, f);
	if (ferror(f)) {
		rc = sc_error_set(err, FN_IO_ERROR, NULL, "%s: read error", path);
	} else if (n > MAX_FILE) {
		rc = sc_error_set(err, FN_PAYLOAD_TOO_LARGE, NULL, "%s: larger than %d bytes", path, MAX_FILE);
	} else {
		rc = guidance_import(g, buf, n, path, changed, version, err);
	}
	fclose(f);
	free(buf);
	return rc;
}

struct withdraw_job {
	struct guidance *g;
	const char *id;
	size_t n;
};

static int withdraw_txn(struct store_txn *t, void *arg)
{
	struct withdraw_job *w = arg;
	struct guidance *g = w->g;
	struct sc_str old;
	unsigned char k[8], ver[VER_LEN];
	uint64_t seq;
	int rc = store_get(t, g->ver, w->id, w->n, &old);

	if (rc != FN_OK)
		return rc;
	if (old.n != VER_LEN || old.p[16])
		return old.n == VER_LEN ? FN_NOT_FOUND : FN_INTERNAL;
	uint64_t version = store_key_u64(old.p);
	store_u64_key(store_key_u64(old.p + 8), k);
	if ((rc = store_del(t, g->feed, k, 8)) != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	if ((rc = store_counter_next(t, "guidance.seq", &seq)) != FN_OK)
		return rc;
	store_u64_key(seq, k);
	ver_pack(ver, version, seq, 1);
	if ((rc = store_put(t, g->ver, w->id, w->n, ver, sizeof ver, 0, NULL)) != FN_OK ||
	    (rc = store_put(t, g->feed, k, 8, w->id, w->n, 0, NULL)) != FN_OK)
		return rc;
	if ((rc = store_del(t, g->docs, w->id, w->n)) != FN_OK)
		return rc;
	struct audit_event ev = {"guidance.withdrawn", SC_STR_LIT("cli"), "admin", {"", 0}, {w->id, w->n}, "ok", NULL};
	if ((rc = audit_append(g->audit, t, &ev, clock_now())) != FN_OK)
		return rc;
	if ((rc = store_del(t, g->json, w->id, w->n)) != FN_OK)
		return rc;
	for (int i = 0; i < 2; i++) { /* both gzip copies; a store from before them has none */
		char key[GZ_KEY_MAX];
		size_t kn = guidance_gz_key(i ? SC_JSON : SC_MSGPACK, w->id, w->n, key);
		if (kn && (rc = store_del(t, g->gz, key, kn)) != FN_OK && rc != FN_NOT_FOUND)
			return rc;
	}
	return FN_OK;
}

int guidance_withdraw(struct guidance *g, const char *id, struct sc_error *err)
{
	struct withdraw_job w = {g, id, strlen(id)};
	int rc = store_write(g->store, withdraw_txn, &w);
	if (rc == FN_NOT_FOUND)
		sc_error_set(err, rc, NULL, "no current guidance document '%s'", id);
	else if (rc != FN_OK)
		sc_error_set(err, rc, NULL, "cannot withdraw '%s': %s", id, sc_status_message(rc));
	return rc;
}
