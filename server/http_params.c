/* http_params.c - request parameters several handlers read the same way:
 * path segments as C strings, the store's read transaction, integer query
 * parameters, If-None-Match against an entity tag. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "http.h"
#include "status.h"

int http_param_copy(const struct http_req *r, size_t i, char *out, size_t size)
{
	const struct sc_str *p = &r->params[i];
	if (p->n >= size)
		return -1;
	memcpy(out, p->p, p->n);
	out[p->n] = 0;
	return 0;
}

int http_read_begin(struct http_req *r, struct store_txn **t)
{
	int rc = store_read_begin(r->app->store, t);
	if (rc != FN_OK)
		http_send_error(r, rc, NULL, "the store is unavailable");
	return rc;
}

int http_query_u64(struct http_req *r, const char *name, uint64_t def, uint64_t max, uint64_t *out)
{
	const char *v = http_query(r, name);
	char *end;
	*out = def;
	if (!v)
		return FN_OK;
	if (*v < '0' || *v > '9')
		return FN_VALIDATION_FAILED;
	unsigned long long x = strtoull(v, &end, 10);
	if (*end || x > max)
		return FN_VALIDATION_FAILED;
	*out = x;
	return FN_OK;
}

/* If-None-Match is a list of entity tags (or "*"); the comparison is weak,
 * so W/"x" matches "x" (RFC 9110 13.1.2). */
int http_etag_listed(const char *inm, const char *etag)
{
	size_t en = strlen(etag);
	const char *p = inm;

	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		const char *end = p;
		if (*end == '"') {
			end = strchr(end + 1, '"');
			if (!end)
				return 0;
			end++;
		} else {
			end += strcspn(end, ", \t");
		}
		if ((size_t)(end - p) == en && memcmp(p, etag, en) == 0)
			return 1;
		p = end;
		p += strcspn(p, ",");
	}
	return 0;
}

int http_not_modified(struct http_req *r, const char *etag)
{
	const char *inm = http_header(r, "If-None-Match");
	return inm && http_etag_listed(inm, etag);
}
