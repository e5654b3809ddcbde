/* mkseeds.c - writes the fuzz seed corpus and dictionary at run time (tests/fuzz/run.sh).
 *
 *   mkseeds OUTDIR DICT FILE...
 *
 * Each FILE is NAME.msgpack or NAME.json holding one record of type NAME
 * (schema/vectors/, schema/examples/): it is written to OUTDIR with the
 * selector byte fuzz_decode.c reads prepended, (record index << 1) | format.
 * A note is also written wrapped as a note_batch {"notes": [note]}, which
 * drives sc_decode_items. DICT gets every field name and enum value, quoted
 * for JSON and as a msgpack str, in libFuzzer's dictionary format.
 * Needs only the tables (schema/records.c, server/stored.c), not the codecs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "stored.h"

#define REC_PTR(name) &sc_rec_##name,
static const struct sc_record *const recs[] = { SC_RECORDS(REC_PTR) SC_STORED_RECORDS(REC_PTR) };
#define NRECS (sizeof recs / sizeof recs[0])

static int rec_index(const char *name)
{
	for (size_t i = 0; i < NRECS; i++)
		if (strcmp(recs[i]->name, name) == 0)
			return (int)i;
	return -1;
}

static char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *p = malloc(cap);
	size_t k;
	while (p && (k = fread(p + len, 1, cap - len, f)) > 0) {
		len += k;
		if (len == cap) {
			char *q = realloc(p, cap *= 2);
			if (!q) {
				free(p);
				p = NULL;
			}
			p = q;
		}
	}
	fclose(f);
	*n = len;
	return p;
}

static int write_seed(const char *dir, const char *name, unsigned sel, const char *pre,
                      size_t npre, const char *body, size_t n, const char *post, size_t npost)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "mkseeds: %s: %s\n", path, strerror(errno));
		return -1;
	}
	unsigned char s = (unsigned char)sel;
	int bad = fwrite(&s, 1, 1, f) != 1 || fwrite(pre, 1, npre, f) != npre ||
	          fwrite(body, 1, n, f) != n || fwrite(post, 1, npost, f) != npost;
	if (fclose(f) || bad) {
		fprintf(stderr, "mkseeds: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

static void dict_entry(FILE *d, const char *pre, size_t npre, const char *s)
{
	fputs("\"", d);
	for (size_t i = 0; i < npre + strlen(s); i++) {
		unsigned char ch = (unsigned char)(i < npre ? pre[i] : s[i - npre]);
		if (ch == '"' || ch == '\\' || ch < 0x20 || ch >= 0x7f)
			fprintf(d, "\\x%02x", ch);
		else
			fputc(ch, d);
	}
	fputs("\"\n", d);
}

static void dict_word(FILE *d, const char *s)
{
	size_t n = strlen(s);
	fprintf(d, "\"\\\"");
	fputs(s, d); /* names and enum values are [a-z0-9_] */
	fprintf(d, "\\\"\"\n");
	if (n < 32) {
		char fix = (char)(0xa0 | n);
		dict_entry(d, &fix, 1, s);
	} else {
		char s8[2] = { (char)0xd9, (char)n };
		dict_entry(d, s8, 2, s);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mkseeds OUTDIR DICT FILE...\n");
		return 2;
	}
	const char *dir = argv[1];
	int written = 0;
	int batch = rec_index("note_batch");
	for (int i = 3; i < argc; i++) {
		const char *path = argv[i];
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		const char *dot = strrchr(base, '.');
		if (!dot)
			continue;
		int fmt;
		if (strcmp(dot, ".msgpack") == 0)
			fmt = 0;
		else if (strcmp(dot, ".json") == 0)
			fmt = 1;
		else
			continue;
		char name[256];
		snprintf(name, sizeof name, "%.*s", (int)(dot - base), base);
		int idx = rec_index(name);
		if (idx < 0) {
			fprintf(stderr, "mkseeds: %s: no record named %s; skipped\n", path, name);
			continue;
		}
		size_t n;
		char *body = read_all(path, &n);
		if (!body) {
			fprintf(stderr, "mkseeds: %s: cannot read\n", path);
			return 1;
		}
		/* the parent directory keeps vectors/note.json and examples/note.json apart */
		char parent[256] = "";
		if (base != path) {
			const char *end = base - 1, *start = end;
			while (start > path && start[-1] != '/')
				start--;
			snprintf(parent, sizeof parent, "%.*s_", (int)(end - start), start);
		}
		char out[600];
		snprintf(out, sizeof out, "%s%s", parent, base);
		if (write_seed(dir, out, (unsigned)(idx << 1 | fmt), "", 0, body, n, "", 0))
			return 1;
		written++;
		if (strcmp(name, "note") == 0 && batch >= 0) {
			snprintf(out, sizeof out, "%sbatch_%s", parent, base);
			int rc;
			if (fmt == 1)
				rc = write_seed(dir, out, (unsigned)(batch << 1 | 1), "{\"notes\":[", 10,
				                body, n, "]}", 2);
			else /* fixmap 1, fixstr "notes", fixarray 1 */
				rc = write_seed(dir, out, (unsigned)(batch << 1), "\x81\xa5notes\x91", 8,
				                body, n, "", 0);
			if (rc)
				return 1;
			written++;
		}
		free(body);
	}

	FILE *d = fopen(argv[2], "w");
	if (!d) {
		fprintf(stderr, "mkseeds: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	dict_word(d, "notes");
	for (size_t r = 0; r < NRECS; r++) {
		for (size_t i = 0; i < recs[r]->nfields; i++) {
			const struct sc_field *f = &recs[r]->fields[i];
			dict_word(d, f->name);
			for (size_t k = 0; f->enum_values && f->enum_values[k]; k++)
				dict_word(d, f->enum_values[k]);
		}
	}
	if (fclose(d))
		return 1;
	printf("%d seeds in %s\n", written, dir);
	return written ? 0 : 1;
}
