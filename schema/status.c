/* status.c - names, messages and HTTP statuses of the codes in status.h. */
#include "status.h"

#include <stddef.h>

struct status_row {
	const char *name;
	const char *message;
	int http;
};

/* Indexed by number; designated initializers keep a gap (should one ever
 * appear) NULL rather than shifting every later row. */
static const struct status_row rows[] = {
#define X(n, v, h, m) [v] = { #n, m, h },
	FN_STATUS_LIST(X)
#undef X
};

static const struct status_row *row(int status)
{
	if (status < 0 || (size_t)status >= sizeof rows / sizeof rows[0])
		return NULL;
	if (!rows[status].name)
		return NULL;
	return &rows[status];
}

const char *sc_status_name(int status)
{
	const struct status_row *r = row(status);
	return r ? r->name : "UNKNOWN";
}

const char *sc_status_message(int status)
{
	const struct status_row *r = row(status);
	return r ? r->message : "unknown status";
}

int sc_status_http(int status)
{
	const struct status_row *r = row(status);
	return r && r->http ? r->http : 500;
}
