/* test_attach.c - attachments on the server (issue 16): metadata removal
 * and sniffing on hand-made files, and the store side: same content kept
 * once, the retention hooks (list, delete a note's attachments, sweep),
 * the per-user quota. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "attach_format.h"
#include "audit.h"
#include "mbedtls/sha256.h"
#include "status.h"
#include "store.h"
#include "unit.h"

/* SOI, APP1 "Exif", DQT, SOS with one byte of data, EOI. */
static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08, 'E', 'x', 'i', 'f', 0, 0,
                                     0xFF, 0xDB, 0x00, 0x04, 0x00, 0x01, 0xFF, 0xDA, 0x00, 0x08,
                                     0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x00, 0xFF, 0xD9};
#define APP1_LEN 10

static int test_attach_jpeg_strip_and_sniff(void)
{
	unsigned char out[sizeof jpeg];
	size_t n = 0;
	CHECK_EQ_INT(attach_sniff(jpeg, sizeof jpeg), ATTACH_JPEG);
	CHECK_EQ_INT(attach_strip(ATTACH_JPEG, jpeg, sizeof jpeg, out, sizeof out, &n), 0);
	CHECK_EQ_INT((int)n, (int)(sizeof jpeg - APP1_LEN));
	CHECK(memcmp(out, jpeg, 2) == 0 && memcmp(out + 2, jpeg + 2 + APP1_LEN, n - 2) == 0);
	CHECK(memmem(out, n, "Exif", 4) == NULL);
	/* cut anywhere: not a JPEG any more */
	for (size_t cut = 0; cut < sizeof jpeg; cut++)
		CHECK_EQ_INT(attach_sniff(jpeg, cut), ATTACH_UNKNOWN);
	CHECK_EQ_INT(attach_type_of_media("IMAGE/JPEG", 10), ATTACH_JPEG);
	return 0;
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/fn-attach-test.XXXXXX");
	return d && mkdtemp(d) ? d : NULL;
}

struct env {
	char *dir;
	struct store *s;
	struct audit *au;
	struct attach *a;
};

static int env_open(struct env *e, size_t quota)
{
	struct sc_error err;
	struct attach_limits lim = {1 << 20, 1 << 20, quota, 1 << 20, 0, 3600};
	memset(e, 0, sizeof *e);
	if (!(e->dir = tmpdir()) || store_open(&e->s, e->dir, 1, NULL, NULL) != FN_OK ||
	    audit_open(&e->au, e->s) != FN_OK || attach_types_parse("image/jpeg,image/png", &lim.types, &err) != 0)
		return -1;
	return attach_open(&e->a, e->s, e->au, &lim);
}

