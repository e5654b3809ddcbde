/* test_client_app.c - libfieldnote offline for issue 14: id order, counts, export, guidance_seen, feedback cursor, revocation, retry options. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "client_fx.h"
#include "crypto.h"
#include "net.h"
#include "records.h"
#include "session.h"
#include "store.h"
#include "unit.h"

static const char note_json_text[] =
	"{\"child_ref\":\"C-1\",\"age_band\":\"13_to_15\",\"author\":\"officer1\",\"team\":\"north\","
	"\"context\":\"welfare_check\",\"seen\":true,\"child_words\":\"words\"}";

/* A store in a fresh directory (removed by done()). */
struct fx {
	char dir[64];
	fn_client *c;
};

static int open_fx(struct fx *f, const char *server, const char *device_id)
{
	unsigned char key[FN_KEY_SIZE];
	fn_options o;
	memset(key, 9, sizeof key);
	fn_options_init(&o);
	o.store_dir = f->dir;
	o.key = key;
	o.device_id = device_id;
	if (server) {
		o.server_url = server;
		o.ca_file = "certs/dev/ca.crt";
		o.attempts = 5;
		o.backoff_ms = 100;
	}
	return fn_client_open(&f->c, &o);
}

static int setup(struct fx *f, const char *server)
{
	snprintf(f->dir, sizeof f->dir, "/tmp/fn-unit-app-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	return open_fx(f, server, NULL);
}

static void done(struct fx *f)
{
	char p[128];
	fn_client_close(f->c);
	f->c = NULL;
	snprintf(p, sizeof p, "%s/data.mdb", f->dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/lock.mdb", f->dir);
	unlink(p);
	rmdir(f->dir);
}

/* Issue 14.1: last + 1 within a millisecond and under a clock set back. */
static int test_ulid_after_increases(void)
{
	struct fx f;
	char a[27], b[27];
	CHECK(setup(&f, NULL) == FN_OK);
	CHECK(fni_cr_ulid_after(&f.c->cr, 1795600300000, NULL, a) == FN_OK);
	for (int i = 0; i < 1000; i++) {
		CHECK(fni_cr_ulid_after(&f.c->cr, 1795600300000, a, b) == FN_OK);
		CHECK(strcmp(b, a) > 0);
		memcpy(a, b, sizeof a);
	}
	CHECK(fni_cr_ulid_after(&f.c->cr, 1000, a, b) == FN_OK); /* the clock went back */
	CHECK(strcmp(b, a) > 0);
	CHECK(fni_cr_ulid_after(&f.c->cr, 0, "0000000000ZZZZZZZZZZZZZZZZ", b) == FN_OK); /* carry into time */
	CHECK(strcmp(b, "00000000010000000000000000") == 0);
	done(&f);
	return 0;
}

/* Issue 14.1 through the API: listed in save order even when the clock
 * steps back between saves (as when the offset learnt from the server's
 * Date corrects a clock running ahead). */
static int test_outbox_lists_in_save_order(void)
{
	struct fx f;
	char ids[200][FN_ID_SIZE], *out;
	CHECK(setup(&f, NULL) == FN_OK);
	for (int i = 0; i < 200; i++) {
		f.c->clock_offset = i % 2 ? -5 : 0;
		CHECK(fn_note_save(f.c, note_json_text, ids[i]) == FN_OK);
	}
	CHECK(fn_outbox_list(f.c, &out) == FN_OK);
	const char *p = out;
	for (int i = 0; i < 200; i++) {
		CHECK((p = strstr(p, "\"id\":\"")) != NULL);
		p += 6;
		CHECK(strncmp(p, ids[i], 26) == 0);
	}
	fn_free(out);
	done(&f);
	return 0;
}

static int drop_counts_txn(MDB_txn *t, void *arg)
{
	fn_client *c = arg;
	fni_st_del(&c->st, t, DB_META, "count.v", 7);
	return fni_st_put_u64(&c->st, t, "count.queued", 77);
}

/* Issue 14.6: counts kept with every change; an older store counted at open. */
static int test_outbox_count_kept_and_rebuilt(void)
{
	struct fx f;
	char id[FN_ID_SIZE];
	uint64_t q = 9, r = 9;
	CHECK(setup(&f, NULL) == FN_OK);
	CHECK(fn_outbox_count(f.c, &q, &r) == FN_OK);
	CHECK(q == 0 && r == 0);
	for (int i = 0; i < 3; i++)
		CHECK(fn_note_save(f.c, note_json_text, id) == FN_OK);
	CHECK(fn_note_save(f.c, "{\"child_ref\":\"\"}", id) == FN_VALIDATION_FAILED); /* nothing counted */
	CHECK(fn_note_save(f.c, note_json_text, id) == FN_OK);
	CHECK(fn_note_amend(f.c, id, note_json_text, NULL) == FN_OK); /* revision 2: queued too */
	CHECK(fn_outbox_count(f.c, &q, &r) == FN_OK);
	CHECK_EQ_INT(q, 5);
	CHECK_EQ_INT(r, 0);
	CHECK(fni_st_write(&f.c->st, drop_counts_txn, f.c) == FN_OK); /* as a store from before */
	fn_client_close(f.c);
	CHECK(open_fx(&f, NULL, NULL) == FN_OK);
	CHECK(fn_outbox_count(f.c, &q, NULL) == FN_OK);
	CHECK_EQ_INT(q, 5);
	done(&f);
	return 0;
}

/* Issue 14.3: the export is whole, 0600, plaintext with a warning first. */
static int test_outbox_export(void)
{
	struct fx f;
	char id[FN_ID_SIZE], path[128];
	uint64_t n = 0;
	struct stat sb;
	CHECK(setup(&f, NULL) == FN_OK);
	CHECK(fn_note_save(f.c, note_json_text, id) == FN_OK);
	snprintf(path, sizeof path, "%s/export.json", f.dir);
	CHECK(fn_outbox_export(f.c, path, &n) == FN_OK);
	CHECK_EQ_INT(n, 1);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	json_t *e = json_load_file(path, 0, NULL);
	CHECK(e != NULL);
	CHECK(strstr(json_string_value(json_object_get(e, "warning")), "PLAINTEXT") != NULL);
	json_t *item = json_array_get(json_object_get(e, "items"), 0);
	CHECK(!strcmp(json_string_value(json_object_get(item, "id")), id));
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(item, "note"), "child_words")), "words"));
	json_decref(e);
	unlink(path);
	CHECK(fn_outbox_export(f.c, "/nonexistent-dir/x.json", &n) == FN_IO_ERROR);
	CHECK(fn_outbox_export(f.c, "", &n) == FN_BAD_ARGUMENT);
	done(&f);
	return 0;
}

