/* config.c - the settings table: names, types, defaults and help text. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "status.h"

enum ctype { C_STR, C_UINT, C_SIZE, C_BOOL, C_I64, C_U32, C_LEVEL };

struct setting {
	const char *name;
	enum ctype type;
	size_t offset, size;
	const char *def;
	const char *help;
};

#define S(name, type, member, def, help) \
	{name, type, offsetof(struct config, member), sizeof(((struct config *)0)->member), def, help}

static const struct setting settings[] = {
	S("data", C_STR, data_dir, "var/data", "store directory"),
	S("listen", C_STR, listen, "127.0.0.1:8443", "[HOST]:PORT to serve HTTPS on; no host means 127.0.0.1, [V6]:PORT for IPv6"),
	S("cert", C_STR, cert, "certs/dev/server.crt", "PEM server certificate (chain)"),
	S("key", C_STR, key, "certs/dev/server.key", "PEM private key (mode 600)"),
	S("device_ca", C_STR, device_ca, "", "PEM CA for device client certificates; empty: none required"),
	S("threads", C_UINT, threads, "128", "worker threads (each serves one connection at a time; idle keep-alive connections give theirs up when others wait)"),
	S("request_timeout_ms", C_UINT, request_timeout_ms, "15000", "longest wait for a client to read or send more; slow clients are cut off"),
	S("request_deadline_ms", C_UINT, request_deadline_ms, "10000", "a request's headers and body must arrive within this time of its first byte, or the connection is closed"),
	S("first_byte_timeout_ms", C_UINT, first_byte_timeout_ms, "3000", "a new connection that sends nothing for this long is closed (it holds no worker meanwhile)"),
	S("handshake_timeout_ms", C_UINT, handshake_timeout_ms, "5000", "longest TLS handshake, from the client's first byte"),
	S("max_conns_per_address", C_UINT, max_conns_per_address, "64", "most connections open at once from one client address (0: no limit)"),
	S("max_body", C_SIZE, max_body, "1048576", "largest request body accepted, in bytes"),
	S("access_log", C_BOOL, access_log, "yes", "one JSON line per request on stderr (request id, method, route template, status, duration, user, device, address)"),
	S("log_level", C_LEVEL, log_level, "info", "least severe log lines written: error, warn, info (requests) or debug"),
	S("metrics_token", C_STR, metrics_token, "", "bearer token GET /metrics requires (Prometheus: authorization credentials); empty: /metrics answers 404"),
	S("argon2_memory_kib", C_U32, auth.argon_m_kib, "19456", "Argon2id memory cost in KiB (19 MiB)"),
	S("argon2_passes", C_U32, auth.argon_t, "2", "Argon2id passes"),
	S("argon2_lanes", C_U32, auth.argon_p, "1", "Argon2id lanes"),
	S("token_ttl", C_I64, auth.token_ttl, "43200", "session token lifetime in seconds (12 hours)"),
	S("token_idle", C_I64, auth.token_idle, "7200", "a session unused this many seconds ends (2 hours)"),
	S("login_window", C_I64, login.window, "900", "seconds over which failed sign-ins per account and per address are counted"),
	S("login_free_failures", C_UINT, login.pair_free, "3", "failed sign-ins to one account from one address before backoff (1 s, doubling)"),
	S("login_backoff_max", C_I64, login.backoff_max, "900", "longest backoff for one account from one address, in seconds"),
	S("login_max_failures", C_UINT, login.account_max, "10", "failed sign-ins per account from all addresses per window"),
	S("login_address_failures", C_UINT, login.address_max, "100", "failed sign-ins per address per window (devices that signed in to the account before are let through)"),
	S("login_max_successes", C_UINT, login.success_max, "30", "successful sign-ins per account per login_success_window (each costs an Argon2 hash)"),
	S("login_success_window", C_I64, login.success_window, "60", "seconds over which successful sign-ins are counted"),
	S("login_table_slots", C_UINT, login.slots, "65536", "sign-in counters kept in memory; when full, new sign-ins are refused (429)"),
	S("admin_reads_notes", C_BOOL, rules.admin_reads_notes, "no", "let admins read notes (every read is audited)"),
	S("max_batch", C_UINT, max_batch, "100", "most notes in one upload"),
	S("clock_skew", C_I64, rules.max_skew, "600", "seconds a device clock may run ahead of the server's"),
	S("mash_short_days", C_I64, rules.mash_short_days, "183", "MASH rule: the short window in days (6 months)"),
	S("mash_short_count", C_I64, rules.mash_short_count, "2", "MASH rule: contacts in the short window"),
	S("mash_long_days", C_I64, rules.mash_long_days, "365", "MASH rule: the long window in days (12 months)"),
	S("mash_long_count", C_I64, rules.mash_long_count, "3", "MASH rule: contacts in the long window"),
	S("referral_outcome_days", C_I64, rules.referral_outcome_days, "14", "flag a referral without an outcome from its agency after this many days"),
	S("referral_routes", C_STR, sharing.routes, "vprf:mash,mash:mash,early_help:early_help,camhs:camhs,other:mash", "which agency receives each referral type (TYPE:AGENCY,...; every type must have one; partners sign in with that agency)"),
	S("referral_ack_hours", C_I64, sharing.ack_hours, "24", "flag a referral its agency has not acknowledged after this many hours"),
	S("review_hours", C_I64, rules.review_hours, "72", "review deadline in hours"),
	S("review_hours_risk", C_I64, rules.review_hours_risk, "24", "review deadline when the note shows risk (self-harm, s136, referral)"),
	S("map_size", C_SIZE, map_size, "1073741824", "initial size of the store's map in bytes (1 GiB); it doubles as needed"),
	S("map_max", C_SIZE, map_max, "1099511627776", "the store's map grows no further (1 TiB); then writes answer 507 STORE_FULL"),
	S("store_reserve", C_SIZE, store_reserve, "67108864", "free disk kept for sign-ins and audit entries (64 MiB): below it uploads answer 507 STORE_FULL"),
	S("write_quota_daily", C_SIZE, write_quota_daily, "33554432", "bytes of notes one user may store per UTC day (32 MiB); 0: no quota; past it 429 QUOTA_EXCEEDED"),
	S("escalation_stage1_hours", C_I64, rules.escalation_stage1_hours, "72", "escalation stage 1 (team manager) must be resolved or advanced within this many hours"),
	S("escalation_stage2_hours", C_I64, rules.escalation_stage2_hours, "120", "escalation stage 2 (head of service) deadline in hours"),
	S("escalation_stage3_hours", C_I64, rules.escalation_stage3_hours, "168", "escalation stage 3 (safeguarding partnership) deadline in hours"),
	S("max_due_days", C_I64, rules.max_due_days, "730", "latest due time of a note's action, in days from now (2 years)"),
	S("max_body_session", C_SIZE, max_body_session, "4096", "largest sign-in body (POST /v1/session), in bytes"),
	S("attachment_types", C_STR, attachment_types, "image/jpeg,image/png,application/pdf", "attachment types allowed, judged by content (of image/jpeg, image/png, application/pdf)"),
	S("attachment_max_bytes", C_SIZE, attachment_max_bytes, "10485760", "largest attachment, as uploaded (10 MiB); larger: 413"),
	S("attachment_note_max_bytes", C_SIZE, attachment_note_max_bytes, "31457280", "most bytes of attachments on one note (30 MiB); more: 413"),
	S("attachment_user_quota", C_SIZE, attachment_user_quota, "1073741824", "bytes of attachments one user may hold, stored and uploading (1 GiB); 0: no quota; past it 413"),
	S("upload_expiry_hours", C_UINT, upload_expiry_hours, "24", "an unfinished attachment upload is deleted this many hours after it was created (tus Upload-Expires), and its reserved quota given back; 0: never"),
	S("attachment_chunk_max", C_SIZE, attachment_chunk_max, "4194304", "largest upload chunk (one PATCH body, 4 MiB)"),
	S("max_values", C_SIZE, max_values, "50000", "most JSON values or msgpack items in one body, counted before parsing"),
	S("retention_days", C_I64, retention.days, "2555", "fieldnote retention run deletes a reviewed note (accepted, returned or escalated) this many days after its last revision or review (7 years); 0: never"),
	S("retention_days_unreviewed", C_I64, retention.days_unreviewed, "0", "the same for a note no supervisor has reviewed; 0 (the default): kept until reviewed, since deleting an unread record of a child would hide it"),
	S("retention_batch", C_UINT, retention.batch, "100", "notes deleted per write transaction by fieldnote retention run (a serving server's writes wait at most one batch)"),
};

#define NSETTINGS (sizeof settings / sizeof settings[0])

static int parse_uint(const char *v, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)*v))
		return -1;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || *end || x > max)
		return -1;
	*out = x;
	return 0;
}

int config_set(struct config *c, const char *key, const char *value, struct sc_error *err)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		if (strcmp(s->name, key) != 0)
			continue;
		char *dst = (char *)c + s->offset;
		unsigned long long x = 0;
		switch (s->type) {
		case C_STR:
			if (strlen(value) >= s->size)
				return sc_error_set(err, FN_BAD_ARGUMENT, key, "%s: value too long", key);
			strcpy(dst, value);
			return FN_OK;
		case C_BOOL:
			if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1"))
				*(int *)dst = 1;
			else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0"))
				*(int *)dst = 0;
			else
				break;
			return FN_OK;
		case C_UINT:
			if (parse_uint(value, UINT32_MAX, &x) != 0)
				break;
			*(unsigned *)dst = (unsigned)x;
			return FN_OK;
		case C_U32:
			if (parse_uint(value, UINT32_MAX, &x) != 0)
				break;
			*(uint32_t *)dst = (uint32_t)x;
			return FN_OK;
		case C_SIZE:
			if (parse_uint(value, SIZE_MAX, &x) != 0)
				break;
			*(size_t *)dst = (size_t)x;
			return FN_OK;
		case C_LEVEL:
			for (int l = 0; l < 4; l++)
				if (!strcmp(value, log_level_names[l])) {
					*(int *)dst = l;
					return FN_OK;
				}
			return sc_error_set(err, FN_BAD_ARGUMENT, key, "%s: '%s' is not one of error, warn, info, debug",
			                    key, value);
		case C_I64:
			if (parse_uint(value, INT64_MAX, &x) != 0)
				break;
			*(int64_t *)dst = (int64_t)x;
			return FN_OK;
		}
		return sc_error_set(err, FN_BAD_ARGUMENT, key, "%s: '%s' is not a valid %s", key, value,
		                    s->type == C_BOOL ? "yes/no" : "number");
	}
	return sc_error_set(err, FN_BAD_ARGUMENT, key, "unknown setting '%s' (see fieldnote serve --help)", key);
}

/* Under systemd (fieldnote.service) the relative defaults become absolute:
 * the store under StateDirectory, the certificate and key from
 * LoadCredential (a private copy only the service can read). */
