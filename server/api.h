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
/* api_admin.c: the user and device lists for an admin console */
int api_admin_users(struct http_req *r);
int api_admin_devices(struct http_req *r);
int api_admin_user_password(struct http_req *r);
int api_admin_guidance(struct http_req *r);
int api_admin_guidance_withdraw(struct http_req *r);
int api_get_note(struct http_req *r);
int api_get_queue(struct http_req *r);
int api_post_review(struct http_req *r);
int api_get_feedback(struct http_req *r);
int api_get_contacts(struct http_req *r);
int api_get_escalations(struct http_req *r);
int api_post_escalation_advance(struct http_req *r);
int api_post_escalation_resolve(struct http_req *r);
/* api_retention.c */
int api_get_holds(struct http_req *r);
int api_post_hold(struct http_req *r);
int api_delete_hold(struct http_req *r);
int api_get_child_export(struct http_req *r);
/* api_guidance.c */
int api_get_guidance_doc(struct http_req *r);
int api_get_guidance_sync(struct http_req *r);

/* api_metrics.c: GET /metrics, 404 unless the metrics_token setting is
 * set, 401 unless the request carries it as a bearer token. */
int api_get_metrics(struct http_req *r);
/* api_sharing.c: partners' referrals */
int api_get_referrals(struct http_req *r);
int api_post_referral_receipt(struct http_req *r);
int api_post_referral_outcome(struct http_req *r);
int api_get_enquiries(struct http_req *r);
int api_post_enquiry_request(struct http_req *r);
int api_post_enquiry_contribution(struct http_req *r);
int api_post_enquiry_decision(struct http_req *r);
/* Adds the author's referral updates after `since` to a feedback page of
 * reviews (one cursor for both). */
int api_sharing_feedback(struct http_req *r, struct store_txn *t, uint64_t since, size_t limit,
                         struct sc_feedback_page *page);
/* api_attach.c */
int api_options_uploads(struct http_req *r);
int api_post_upload(struct http_req *r);
int api_head_upload(struct http_req *r);
int api_patch_upload(struct http_req *r);
int api_delete_upload(struct http_req *r);
int api_get_attachment(struct http_req *r);

#endif
