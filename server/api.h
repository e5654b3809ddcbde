/* api.h - the v1 route table. */
#ifndef FN_API_H
#define FN_API_H

#include <stddef.h>

#include "http.h"

/* The one table of every route and who may call it (api.c). */
extern const struct http_route api_routes[];
extern const size_t api_nroutes;

struct app;
/* Writes the summaries of refused sign-ins still counted in memory to the
 * audit log: call once no request is being served, before closing. */
void api_session_flush(struct app *app);

/* Handlers defined outside api.c. */
int api_post_notes(struct http_req *r);
int api_get_note(struct http_req *r);
int api_get_queue(struct http_req *r);
int api_post_review(struct http_req *r);
int api_get_feedback(struct http_req *r);
int api_get_contacts(struct http_req *r);
/* api_attach.c */
int api_options_uploads(struct http_req *r);
int api_post_upload(struct http_req *r);
int api_head_upload(struct http_req *r);
int api_patch_upload(struct http_req *r);
int api_get_attachment(struct http_req *r);

#endif