static void service_defaults(struct config *c)
{
	const char *state = getenv("STATE_DIRECTORY"), *cred = getenv("CREDENTIALS_DIRECTORY");
	if (state && state[0] == '/') {
		size_t n = strcspn(state, ":"); /* several directories: the first */
		snprintf(c->data_dir, sizeof c->data_dir, "%.*s/data", (int)n, state);
	}
	if (cred && cred[0] == '/') {
		snprintf(c->cert, sizeof c->cert, "%s/server.crt", cred);
		snprintf(c->key, sizeof c->key, "%s/server.key", cred);
	}
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NSETTINGS; i++)
		config_set(c, settings[i].name, settings[i].def, NULL);
	service_defaults(c);
}

/* The value after '=': quoted ("..." or '...', taken as written, '#'
 * included) or bare (up to an unquoted '#', trailing blanks trimmed).
 * NULL, with *err, when a quote is unterminated or followed by text. */
static char *parse_value(char *v, struct sc_error *err)
{
	char *end;
	while (isspace((unsigned char)*v))
		v++;
	if (*v == '"' || *v == '\'') {
		char *close = strchr(v + 1, *v);
		if (!close) {
			sc_error_set(err, FN_BAD_ARGUMENT, NULL, "unterminated %c quote", *v);
			return NULL;
		}
		*close = 0;
		for (end = close + 1; isspace((unsigned char)*end); end++)
			;
		if (*end && *end != '#') {
			sc_error_set(err, FN_BAD_ARGUMENT, NULL, "unexpected text after the quoted value");
			return NULL;
		}
		return v + 1;
	}
	end = strchr(v, '#');
	if (!end)
		end = v + strlen(v);
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	*end = 0;
	return v;
}

