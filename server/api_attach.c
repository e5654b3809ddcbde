/* api_attach.c - v1 handlers for attachments: the tus 1.0 upload (core:
 * HEAD offset, PATCH chunk; extensions creation, checksum, termination,
 * expiration) under /v1/uploads, and reading one attachment of a note. */
#include <civetweb.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "app.h"
#include "attach.h"
#include "attach_format.h"
#include "clock.h"
#include "status.h"

#define TUS_HEADERS "Tus-Resumable: 1.0.0\r\nCache-Control: no-store\r\n"

/* tus 1.0: a request for another protocol version is refused. */
static int tus_version_ok(struct http_req *r)
{
	const char *v = http_header(r, "Tus-Resumable");
	if (v && strcmp(v, "1.0.0") == 0)
		return 1;
	http_send_error_hdr(r, FN_BAD_REQUEST, "Tus-Resumable", "Tus-Version: 1.0.0\r\n" TUS_HEADERS,
	                    "send Tus-Resumable: 1.0.0");
	return 0;
}

/* tus expiration: "Upload-Expires: <RFC 7231 IMF-fixdate>\r\n" into h
 * (64 bytes), or "" when the upload does not expire (finished, or 0). */
static const char *expires_hdr(int64_t at, char h[64])
{
	struct tm tm;
	time_t tt = (time_t)at;
	h[0] = 0;
	if (at > 0 && gmtime_r(&tt, &tm))
		strftime(h, 64, "Upload-Expires: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
	return h;
}

static struct sc_str str_of(const char *p, size_t n)
{
	return (struct sc_str){p ? p : "", p ? n : 0};
}

int api_options_uploads(struct http_req *r)
{
	char h[256];
	snprintf(h, sizeof h, "Tus-Version: 1.0.0\r\nTus-Extension: creation,checksum,termination,expiration\r\n"
	         "Tus-Checksum-Algorithm: sha256\r\nTus-Max-Size: %zu\r\n" TUS_HEADERS,
	         attach_limits_of(r->app->attach)->max_bytes);
	return http_send_bytes(r, 204, NULL, NULL, 0, h);
}

int api_post_upload(struct http_req *r)
{
	struct attach_meta m;
	uint64_t length, offset;
	char buf[1024], id[33], h[320], eh[64];
	struct sc_error err = {0};
	int64_t expires;
	int bad;

	if (!tus_version_ok(r))
		return r->status;
	if (attach_parse_u64(http_header(r, "Upload-Length"), UINT64_MAX / 2, &length) != 0)
		return http_send_error_hdr(r, FN_BAD_REQUEST, "Upload-Length", TUS_HEADERS,
		                           "Upload-Length must be the file's size in bytes (deferred lengths "
		                           "are not supported)");
	const char *meta = http_header(r, "Upload-Metadata");
	if (!meta || attach_parse_metadata(meta, buf, sizeof buf, &m, &bad) != 0)
		return http_send_error_hdr(r, FN_BAD_REQUEST, "Upload-Metadata", TUS_HEADERS,
		                           "Upload-Metadata must be key base64 pairs (item %d is not)", meta ? bad : 0);
	struct attach_new n = {r->who.user->username, r->who.device_id,
	                       str_of(m.v[ATTACH_META_NOTE_ID], m.n[ATTACH_META_NOTE_ID]),
	                       str_of(m.v[ATTACH_META_ID], m.n[ATTACH_META_ID]),
	                       str_of(m.v[ATTACH_META_SHA256], m.n[ATTACH_META_SHA256]),
	                       str_of(m.v[ATTACH_META_TYPE], m.n[ATTACH_META_TYPE]),
	                       str_of(m.v[ATTACH_META_CAPTION], m.n[ATTACH_META_CAPTION]), length};
	int rc = attach_upload_create(r->app->attach, &n, clock_now(), id, &offset, &expires, &err);
	/* tus replies carry TUS_HEADERS, which http_send_sc_error cannot add */
	if (rc != FN_OK)
		return http_send_error_hdr(r, rc, rc == FN_VALIDATION_FAILED ? "Upload-Metadata" : NULL, TUS_HEADERS,
		                           "%s", err.message[0] ? err.message : sc_status_message(rc));
	snprintf(h, sizeof h, "Location: /v1/uploads/%s\r\nUpload-Offset: %" PRIu64 "\r\n%s" TUS_HEADERS, id, offset,
	         expires_hdr(expires, eh));
	char body[128];
	int bn = snprintf(body, sizeof body, "{\"id\":\"%s\",\"offset\":%" PRIu64 "}", id, offset);
	return http_send_bytes(r, 201, "application/json", body, (size_t)bn, h);
}

/* GET and HEAD (dispatch serves HEAD as GET without the body). */
int api_head_upload(struct http_req *r)
{
	uint64_t offset, length;
	int64_t expires;
	char h[320], body[96], eh[64];
	int rc = attach_upload_state(r->app->attach, r->who.user->username, r->params[0], clock_now(), &offset,
	                             &length, &expires);
	if (rc == FN_NOT_FOUND)
		return http_send_error_hdr(r, rc, NULL, TUS_HEADERS, "no such upload of yours");
	if (rc != FN_OK)
		return http_send_error_hdr(r, rc, NULL, TUS_HEADERS, "cannot read the upload");
	snprintf(h, sizeof h, "Upload-Offset: %" PRIu64 "\r\nUpload-Length: %" PRIu64 "\r\n%s" TUS_HEADERS, offset,
	         length, expires_hdr(expires, eh));
	int bn = snprintf(body, sizeof body, "{\"offset\":%" PRIu64 ",\"length\":%" PRIu64 "}", offset, length);
	return http_send_bytes(r, 200, "application/json", body, (size_t)bn, h);
}

/* The chunk, read whole before anything is stored: its checksum covers all
 * of it, and a cut mid-chunk leaves the upload at its last offset. */
static int read_chunk(struct http_req *r, size_t cap, char **out, size_t *n)
{
	long long declared = r->ri->content_length;
	if (declared < 0)
		return http_send_error_hdr(r, FN_BAD_REQUEST, "Content-Length", TUS_HEADERS,
		                           "send the chunk with a Content-Length"), FN_BAD_REQUEST;
	if ((unsigned long long)declared > cap)
		return http_send_error_hdr(r, FN_PAYLOAD_TOO_LARGE, "Content-Length", TUS_HEADERS,
		                           "a chunk is at most %zu bytes (attachment_chunk_max)", cap),
		       FN_PAYLOAD_TOO_LARGE;
	char *buf = sc_arena_alloc(r->arena, (size_t)declared + 1);
	size_t got = 0;
	if (!buf)
		return http_send_error(r, FN_NO_MEMORY, NULL, "out of memory"), FN_NO_MEMORY;
	while (got < (size_t)declared) {
		int k = mg_read(r->conn, buf + got, (size_t)declared - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	if (got < (size_t)declared)
		return http_send_error_hdr(r, FN_BAD_REQUEST, NULL, TUS_HEADERS,
		                           "the chunk ended early; nothing of it was kept"), FN_BAD_REQUEST;
	*out = buf;
	*n = got;
	return FN_OK;
}

int api_patch_upload(struct http_req *r)
{
	uint64_t offset, now_at;
	int64_t expires;
	unsigned char digest[32];
	char h[224], eh[64], *chunk;
	struct sc_error err = {0};
	size_t n;
	const char *ct = http_header(r, "Content-Type");

	if (!tus_version_ok(r))
		return r->status;
	if (!ct || strcasecmp(ct, "application/offset+octet-stream") != 0)
		return http_send_error_hdr(r, FN_UNSUPPORTED_MEDIA_TYPE, "Content-Type", TUS_HEADERS,
		                           "Content-Type must be application/offset+octet-stream");
	if (attach_parse_u64(http_header(r, "Upload-Offset"), UINT64_MAX / 2, &offset) != 0)
		return http_send_error_hdr(r, FN_BAD_REQUEST, "Upload-Offset", TUS_HEADERS,
		                           "Upload-Offset must be a byte offset");
	if (attach_parse_checksum(http_header(r, "Upload-Checksum"), digest) != 0)
		return http_send_error_hdr(r, FN_BAD_REQUEST, "Upload-Checksum", TUS_HEADERS,
		                           "Upload-Checksum must be \"sha256\" and the chunk's base64 digest");
	if (read_chunk(r, attach_limits_of(r->app->attach)->chunk_max, &chunk, &n) != FN_OK)
		return r->status;
	int rc = attach_upload_append(r->app->attach, r->who.user->username, r->params[0], offset, chunk, n,
	                              digest, clock_now(), &now_at, &expires, &err);
	snprintf(h, sizeof h, "Upload-Offset: %" PRIu64 "\r\n%s" TUS_HEADERS, now_at, expires_hdr(expires, eh));
	if (rc == FN_OK)
		return http_send_bytes(r, 204, NULL, NULL, 0, h);
	if (rc == FN_NOT_FOUND)
		return http_send_error_hdr(r, rc, NULL, TUS_HEADERS, "no such upload of yours");
	return http_send_error_hdr(r, rc, rc == FN_VALIDATION_FAILED ? "Upload-Checksum" : NULL,
	                           rc == FN_CONFLICT ? h : TUS_HEADERS, "%s",
	                           err.message[0] ? err.message : sc_status_message(rc));
}

/* tus termination: the device that made an unfinished upload gives it up
 * (the user removed the photo before it went): its bytes and quota go. */
int api_delete_upload(struct http_req *r)
{
	if (!tus_version_ok(r))
		return r->status;
	int rc = attach_upload_delete(r->app->attach, r->who.user->username, r->who.device_id, r->params[0]);
	if (rc == FN_OK)
		return http_send_bytes(r, 204, NULL, NULL, 0, TUS_HEADERS);
	if (rc == FN_NOT_FOUND)
		return http_send_error_hdr(r, rc, NULL, TUS_HEADERS, "no such upload from this device");
	if (rc == FN_CONFLICT)
		return http_send_error_hdr(r, rc, NULL, TUS_HEADERS, "the upload is finished: the attachment goes "
		                           "with its note, not by itself");
	return http_send_error_hdr(r, rc, NULL, TUS_HEADERS, "cannot delete the upload");
}

/* An attachment is read under its note's rules (author, the team's
 * supervisor): the note view decides, and only the author's uploads are
 * the note's. Every read is audited before the bytes go out. */
int api_get_attachment(struct http_req *r)
{
	struct store_txn *t;
	struct sc_note_view view;
	struct sc_attachment_ref ref;
	struct sc_str bytes = {0};
	char *copy = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc = http_read_begin(r, &t);

	if (rc != FN_OK)
		return r->status;
	rc = notes_get(r->app->notes, t, &r->who, r->params[0], now, r->arena, &view);
	if (rc == FN_OK)
		rc = attach_read(r->app->attach, t, r->params[0], r->params[1], r->arena, &ref, &bytes);
	if (rc == FN_OK && (ref.owner.n != view.author.n || memcmp(ref.owner.p, view.author.p, ref.owner.n) != 0))
		rc = FN_NOT_FOUND;
	if (rc == FN_OK && !(copy = sc_arena_alloc(r->arena, bytes.n ? bytes.n : 1)))
		rc = FN_NO_MEMORY;
	if (rc == FN_OK)
		memcpy(copy, bytes.p, bytes.n);
	store_read_end(t);
	if (rc == FN_NOT_FOUND)
		return http_send_error(r, rc, NULL, "no such attachment on a note you may see");
	if (rc != FN_OK)
		return http_send_error(r, rc, NULL, "cannot read the attachment");
	char rec[140], ctype[80], h[400];
	int rn = snprintf(rec, sizeof rec, "%.*s/%.*s", (int)r->params[0].n, r->params[0].p, (int)r->params[1].n,
	                  r->params[1].p);
	struct audit_event ev = {"attachment.read", r->who.user->username, auth_role_name(r->who.role),
	                         r->who.device_id, {rec, (size_t)rn}, "ok", r->ri->remote_addr};
	if (audit_record(r->app->audit, &ev, now) != FN_OK)
		return http_send_error(r, FN_UNAVAILABLE, NULL, "cannot record this read; try again");
	snprintf(ctype, sizeof ctype, "%.*s", (int)ref.media_type.n, ref.media_type.p);
	/* no-store: a shared or lost device keeps no copy; the CSP and sandbox
	 * keep a PDF or a crafted image from running anything if opened alone */
	snprintf(h, sizeof h, "Cache-Control: no-store\r\nContent-Security-Policy: default-src 'none'; "
	         "img-src 'self'; sandbox\r\nContent-Disposition: %s\r\n"
	         "ETag: \"%.*s\"\r\n", strcmp(ctype, "application/pdf") == 0 ? "attachment" : "inline",
	         (int)ref.stored_sha256.n, ref.stored_sha256.p);
	return http_send_bytes(r, 200, ctype, copy, bytes.n, h);
}
