/* test_items_util.c - helpers the sc_decode_items test files share (see test_items_util.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test_items_util.h"
#include "test_schema_util.h"

int ti_on_item(size_t index, int status, void *item, const struct sc_error *err, void *arg)
{
	struct calls *k = arg;
	if (index != k->n || !item || !err || err->status != status ||
	    !memchr(err->field, 0, sizeof err->field) || !memchr(err->message, 0, sizeof err->message) ||
	    (status == FN_OK) != (err->field[0] == 0 && err->message[0] == 0)) {
		fprintf(stderr, "callback %zu: status %d, err %d \"%s\"\n", index, status,
		        err ? err->status : -1, err ? err->field : "");
		k->bad = 1;
	}
	if (k->n < sizeof k->v / sizeof k->v[0]) {
		k->v[k->n].status = status;
		k->v[k->n].err = *err;
		k->v[k->n].note = item;
	}
	k->n++;
	return index == k->stop_at ? k->stop_rc : 0;
}

void ti_calls_init(struct calls *k)
{
	memset(k, 0, sizeof *k);
	k->stop_at = SIZE_MAX;
}

/* sc_decode_items(note, "notes") on json as JSON, or on its msgpack form;
 * the msgpack copy is freed before returning, so items must not point
 * into the input. */
int ti_run(int fmt, const char *json, size_t max_items, const struct sc_limits *lim,
           struct sc_arena *a, struct calls *k, struct sc_error *err)
{
	struct sc_buf mp = { 0 };
	const void *p = json;
	size_t n = strlen(json);
	if (fmt == SC_MSGPACK) {
		if (tu_json_to_msgpack(json, &mp))
			return -1;
		p = mp.p;
		n = mp.n;
	}
	int rc = sc_decode_items(&sc_rec_note, "notes", fmt, p, n, lim, max_items, a, ti_on_item, k, err);
	if (mp.p)
		memset(mp.p, 0xAA, mp.n);
	sc_buf_free(&mp);
	return rc;
}

const char *ti_fmt_name(int fmt)
{
	return fmt == SC_JSON ? "JSON" : "msgpack";
}

/* The note table without SC_REQ at the top: a failed item must still pass
 * it, since every present field is complete and valid. */
static struct sc_field loose_fields[SC_NF_note];
static struct sc_record loose_note;

const struct sc_record *ti_loose(void)
{
	memcpy(loose_fields, sc_rec_note.fields, sizeof loose_fields);
	for (size_t i = 0; i < SC_NF_note; i++)
		loose_fields[i].flags &= ~SC_REQ;
	loose_note = sc_rec_note;
	loose_note.fields = loose_fields;
	return &loose_note;
}

/* The error sc_decode gives for one item on its own (JSON text). */
int ti_decode_alone(int fmt, const char *item_json, struct sc_error *err)
{
	struct sc_buf mp = { 0 };
	if (fmt == SC_MSGPACK && tu_json_to_msgpack(item_json, &mp))
		return -1;
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note n;
	int rc = fmt == SC_JSON
	                 ? sc_decode(&sc_rec_note, SC_JSON, item_json, strlen(item_json), NULL, a, &n, err)
	                 : sc_decode(&sc_rec_note, SC_MSGPACK, mp.p, mp.n, NULL, a, &n, err);
	/* sc_decode itself stays all or nothing: nothing is marked present */
	if (rc != FN_OK && n.has != 0) {
		fprintf(stderr, "sc_decode marked fields present on failure\n");
		rc = -2;
	}
	sc_arena_free(a);
	sc_buf_free(&mp);
	return rc;
}