static int put_doc_txn(MDB_txn *t, void *arg)
{
	fn_client *c = arg;
	static const char doc[] = "{\"id\":\"s136\",\"version\":3,\"title\":\"Section 136\",\"updated\":1,\"seq\":1,"
	                          "\"body\":\"text\"}";
	struct sc_guidance_doc d;
	struct sc_buf mp = {0};
	struct sc_arena *a = sc_arena_new(0);
	int rc = a ? sc_decode(&sc_rec_guidance_doc, SC_JSON, doc, sizeof doc - 1, NULL, a, &d, NULL) : FN_NO_MEMORY;
	if (rc == FN_OK)
		rc = sc_encode(&sc_rec_guidance_doc, SC_MSGPACK, &d, &mp);
	if (rc == FN_OK)
		rc = fni_st_put_sealed(&c->st, t, DB_GUIDANCE, "s136", 4, mp.p, mp.n);
	sc_buf_free(&mp);
	sc_arena_free(a);
	return rc;
}

/* Issue 14.5: guidance opened goes into the next note, once; an app's own
 * guidance_seen is kept. */
static int test_guidance_seen_from_opened(void)
{
	struct fx f;
	char id[FN_ID_SIZE], *out;
	CHECK(setup(&f, NULL) == FN_OK);
	CHECK(fni_st_write(&f.c->st, put_doc_txn, f.c) == FN_OK);
	CHECK(fn_guidance_get(f.c, "s136", &out) == FN_OK);
	fn_free(out);
	CHECK(fn_guidance_get(f.c, "s136", &out) == FN_OK); /* twice: recorded once */
	fn_free(out);
	CHECK(fn_note_save(f.c, note_json_text, id) == FN_OK);
	CHECK(fn_note_get(f.c, id, &out) == FN_OK);
	CHECK(strstr(out, "\"guidance_seen\":[{\"id\":\"s136\",\"version\":3}]") != NULL);
	fn_free(out);
	CHECK(fn_note_save(f.c, note_json_text, id) == FN_OK);
	CHECK(fn_note_get(f.c, id, &out) == FN_OK);
	CHECK(strstr(out, "guidance_seen") == NULL);
	fn_free(out);
	CHECK(fn_guidance_get(f.c, "s136", &out) == FN_OK);
	fn_free(out);
	char own[512];
	snprintf(own, sizeof own, "{\"guidance_seen\":[{\"id\":\"other\",\"version\":1}],%s", note_json_text + 1);
	CHECK(fn_note_save(f.c, own, id) == FN_OK);
	CHECK(fn_note_get(f.c, id, &out) == FN_OK);
	CHECK(strstr(out, "\"guidance_seen\":[{\"id\":\"other\",\"version\":1}]") != NULL);
	fn_free(out);
	done(&f);
	return 0;
}

