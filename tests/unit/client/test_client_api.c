/* test_client_api.c - libfieldnote through its public API, offline: keys, note JSON edge cases, amendments, threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "client_fx.h"
#include "records.h"
#include "store.h"
#include "unit.h"

static const char note_base[] =
	"\"child_ref\":\"C-1\",\"age_band\":\"13_to_15\",\"author\":\"officer1\",\"team\":\"north\","
	"\"context\":\"welfare_check\",\"seen\":true,\"child_words\":\"she said {\\\"no\\\"} and [left]\"";

/* A fresh store directory; the caller removes it with rm_store. */
static char *new_store(void)
{
	char *d = strdup("/tmp/fn-unit-XXXXXX");
	if (d && !mkdtemp(d)) {
		free(d);
		return NULL;
	}
	return d;
}

static void rm_store(char *d)
{
	char p[256];
	if (!d)
		return;
	snprintf(p, sizeof p, "%s/data.mdb", d);
	unlink(p);
	snprintf(p, sizeof p, "%s/lock.mdb", d);
	unlink(p);
	rmdir(d);
	free(d);
}

static int open_with(const char *dir, unsigned char fill, fn_client **c, char *why, size_t n)
{
	unsigned char key[FN_KEY_SIZE];
	fn_options o;
	memset(key, fill, sizeof key);
	fn_options_init(&o);
	o.store_dir = dir;
	o.key = key;
	o.open_error = why;
	o.open_error_size = n;
	return fn_client_open(c, &o);
}

static int save(fn_client *c, const char *json, char *id)
{
	return fn_note_save(c, json, id);
}

static int test_wrong_key_at_open(void)
{
	char *d = new_store(), why[256] = "", id[FN_ID_SIZE];
	fn_client *c;
	CHECK(d != NULL);
	CHECK(open_with(d, 1, &c, why, sizeof why) == FN_OK);
	char json[512];
	snprintf(json, sizeof json, "{%s}", note_base);
	CHECK(save(c, json, id) == FN_OK);
	fn_client_close(c);
	CHECK(open_with(d, 2, &c, why, sizeof why) == FN_WRONG_KEY);
	CHECK(c == NULL);
	CHECK(strstr(why, "key") != NULL);
	CHECK(open_with(d, 1, &c, why, sizeof why) == FN_OK);
	char *out;
	CHECK(fn_note_get(c, id, &out) == FN_OK);
	CHECK(strstr(out, "\"state\":\"queued\"") != NULL);
	fn_free(out);
	fn_client_close(c);
	fn_client_close(NULL); /* a no-op */
	rm_store(d);
	return 0;
}

static int test_bad_arguments(void)
{
	fn_client *c = NULL;
	fn_options o;
	CHECK(fn_client_open(NULL, NULL) == FN_BAD_ARGUMENT);
	CHECK(fn_client_open(&c, NULL) == FN_BAD_ARGUMENT && c == NULL);
	fn_options_init(&o);
	CHECK(fn_client_open(&c, &o) == FN_BAD_ARGUMENT); /* no store, no key */
	o.size = 8;
	CHECK(fn_client_open(&c, &o) == FN_BAD_ARGUMENT); /* too small to be options */
	CHECK(fn_note_save(NULL, "{}", NULL) == FN_BAD_ARGUMENT);
	CHECK(fn_client_last_error(NULL, NULL, 0) == FN_BAD_ARGUMENT);
	char *d = new_store(), why[256];
	CHECK(open_with(d, 1, &c, why, sizeof why) == FN_OK);
	CHECK(fn_sync_run(c, NULL, NULL, NULL, NULL) == FN_BAD_ARGUMENT); /* no server given */
	CHECK(fn_login(c, "u", "p") == FN_BAD_ARGUMENT);
	char detail[64];
	CHECK(fn_client_last_error(c, detail, sizeof detail) == FN_BAD_ARGUMENT && detail[0]);
	fn_client_close(c);
	rm_store(d);
	return 0;
}