static int find_setting(const char *key)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, key) == 0)
			return (int)i;
	return -1;
}

/* One "key = value" line; `first` holds the line each setting was first
 * set on, so that a repeated key names both lines. */
static int load_line(struct config *c, char *p, int lineno, int *first, struct sc_error *err)
{
	char *eq, *end;
	if (!(eq = strchr(p, '=')))
		return sc_error_set(err, FN_BAD_ARGUMENT, NULL, "expected 'key = value'");
	for (end = eq; end > p && isspace((unsigned char)end[-1]); end--)
		;
	*end = 0;
	char *v = parse_value(eq + 1, err);
	if (!v)
		return FN_BAD_ARGUMENT;
	int k = find_setting(p);
	if (k >= 0 && first[k])
		return sc_error_set(err, FN_BAD_ARGUMENT, p, "'%.64s' is set twice (line %d and line %d); keep one", p,
		                    first[k], lineno);
	if (config_set(c, p, v, err) != FN_OK)
		return FN_BAD_ARGUMENT;
	first[k] = lineno;
	return FN_OK;
}

int config_load(struct config *c, const char *path, struct sc_error *err)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	struct sc_error why = {0};
	int lineno = 0, first[NSETTINGS] = {0};

	if (!f)
		return sc_error_set(err, FN_IO_ERROR, NULL, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '#' || *p == 0)
			continue;
		if (load_line(c, p, lineno, first, &why) != FN_OK) {
			sc_error_set(err, FN_BAD_ARGUMENT, why.field, "%.150s:%d: %s", path, lineno, why.message);
			fclose(f);
			return FN_BAD_ARGUMENT;
		}
	}
	fclose(f);
	return FN_OK;
}