static int put_feedback_txn(MDB_txn *t, void *arg)
{
	fn_client *c = arg;
	int rc = FN_OK;
	for (int i = 1; i <= 3 && rc == FN_OK; i++) {
		char txt[256];
		unsigned char key[8];
		struct sc_review r;
		struct sc_buf mp = {0};
		struct sc_arena *a = sc_arena_new(0);
		int n = snprintf(txt, sizeof txt, "{\"note_id\":\"N%d\",\"revision\":1,\"decision\":\"accepted\","
		                 "\"by\":\"super1\",\"at\":%d}", i, 1000 + i);
		rc = a ? sc_decode(&sc_rec_review, SC_JSON, txt, (size_t)n, NULL, a, &r, NULL) : FN_NO_MEMORY;
		if (rc == FN_OK)
			rc = sc_encode(&sc_rec_review, SC_MSGPACK, &r, &mp);
		fni_st_be64((uint64_t)i, key);
		if (rc == FN_OK)
			rc = fni_st_put_sealed(&c->st, t, DB_FEEDBACK, key, 8, mp.p, mp.n);
		sc_buf_free(&mp);
		sc_arena_free(a);
	}
	return rc == FN_OK ? fni_st_put_u64(&c->st, t, "feedback.count", 3) : rc;
}

static int items_in(const char *json)
{
	json_t *o = json_loads(json, 0, NULL);
	int n = o ? (int)json_array_size(json_object_get(o, "items")) : -1;
	json_decref(o);
	return n;
}

/* Issue 14.6: feedback since a cursor; the acknowledgement only moves on. */
static int test_feedback_since_and_ack(void)
{
	struct fx f;
	char *out;
	CHECK(setup(&f, NULL) == FN_OK);
	CHECK(fni_st_write(&f.c->st, put_feedback_txn, f.c) == FN_OK);
	CHECK(fn_feedback_since(f.c, FN_FEEDBACK_UNACKED, &out) == FN_OK);
	CHECK_EQ_INT(items_in(out), 3);
	CHECK(strstr(out, "\"next\":3") && strstr(out, "\"acked\":0") && strstr(out, "\"local_seq\":1"));
	fn_free(out);
	CHECK(fn_feedback_ack(f.c, 2) == FN_OK);
	CHECK(fn_feedback_ack(f.c, 1) == FN_OK); /* backwards: ignored */
	CHECK(fn_feedback_since(f.c, FN_FEEDBACK_UNACKED, &out) == FN_OK);
	CHECK_EQ_INT(items_in(out), 1);
	CHECK(strstr(out, "\"note_id\":\"N3\"") && strstr(out, "\"acked\":2"));
	fn_free(out);
	CHECK(fn_feedback_ack(f.c, 99) == FN_OK); /* clamped to the newest */
	CHECK(fn_feedback_since(f.c, FN_FEEDBACK_UNACKED, &out) == FN_OK);
	CHECK_EQ_INT(items_in(out), 0);
	CHECK(strstr(out, "\"next\":3") && strstr(out, "\"acked\":3"));
	fn_free(out);
	CHECK(fn_feedback_since(f.c, 1, &out) == FN_OK);
	CHECK_EQ_INT(items_in(out), 2);
	fn_free(out);
	done(&f);
	return 0;
}

