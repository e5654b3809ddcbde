/* device.h - what fieldnote-device's files share (main.c: options and commands; note_cmd.c: note; sync_cmd.c: sync). */
#ifndef FN_DEVICE_H
#define FN_DEVICE_H

#include "fieldnote.h"

/* Prints msg and the pointer to --help on stderr; returns 2. */
int usage_error(const char *msg);
/* A whole file (or stdin for "-") as a malloc'ed NUL-terminated string, or NULL. */
char *slurp(const char *path);
/* Prints the failure of call `what` with the handle's detail; returns 1. */
int report(fn_client *c, int rc, const char *what);
/* Prints (and frees) the JSON a call left in *json, or reports rc. */
int print_json(fn_client *c, int rc, char **json, const char *what);

/* note add [--json FILE] [field flags] | note amend ID ... | note show ID */
int cmd_note(fn_client *c, int argc, char **argv);

/* sync [--once] [--deadline-ms N] [--max-wait-ms N] */
int cmd_sync(fn_client *c, int argc, char **argv);

#endif