void config_help(FILE *out)
{
	fprintf(out, "Settings (in a --config file as 'name = value', or as --name VALUE):\n");
	for (size_t i = 0; i < NSETTINGS; i++)
		fprintf(out, "  %-20s %s (default: %s)\n", settings[i].name, settings[i].help,
		        *settings[i].def ? settings[i].def : "none");
}

/* The sample file: every setting commented out at its default, so that a
 * copy changes nothing until a line is uncommented. Made from the table,
 * so it cannot drift from the code. */
void config_sample(FILE *out)
{
	fprintf(out, "# fieldnote.conf - settings for fieldnote serve (fieldnote serve --config FILE).\n"
	             "# One 'name = value' per line; '#' starts a comment; quote a value (\"...\" or '...')\n"
	             "# to keep a '#' or leading spaces in it. Each setting may appear once.\n"
	             "# Command-line flags (--name VALUE) override this file.\n");
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *d = settings[i].def;
		int quote = !*d || strpbrk(d, " #'\"") != NULL;
		fprintf(out, "\n# %s\n#%s = %s%s%s\n", settings[i].help, settings[i].name, quote ? "\"" : "", d,
		        quote ? "\"" : "");
	}
}

/* The settings as roff (.TP paragraphs) for fieldnote.conf(5). */
void config_roff(FILE *out)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		fprintf(out, ".TP\n.B %s\n", settings[i].name);
		for (const char *p = settings[i].help; *p; p++)
			fputs(*p == '\\' ? "\\e" : *p == '-' ? "\\-" : (char[2]){*p, 0}, out);
		fprintf(out, "\n(default: %s)\n", *settings[i].def ? settings[i].def : "empty");
	}
}