/* Issue 14.2: a revoked identity is remembered; a new device id is not. */
static int test_revoked_is_kept_per_identity(void)
{
	struct fx f;
	char *out, *summary;
	CHECK(setup(&f, "https://localhost:1") == FN_OK);
	CHECK(fni_session_revoked(f.c) == FN_OK);
	fn_client_close(f.c);
	CHECK(open_fx(&f, "https://localhost:1", NULL) == FN_OK);
	CHECK(fn_session_get(f.c, &out) == FN_OK);
	CHECK(strstr(out, "\"revoked\":true") != NULL);
	fn_free(out);
	CHECK(fn_sync_run(f.c, NULL, NULL, NULL, &summary) == FN_DEVICE_REVOKED);
	CHECK(strstr(summary, "\"connections\":0") && strstr(summary, "\"stopped\":\"revoked\""));
	fn_free(summary);
	fn_client_close(f.c);
	CHECK(open_fx(&f, "https://localhost:1", "handheld-2") == FN_OK);
	CHECK(fn_session_get(f.c, &out) == FN_OK);
	CHECK(strstr(out, "\"revoked\":false") != NULL);
	fn_free(out);
	done(&f);
	return 0;
}

/* Issue 14.7: "once" does not retry; a deadline ends the retries; the
 * summary says why. */
static int test_sync_once_and_deadline(void)
{
	struct fx f;
	char *summary;
	fn_sync_options so;
	CHECK(setup(&f, "https://localhost:1") == FN_OK);
	CHECK(cfx_write_session(f.c) == FN_OK); /* an empty outbox: the first request is guidance */
	fn_sync_options_init(&so);
	so.flags = FN_SYNC_ONCE;
	CHECK(fn_sync_run_with(f.c, &so, NULL, NULL, NULL, &summary) == FN_NETWORK_ERROR);
	CHECK(strstr(summary, "\"retries\":0") && strstr(summary, "\"stopped\":\"network\"") &&
	      strstr(summary, "\"phase\":\"guidance\""));
	fn_free(summary);
	fn_sync_options_init(&so);
	so.attempts = 50;
	so.deadline_ms = 300; /* backoff 100 ms doubling: 50 tries would take minutes */
	int64_t t0 = fni_net_now_ms();
	CHECK(fn_sync_run_with(f.c, &so, NULL, NULL, NULL, &summary) == FN_NETWORK_ERROR);
	CHECK(fni_net_now_ms() - t0 < 1000);
	CHECK(strstr(summary, "\"stopped\":\"deadline\"") != NULL);
	fn_free(summary);
	done(&f);
	return 0;
}

const struct unit_case client_app_cases[] = {
	{"client/ulid_after_increases", test_ulid_after_increases},
	{"client/outbox_lists_in_save_order", test_outbox_lists_in_save_order},
	{"client/outbox_count_kept_and_rebuilt", test_outbox_count_kept_and_rebuilt},
	{"client/outbox_export", test_outbox_export},
	{"client/guidance_seen_from_opened", test_guidance_seen_from_opened},
	{"client/feedback_since_and_ack", test_feedback_since_and_ack},
	{"client/revoked_is_kept_per_identity", test_revoked_is_kept_per_identity},
	{"client/sync_once_and_deadline", test_sync_once_and_deadline},
	{NULL, NULL},
};