static void env_close(struct env *e)
{
	char cmd[128];
	attach_close(e->a);
	audit_close(e->au);
	store_close(e->s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", e->dir);
	free(e->dir);
}

/* Uploads the JPEG in one chunk as attachment att of note. */
static int upload(struct env *e, const char *note, const char *att)
{
	unsigned char h[32];
	char hex[65], id[33];
	struct sc_error err;
	uint64_t off;
	int64_t exp;
	mbedtls_sha256(jpeg, sizeof jpeg, h, 0);
	attach_hex_encode(h, hex);
	struct attach_new n = {SC_STR_LIT("officer1"), SC_STR_LIT("dev-1"), {note, strlen(note)}, {att, strlen(att)},
	                       {hex, 64}, SC_STR_LIT("image/jpeg"), SC_STR_LIT(""), sizeof jpeg};
	int rc = attach_upload_create(e->a, &n, 1000, id, &off, &exp, &err);
	if (rc != FN_OK)
		return rc;
	return attach_upload_append(e->a, SC_STR_LIT("officer1"), (struct sc_str){id, 32}, 0, jpeg, sizeof jpeg, h, 1000,
	                            &off, &exp, &err);
}

struct del_job {
	struct attach *a;
	const char *note;
	size_t removed, swept;
};

static int del_txn(struct store_txn *t, void *arg)
{
	struct del_job *j = arg;
	int rc = attach_delete_note(j->a, t, (struct sc_str){j->note, strlen(j->note)}, &j->removed);
	return rc == FN_OK ? attach_sweep_blobs(j->a, t, &j->swept) : rc;
}

/* reads note/att: FN_OK with the stripped bytes, or the status */
static int read_back(struct env *e, const char *note, const char *att)
{
	struct store_txn *t;
	struct sc_attachment_ref ref;
	struct sc_str bytes;
	struct sc_arena *ar = sc_arena_new(0);
	int rc = store_read_begin(e->s, &t);
	if (rc == FN_OK)
		rc = attach_read(e->a, t, (struct sc_str){note, strlen(note)}, (struct sc_str){att, strlen(att)}, ar, &ref,
		                 &bytes);
	if (rc == FN_OK && bytes.n != sizeof jpeg - APP1_LEN)
		rc = FN_INTERNAL;
	store_read_end(t);
	sc_arena_free(ar);
	return rc;
}

static int test_attach_store_once_and_retention_hooks(void)
{
	struct env e;
	CHECK_EQ_INT(env_open(&e, 0), FN_OK);
	CHECK_EQ_INT(upload(&e, "note-1", "a"), FN_OK);
	CHECK_EQ_INT(upload(&e, "note-2", "b"), FN_OK);
	CHECK_EQ_INT(read_back(&e, "note-1", "a"), FN_OK);
	struct store_txn *t;
	struct sc_list_attachment_ref l;
	struct sc_arena *ar = sc_arena_new(0);
	CHECK_EQ_INT(store_read_begin(e.s, &t), FN_OK);
	CHECK_EQ_INT(attach_list(e.a, t, SC_STR_LIT("note-2"), ar, &l), FN_OK);
	store_read_end(t);
	CHECK_EQ_INT((int)l.n, 1);
	CHECK(sc_str_eq(l.v[0].att_id, "b") && l.v[0].stored_size == (int64_t)(sizeof jpeg - APP1_LEN));
	sc_arena_free(ar);
	/* one blob for both; deleting one note keeps it for the other */
	struct del_job j = {e.a, "note-1", 0, 0};
	CHECK_EQ_INT(store_write(e.s, del_txn, &j), FN_OK);
	CHECK_EQ_INT((int)j.removed, 1);
	CHECK_EQ_INT((int)j.swept, 0);
	CHECK_EQ_INT(read_back(&e, "note-1", "a"), FN_NOT_FOUND);
	CHECK_EQ_INT(read_back(&e, "note-2", "b"), FN_OK);
	struct del_job j2 = {e.a, "note-2", 0, 0};
	CHECK_EQ_INT(store_write(e.s, del_txn, &j2), FN_OK);
	CHECK_EQ_INT((int)j2.removed, 1);
	CHECK_EQ_INT(read_back(&e, "note-2", "b"), FN_NOT_FOUND);
	/* the last reference took the blob with it: nothing left to sweep */
	CHECK_EQ_INT((int)j2.swept, 0);
	env_close(&e);
	return 0;
}

static int test_attach_user_quota(void)
{
	struct env e;
	CHECK_EQ_INT(env_open(&e, sizeof jpeg + 10), FN_OK);
	CHECK_EQ_INT(upload(&e, "note-1", "a"), FN_OK);
	/* the stored (smaller) size counts: a second one does not fit */
	CHECK_EQ_INT(upload(&e, "note-1", "b"), FN_PAYLOAD_TOO_LARGE);
	/* erasure gives the bytes back */
	struct del_job j = {e.a, "note-1", 0, 0};
	CHECK_EQ_INT(store_write(e.s, del_txn, &j), FN_OK);
	CHECK_EQ_INT(upload(&e, "note-1", "b"), FN_OK);
	env_close(&e);
	return 0;
}

/* Creates an upload of the JPEG for att at now without sending a byte. */
static int start(struct env *e, const char *att, int64_t now, char id[33], int64_t *exp)
{
	unsigned char h[32];
	char hex[65];
	struct sc_error err;
	uint64_t off;
	mbedtls_sha256(jpeg, sizeof jpeg, h, 0);
	attach_hex_encode(h, hex);
	struct attach_new n = {SC_STR_LIT("officer1"), SC_STR_LIT("dev-1"), SC_STR_LIT("note-x"), {att, strlen(att)},
	                       {hex, 64}, SC_STR_LIT("image/jpeg"), SC_STR_LIT(""), sizeof jpeg};
	return attach_upload_create(e->a, &n, now, id, &off, exp, &err);
}

/* An unfinished upload holds its declared length against the quota until
 * its device deletes it or it expires (expiry_secs 3600 here); the next
 * create sweeps the expired one. Another device cannot delete it. */
static int test_attach_expiry_and_termination(void)
{
	struct env e;
	char id1[33], id2[33];
	uint64_t off, len;
	int64_t exp;
	CHECK_EQ_INT(env_open(&e, sizeof jpeg + 10), FN_OK);
	CHECK_EQ_INT(start(&e, "a", 1000, id1, &exp), FN_OK);
	CHECK_EQ_INT((int)exp, 4600);
	CHECK_EQ_INT(start(&e, "b", 1000, id2, &exp), FN_PAYLOAD_TOO_LARGE);
	struct sc_str s1 = {id1, 32};
	CHECK_EQ_INT(attach_upload_delete(e.a, SC_STR_LIT("officer1"), SC_STR_LIT("dev-2"), s1), FN_NOT_FOUND);
	CHECK_EQ_INT(attach_upload_delete(e.a, SC_STR_LIT("officer2"), SC_STR_LIT("dev-1"), s1), FN_NOT_FOUND);
	CHECK_EQ_INT(attach_upload_delete(e.a, SC_STR_LIT("officer1"), SC_STR_LIT("dev-1"), s1), FN_OK);
	CHECK_EQ_INT(attach_upload_state(e.a, SC_STR_LIT("officer1"), s1, 1000, &off, &len, &exp), FN_NOT_FOUND);
	/* the quota is free again; b then expires */
	CHECK_EQ_INT(start(&e, "b", 1000, id2, &exp), FN_OK);
	struct sc_str s2 = {id2, 32};
	CHECK_EQ_INT(attach_upload_state(e.a, SC_STR_LIT("officer1"), s2, 4599, &off, &len, &exp), FN_OK);
	CHECK_EQ_INT(attach_upload_state(e.a, SC_STR_LIT("officer1"), s2, 4600, &off, &len, &exp), FN_NOT_FOUND);
	CHECK_EQ_INT(start(&e, "c", 4600, id1, &exp), FN_OK); /* swept b, then fits */
	CHECK_EQ_INT(attach_upload_delete(e.a, SC_STR_LIT("officer1"), SC_STR_LIT("dev-1"), s2), FN_NOT_FOUND);
	env_close(&e);
	return 0;
}

const struct unit_case attach_cases[] = {
	{"attach_expiry_and_termination", test_attach_expiry_and_termination},
	{"attach_jpeg_strip_and_sniff", test_attach_jpeg_strip_and_sniff},
	{"attach_store_once_and_retention_hooks", test_attach_store_once_and_retention_hooks},
	{"attach_user_quota", test_attach_user_quota},
	{NULL, NULL},
};