/* What fn_note_save makes of tricky JSON. */
static int test_note_json_edges(void)
{
	char *d = new_store(), why[256], id[FN_ID_SIZE], json[1024], detail[512];
	fn_client *c;
	char *out;
	CHECK(open_with(d, 3, &c, why, sizeof why) == FN_OK);

	/* library fields given by the app are replaced, strings keep braces */
	snprintf(json, sizeof json, "{\"id\":\"mine\",\"revision\":7,\"replaces\":6,\"created_at\":1, %s}", note_base);
	CHECK(save(c, json, id) == FN_OK);
	CHECK(strcmp(id, "mine") != 0 && strlen(id) == 26);
	CHECK(fn_note_get(c, id, &out) == FN_OK);
	CHECK(strstr(out, "\"revision\":1,") != NULL);
	CHECK(strstr(out, "\"replaces\"") == NULL);
	CHECK(strstr(out, "she said {\\\"no\\\"} and [left]") != NULL);
	fn_free(out);

	/* a key spelt with an escape to dodge the library's: refused, not merged */
	snprintf(json, sizeof json, "{\"i\\u0064\":\"mine\", %s}", note_base);
	CHECK(save(c, json, id) == FN_MALFORMED_BODY);

	static const char *const bad[] = {"[]", "", "{", "{}x", "{\"a\" 1}", "{\"a\":}", "{\"a\":1,}", "null",
	                                  "{\"a\":[1,2}", "{\"a\":\"x}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(save(c, bad[i], id) == FN_MALFORMED_BODY);

	snprintf(json, sizeof json, "{%s,\"seen_alone\":\"yes\"}", note_base);
	CHECK(save(c, json, id) == FN_VALIDATION_FAILED);
	fn_client_last_error(c, detail, sizeof detail);
	CHECK(strncmp(detail, "seen_alone", 10) == 0);

	/* no session and no author: named, with a hint */
	CHECK(save(c, "{\"child_ref\":\"C-1\",\"context\":\"school\",\"seen\":false}", id) == FN_VALIDATION_FAILED);
	fn_client_last_error(c, detail, sizeof detail);
	CHECK(strstr(detail, "author") && strstr(detail, "sign in"));

	CHECK(fn_outbox_list(c, &out) == FN_OK);
	CHECK(strstr(out, "\"items\":[{") != NULL);
	fn_free(out);
	fn_client_close(c);
	rm_store(d);
	return 0;
}

static int count_items(fn_client *c)
{
	char *out;
	int n = 0;
	if (fn_outbox_list(c, &out) != FN_OK)
		return -1;
	for (const char *p = out; (p = strstr(p, "\"revision\":")); p++)
		n++;
	fn_free(out);
	return n;
}

static int test_amend_in_the_outbox(void)
{
	char *d = new_store(), why[256], id[FN_ID_SIZE], json[1024];
	fn_client *c;
	int64_t rev = 0;
	CHECK(open_with(d, 4, &c, why, sizeof why) == FN_OK);
	snprintf(json, sizeof json, "{%s}", note_base);
	CHECK(save(c, json, id) == FN_OK);
	CHECK(fn_note_amend(c, id, json, &rev) == FN_OK && rev == 2);
	CHECK(fn_note_amend(c, id, json, &rev) == FN_OK && rev == 3);
	CHECK_EQ_INT(count_items(c), 3); /* every revision goes, in order */
	CHECK(fn_note_amend(c, "no-such-note", json, &rev) == FN_NOT_FOUND);
	char *out;
	CHECK(fn_note_get(c, id, &out) == FN_OK);
	CHECK(strstr(out, "\"revision\":3,") && strstr(out, "\"replaces\":2"));
	fn_free(out);
	fn_client_close(c);
	rm_store(d);
	return 0;
}

struct saver {
	fn_client *c;
	int n, failed;
};

static void *saver_run(void *arg)
{
	struct saver *s = arg;
	char json[1024], id[FN_ID_SIZE];
	snprintf(json, sizeof json, "{%s}", note_base);
	for (int i = 0; i < s->n; i++)
		if (fn_note_save(s->c, json, id) != FN_OK)
			s->failed++;
	return NULL;
}

/* One handle, four threads saving at once: every note lands. */
static int test_threads_share_a_handle(void)
{
	char *d = new_store(), why[256];
	fn_client *c;
	pthread_t t[4];
	struct saver s[4];
	CHECK(open_with(d, 5, &c, why, sizeof why) == FN_OK);
	for (int i = 0; i < 4; i++) {
		s[i] = (struct saver){c, 25, 0};
		CHECK(pthread_create(&t[i], NULL, saver_run, &s[i]) == 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ_INT(s[i].failed, 0);
	}
	CHECK_EQ_INT(count_items(c), 100);
	fn_client_close(c);
	rm_store(d);
	return 0;
}

struct syncer {
	fn_client *c;
	int rc;
	volatile int done;
};

static void *sync_run(void *arg)
{
	struct syncer *s = arg;
	s->rc = fn_sync_run(s->c, NULL, NULL, NULL, NULL);
	__atomic_store_n(&s->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* A sync retrying an unreachable server does not hold up saves on another
 * thread: the handle's lock is let go while the sync waits. */
static int test_saves_proceed_during_a_sync(void)
{
	char *d = new_store(), json[1024], id[FN_ID_SIZE];
	unsigned char key[FN_KEY_SIZE];
	fn_options o;
	fn_client *c;
	pthread_t t;
	memset(key, 6, sizeof key);
	fn_options_init(&o);
	o.store_dir = d;
	o.key = key;
	o.server_url = "https://localhost:1";
	o.ca_file = "certs/dev/ca.crt";
	o.attempts = 4;
	o.backoff_ms = 200;
	CHECK(fn_client_open(&c, &o) == FN_OK);
	/* a session, so that sync gets as far as the network */
	CHECK(cfx_write_session(c) == FN_OK);
	struct syncer s = {c, -1, 0};
	snprintf(json, sizeof json, "{%s}", note_base);
	CHECK(pthread_create(&t, NULL, sync_run, &s) == 0);
	usleep(50000);
	for (int i = 0; i < 10; i++)
		CHECK(fn_note_save(c, json, id) == FN_OK);
	int finished_first = __atomic_load_n(&s.done, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	CHECK(!finished_first);
	CHECK_EQ_INT(s.rc, FN_NETWORK_ERROR);
	CHECK_EQ_INT(count_items(c), 10);
	fn_client_close(c);
	rm_store(d);
	return 0;
}

const struct unit_case client_api_cases[] = {
	{"client/wrong_key_at_open", test_wrong_key_at_open},
	{"client/bad_arguments", test_bad_arguments},
	{"client/note_json_edges", test_note_json_edges},
	{"client/amend_in_the_outbox", test_amend_in_the_outbox},
	{"client/threads_share_a_handle", test_threads_share_a_handle},
	{"client/saves_proceed_during_a_sync", test_saves_proceed_during_a_sync},
	{NULL, NULL},
};
