/* cli_admin.c - the guidance, audit, convert and config commands. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "status.h"

int cli_guidance(struct config *cfg, const char *sub, int argc, char **argv, int i)
{
	struct app app;
	int failed = 0;

	if (i >= argc)
		return cli_fail_usage("guidance needs a file or an id");
	if (cli_open_app(&app, cfg, 0) != FN_OK)
		return 1;
	if (strcmp(sub, "withdraw") == 0) {
		for (; i < argc; i++) {
			struct sc_error err = {0};
			if (guidance_withdraw(app.guidance, argv[i], &err) != FN_OK) {
				fprintf(stderr, "fieldnote: %s\n", err.message);
				failed++;
			} else {
				printf("%s: withdrawn\n", argv[i]);
			}
		}
	} else {
		int total = argc - i, done = 0;
		for (; i < argc; i++) {
			int changed;
			int64_t version;
			struct sc_error err = {0};
			done++;
			if (guidance_import_file(app.guidance, argv[i], &changed, &version, &err) != FN_OK) {
				fprintf(stderr, "fieldnote: [%d/%d] %s\n", done, total, err.message);
				failed++;
			} else {
				printf("[%d/%d] %s: %s version %lld\n", done, total, argv[i],
				       changed ? "stored" : "unchanged at", (long long)version);
			}
		}
	}
	cli_close_app(&app);
	return failed ? 1 : 0;
}

int cli_audit_verify(struct config *cfg)
{
	struct app app;
	uint64_t checked, bad;
	struct sc_error err = {0};
	if (cli_open_app(&app, cfg, 0) != FN_OK)
		return 1;
	int rc = audit_verify(app.audit, &checked, &bad, &err);
	cli_close_app(&app);
	if (rc == FN_OK) {
		printf("audit chain intact: %llu entries verified\n", (unsigned long long)checked);
		return 0;
	}
	if (rc == FN_CONFLICT)
		fprintf(stderr, "fieldnote: audit chain BROKEN at entry %llu: %s (%llu entries before it verified)\n",
		        (unsigned long long)bad, err.message, (unsigned long long)checked);
	else
		fprintf(stderr, "fieldnote: cannot verify the audit log: %s\n", sc_status_message(rc));
	return 1;
}

static const struct {
	const char *name;
	const struct sc_record *rec;
} records[] = {
#define R(n) {#n, &sc_rec_##n},
	SC_RECORDS(R) SC_STORED_RECORDS(R)
#undef R
};

static int format_arg(const char *s)
{
	return !strcmp(s, "json") ? SC_JSON : !strcmp(s, "msgpack") ? SC_MSGPACK : 0;
}

/* fieldnote convert: one record between JSON and msgpack, through the same
 * decoder and encoder the server uses (a debugging and test tool). */
int cli_convert(int argc, char **argv)
{
	const struct sc_record *rec = NULL;
	int from = 0, to = 0;
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--record")) {
			for (size_t k = 0; k < sizeof records / sizeof records[0]; k++)
				if (!strcmp(records[k].name, argv[i + 1]))
					rec = records[k].rec;
		} else if (!strcmp(argv[i], "--from")) {
			from = format_arg(argv[i + 1]);
		} else if (!strcmp(argv[i], "--to")) {
			to = format_arg(argv[i + 1]);
		}
	}
	if (!rec || !from || !to) {
		fprintf(stderr, "usage: fieldnote convert --record NAME --from json|msgpack --to json|msgpack < IN > OUT\nrecords:");
		for (size_t k = 0; k < sizeof records / sizeof records[0]; k++)
			fprintf(stderr, " %s", records[k].name);
		fputc('\n', stderr);
		return 2;
	}
	struct sc_buf in = {0}, out = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		if (sc_buf_append(&in, chunk, n) != 0)
			return 1;
	struct sc_arena *a = sc_arena_new(0);
	void *obj = a ? sc_arena_alloc(a, rec->size) : NULL;
	struct sc_error err = {0};
	int rc = obj ? sc_decode(rec, from, in.p, in.n, &sc_limits_default, a, obj, &err) : FN_NO_MEMORY;
	if (rc == FN_OK)
		rc = sc_encode(rec, to, obj, &out);
	if (rc == FN_OK)
		fwrite(out.p, 1, out.n, stdout);
	else
		fprintf(stderr, "fieldnote: %s%s%s: %s\n", sc_status_name(rc), err.field[0] ? " at " : "", err.field, err.message);
	sc_buf_free(&in);
	sc_buf_free(&out);
	sc_arena_free(a);
	return rc == FN_OK ? 0 : 1;
}

