/* web.c - serves the supervisor's review page from the files built into the
 * binary (web_assets[], generated from server/web/), with a strict CSP. */
#include "web.h"

#include <civetweb.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "status.h"

/* The page loads only its own script and style and talks only to its own
 * origin; nothing inline, no frames, no forms posting anywhere. */
#define WEB_HEADERS \
	"Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; " \
	"connect-src 'self'; img-src 'self' blob:; base-uri 'none'; form-action 'none'; " \
	"frame-ancestors 'none'\r\n" \
	"X-Frame-Options: DENY\r\n" \
	"Referrer-Policy: no-referrer\r\n" \
	"Cache-Control: no-cache\r\n"

const struct web_asset *web_asset_find(const char *path)
{
	for (size_t i = 0; i < web_nassets; i++)
		if (strcmp(web_assets[i].path, path) == 0)
			return &web_assets[i];
	return NULL;
}

int web_serve(struct http_req *r)
{
	const char *path = r->ri->local_uri ? r->ri->local_uri : "";
	char headers[768];

	/* Relative links in the page (review.css, review.js) need the slash. */
	if (strcmp(path, "/review") == 0)
		return http_send_bytes(r, 308, "text/plain; charset=utf-8", NULL, 0,
		                       "Location: /review/\r\nCache-Control: no-cache\r\n");
	/* The site's root is the page a person types in; 302, not 308, so that
	 * browsers do not remember it should the root ever serve something. */
	if (strcmp(path, "/") == 0)
		return http_send_bytes(r, 302, "text/plain; charset=utf-8", NULL, 0,
		                       "Location: /review/\r\nCache-Control: no-cache\r\n");
	const struct web_asset *a = web_asset_find(path);
	if (!a)
		return http_send_error(r, FN_NOT_FOUND, NULL, "no such file in the review page");
	int n = snprintf(headers, sizeof headers, WEB_HEADERS "ETag: %s\r\n", a->etag);
	if (n < 0 || (size_t)n >= sizeof headers)
		return http_send_error(r, FN_INTERNAL, NULL, "reply header too long");
	if (http_not_modified(r, a->etag))
		return http_send_bytes(r, 304, a->content_type, NULL, 0, headers);
	return http_send_bytes(r, 200, a->content_type, a->bytes, a->length, headers);
}
