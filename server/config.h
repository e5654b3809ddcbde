/* config.h - server settings: defaults, a key = value file, flags. */
#ifndef FN_CONFIG_H
#define FN_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "auth.h"
#include "retention.h"
#include "referrals.h"
#include "rules.h"
#include "throttle.h"

struct config {
	char data_dir[1024];
	char listen[256];
	char cert[1024];
	char key[1024];
	char device_ca[1024];
	unsigned threads;
	unsigned request_timeout_ms;
	unsigned request_deadline_ms;
	unsigned first_byte_timeout_ms;
	unsigned handshake_timeout_ms;
	unsigned max_conns_per_address;
	size_t max_body;
	size_t max_body_session; /* POST /v1/session: a sign-in needs far less */
	size_t max_values;       /* sc_limits.max_values */
	int access_log;
	int log_level;            /* enum log_level (log.h) */
	char metrics_token[256];  /* empty: GET /metrics answers 404 */
	unsigned max_batch;
	size_t map_size, map_max, store_reserve;
	size_t write_quota_daily;
	struct retention_config retention; /* retention.h */
	/* attachments (attach.h) */
	char attachment_types[256];
	size_t attachment_max_bytes, attachment_note_max_bytes, attachment_user_quota, attachment_chunk_max;
	unsigned upload_expiry_hours;
	struct throttle_config login; /* sign-in throttling */
	struct auth_config auth;
	struct rules_config rules;
	/* outcome_days is rules.referral_outcome_days (one setting) */
	struct referrals_config sharing;
};


void config_defaults(struct config *c);
/* Sets one setting by its name (as in the file, e.g. "argon2_memory_kib").
 * FN_OK, or FN_BAD_ARGUMENT with *err (may be NULL) saying why, its field
 * the setting's name. */
int config_set(struct config *c, const char *key, const char *value, struct sc_error *err);
/* Reads "key = value" lines; '#' starts a comment. FN_IO_ERROR or
 * FN_BAD_ARGUMENT with *err (may be NULL) saying which line and why. */
int config_load(struct config *c, const char *path, struct sc_error *err);
/* Prints every setting, its default and meaning (for --help). */
void config_help(FILE *out);
/* A sample settings file with every setting commented out at its default. */
void config_sample(FILE *out);
/* The settings as roff paragraphs (for the fieldnote.conf(5) page). */
void config_roff(FILE *out);

#endif
