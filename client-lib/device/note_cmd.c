/* note_cmd.c - fieldnote-device's note add, amend and show: the note's JSON
 * from --json and the field flags. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"

/* Appends "key":"value" (a JSON string, escaped) or a raw JSON value. */
static void add_field(char **obj, size_t *n, const char *key, const char *val, int raw)
{
	size_t need = *n + strlen(key) + strlen(val) * 6 + 16;
	char *o = realloc(*obj, need);
	if (!o)
		return;
	*obj = o;
	*n += (size_t)sprintf(o + *n, "%s\"%s\":", *n > 1 ? "," : "", key);
	if (raw) {
		*n += (size_t)sprintf(o + *n, "%s", val);
		return;
	}
	o[(*n)++] = '"';
	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		if (*p == '"' || *p == '\\')
			*n += (size_t)sprintf(o + *n, "\\%c", *p);
		else if (*p < 0x20)
			*n += (size_t)sprintf(o + *n, "\\u%04x", *p);
		else
			o[(*n)++] = (char)*p;
	}
	o[(*n)++] = '"';
	o[*n] = 0;
}

static const struct {
	const char *flag, *key;
	int kind; /* 0 string, 1 yes/no, 2 integer */
} field_flags[] = {
	{"--child-ref", "child_ref", 0}, {"--context", "context", 0},
	{"--words", "child_words", 0}, {"--not-spoken", "not_spoken_reason", 0},
	{"--seen", "seen", 1}, {"--seen-alone", "seen_alone", 1},
	{"--not-alone-reason", "not_alone_reason", 0}, {"--occurred-at", "occurred_at", 2},
	{"--age-band", "age_band", 0}, {"--location", "location", 0},
	{"--wishes", "wishes_feelings", 0}, {"--demeanour", "demeanour", 0},
};

/* The note's JSON from --json and the field flags; NULL after a message. */
static char *note_json(int argc, char **argv)
{
	char *file = NULL, *obj = malloc(2);
	size_t n = 1;
	if (!obj)
		return NULL;
	strcpy(obj, "{");
	for (int i = 0; i < argc; i++) {
		if (i + 1 >= argc) {
			fprintf(stderr, "fieldnote-device: %s needs a value\n", argv[i]);
			goto fail;
		}
		if (!strcmp(argv[i], "--json")) {
			free(file);
			if (!(file = slurp(argv[++i])))
				goto fail;
			continue;
		}
		size_t f = 0;
		while (f < sizeof field_flags / sizeof field_flags[0] && strcmp(argv[i], field_flags[f].flag))
			f++;
		if (f == sizeof field_flags / sizeof field_flags[0]) {
			fprintf(stderr, "fieldnote-device: unknown note option %s (see note --help)\n", argv[i]);
			goto fail;
		}
		const char *v = argv[++i];
		if (field_flags[f].kind == 1) {
			if (strcmp(v, "yes") && strcmp(v, "no")) {
				fprintf(stderr, "fieldnote-device: %s takes yes or no\n", argv[i - 1]);
				goto fail;
			}
			add_field(&obj, &n, field_flags[f].key, !strcmp(v, "yes") ? "true" : "false", 1);
		} else if (field_flags[f].kind == 2) {
			if (!*v || strspn(v, "0123456789") != strlen(v)) {
				fprintf(stderr, "fieldnote-device: %s takes Unix seconds\n", argv[i - 1]);
				goto fail;
			}
			add_field(&obj, &n, field_flags[f].key, v, 1);
		} else {
			add_field(&obj, &n, field_flags[f].key, v, 0);
		}
	}
	if (!file) {
		char *o = realloc(obj, n + 2);
		if (!o)
			goto fail;
		strcpy(o + n, "}");
		return o;
	}
	/* Flags go in front of the file's own members. */
	char *brace = file + strspn(file, " \t\r\n");
	if (*brace != '{') {
		fprintf(stderr, "fieldnote-device: the --json file does not hold a JSON object\n");
		goto fail;
	}
	char *rest = brace + 1;
	int empty = rest[strspn(rest, " \t\r\n")] == '}';
	char *out = malloc(n + strlen(rest) + 3);
	if (!out)
		goto fail;
	sprintf(out, "%s%s%s", obj, n > 1 && !empty ? "," : "", rest);
	free(obj);
	free(file);
	return out;
fail:
	free(obj);
	free(file);
	return NULL;
}

int cmd_note(fn_client *c, int argc, char **argv)
{
	if (argc < 1)
		return usage_error("note: add, amend or show?");
	if (!strcmp(argv[0], "show")) {
		char *out;
		if (argc != 2)
			return usage_error("note show ID");
		return print_json(c, fn_note_get(c, argv[1], &out), &out, "note show");
	}
	int amend = !strcmp(argv[0], "amend");
	if (!amend && strcmp(argv[0], "add"))
		return usage_error("note: add, amend or show?");
	if (amend && argc < 2)
		return usage_error("note amend ID --json FILE");
	char *json = note_json(argc - 1 - amend, argv + 1 + amend);
	if (!json)
		return 2;
	int rc;
	if (amend) {
		int64_t rev;
		rc = fn_note_amend(c, argv[1], json, &rev);
		if (rc == 0)
			printf("%lld\n", (long long)rev);
	} else {
		char id[FN_ID_SIZE];
		rc = fn_note_save(c, json, id);
		if (rc == 0)
			puts(id);
	}
	free(json);
	return rc ? report(c, rc, amend ? "note amend" : "note add") : 0;
}
