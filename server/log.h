/* log.h - the server's operational log lines on stderr: one JSON object per
 * line while `serve` runs (journald keeps each line as one entry), plain
 * "fieldnote: message" text for the commands an operator runs at a terminal.
 *
 * Thread safety: log_setup is called once, before any thread starts (main
 * for the mode, serve_run for the level); everything else may be called from
 * any thread. Each line is written with one fputs on a line-buffered stderr.
 * Never log note text, child references, passwords or tokens. */
#ifndef FN_LOG_H
#define FN_LOG_H

#include <stddef.h>

/* log_level: a line is written when its level <= the setting. Below
 * config (which reads the setting by these names), so that every module,
 * the store included, may log without depending on the settings. */
enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
extern const char *const log_level_names[4];

/* json: 1 for JSON lines (serve), 0 for plain text (the default).
 * level: lines of a level above it are dropped (config log_level). */
void log_setup(int json, int level);

/* 1 when a line of this level would be written. */
int log_enabled(int level);

/* Writes one line: in JSON {"time","level","event","message"}; in plain
 * text "fieldnote: message". event is a fixed snake_case name (not
 * escaped: callers pass literals); the message is printf-formatted, cut at
 * 512 bytes and escaped. */
void log_event(int level, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes the current time, RFC 3339 UTC with milliseconds
 * ("2026-11-30T18:20:01.123Z"), into out (at least 32 bytes). */
void log_time(char *out, size_t cap);

/* Appends s[0..len) as a quoted, escaped JSON string to out at *n (cap is
 * out's size; *n advances, out stays NUL-terminated; cut when full). */
void log_json_str(char *out, size_t cap, size_t *n, const char *s, size_t len);

#endif
