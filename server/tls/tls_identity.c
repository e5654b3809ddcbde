/* tls_identity.c - the client identity behind tls_peer_identity(): the
 * subject CN of a verified client certificate, kept in thread-local
 * storage, and carried inside session tickets so that a resumed session,
 * which in TLS 1.3 has no certificate, keeps its identity. */
#include "tls_adapter.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The client identity appended to session tickets (see tls_ticket_write):
 * nonce, GCM tag and a one-byte identity length. */
#define TLS_ID_NONCE 12
#define TLS_ID_TAG 16
#define TLS_ID_OVERHEAD (TLS_ID_NONCE + TLS_ID_TAG + 1)

/* ---- client identity ---------------------------------------------------
 *
 * tls_peer_id is what tls_peer_identity() returns for the connection this
 * thread serves. tls_hs_id is scratch for the handshake in progress: the CN
 * of the client certificate once the chain verified, or the identity carried
 * in the session ticket being resumed. Both are cleared when a connection
 * starts and when it closes. */
static __thread char tls_peer_id[TLS_IDENTITY_MAX + 1];
static __thread char tls_hs_id[TLS_IDENTITY_MAX + 1];

const char *
tls_peer_identity(void)
{
	return tls_peer_id[0] != '\0' ? tls_peer_id : NULL;
}

void
tls_identity_clear(void)
{
	tls_peer_id[0] = '\0';
	tls_hs_id[0] = '\0';
}

/* Copies the subject CN of crt to out as a C string. Fails when there is no
 * CN, more than one, or one that is empty, too long or not printable ASCII:
 * the identity is used as a key and printed in logs, so it is not guessed. */
static int
tls_cn_copy(const mbedtls_x509_crt *crt, char *out, size_t outsz)
{
	const mbedtls_x509_name *n, *cn = NULL;
	size_t i;

	for (n = &crt->subject; n != NULL; n = n->next) {
		if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0) {
			if (cn != NULL) {
				return -1;
			}
			cn = n;
		}
	}
	if (cn == NULL || cn->val.len == 0 || cn->val.len >= outsz) {
		return -1;
	}
	for (i = 0; i < cn->val.len; i++) {
		if (cn->val.p[i] < 0x20 || cn->val.p[i] > 0x7e) {
			return -1;
		}
	}
	memcpy(out, cn->val.p, cn->val.len);
	out[cn->val.len] = '\0';
	return 0;
}

/* Chain verification callback, called from top to leaf (depth 0). A leaf
 * that verified but has no usable CN is rejected here, inside the
 * handshake, so the client gets an alert rather than a closed socket. */
int
tls_verify_cb(void *unused, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	(void)unused;
	if (depth == 0 && *flags == 0
	    && tls_cn_copy(crt, tls_hs_id, sizeof(tls_hs_id)) != 0) {
		tls_hs_id[0] = '\0';
		*flags |= MBEDTLS_X509_BADCERT_OTHER;
	}
	return 0;
}

/* After a successful handshake: set the connection's identity, or refuse
 * the connection when client certificates are required and none is known.
 * A TLS 1.2 resumption restores the peer certificate from the cache or the
 * ticket. A TLS 1.3 resumption has no certificate at all (mbedTLS does not
 * keep it in 1.3 tickets), so the identity comes from the ticket. */
int
tls_identity_take(const mbedtls_ssl_context *ssl, const struct tls_ctx *ctx)
{
	const mbedtls_x509_crt *peer;

	if (!ctx->verify_clients) {
		return 0;
	}
	if (mbedtls_ssl_get_verify_result(ssl) != 0) {
		return -1;
	}
	peer = mbedtls_ssl_get_peer_cert(ssl);
	if (peer != NULL) {
		return tls_cn_copy(peer, tls_peer_id, sizeof(tls_peer_id));
	}
	if (tls_hs_id[0] == '\0') {
		return -1;
	}
	memcpy(tls_peer_id, tls_hs_id, sizeof(tls_peer_id));
	return 0;
}


/* ---- session tickets carrying the identity -----------------------------
 *
 * Used only when client certificates are required. A ticket is mbedTLS's
 * own ticket followed by nonce || GCM(identity) || tag || identity length,
 * under id_key with the inner ticket as additional data: the identity stays
 * secret (tickets travel in clear in the next ClientHello) and cannot be
 * moved onto another ticket. The inner ticket keeps mbedTLS's key rotation
 * and expiry; id_key lives as long as the process, like the ticket keys. */
static int
tls_id_gcm(const struct tls_ctx *ctx, int mode, const unsigned char *nonce,
           const unsigned char *aad, size_t aad_len, const unsigned char *in,
           unsigned char *out, size_t len, unsigned char *tag)
{
	mbedtls_gcm_context gcm;
	int rc;

	mbedtls_gcm_init(&gcm);
	rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, ctx->id_key, 256);
	if (rc == 0 && mode == MBEDTLS_GCM_ENCRYPT) {
		rc = mbedtls_gcm_crypt_and_tag(&gcm, mode, len, nonce, TLS_ID_NONCE,
		                               aad, aad_len, in, out, TLS_ID_TAG, tag);
	} else if (rc == 0) {
		rc = mbedtls_gcm_auth_decrypt(&gcm, len, nonce, TLS_ID_NONCE, aad,
		                              aad_len, tag, TLS_ID_TAG, in, out);
	}
	mbedtls_gcm_free(&gcm);
	return rc;
}

int
tls_ticket_write(void *p_ctx, const mbedtls_ssl_session *session,
                 unsigned char *start, const unsigned char *end,
                 size_t *tlen, uint32_t *lifetime)
{
	struct tls_ctx *ctx = (struct tls_ctx *)p_ctx;
	size_t idlen = strlen(tls_hs_id), inner;
	unsigned char *q;
	int rc;

	if ((size_t)(end - start) < TLS_ID_OVERHEAD + idlen) {
		return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
	}
	rc = mbedtls_ssl_ticket_write(&ctx->ticket, session, start,
	                              end - TLS_ID_OVERHEAD - idlen, &inner,
	                              lifetime);
	if (rc != 0) {
		return rc;
	}
	q = start + inner;
	rc = mbedtls_ctr_drbg_random(&ctx->drbg, q, TLS_ID_NONCE);
	if (rc == 0) {
		rc = tls_id_gcm(ctx, MBEDTLS_GCM_ENCRYPT, q, start, inner,
		                (const unsigned char *)tls_hs_id, q + TLS_ID_NONCE,
		                idlen, q + TLS_ID_NONCE + idlen);
	}
	if (rc != 0) {
		return rc;
	}
	q[TLS_ID_NONCE + idlen + TLS_ID_TAG] = (unsigned char)idlen;
	*tlen = inner + TLS_ID_OVERHEAD + idlen;
	return 0;
}

int
tls_ticket_parse(void *p_ctx, mbedtls_ssl_session *session,
                 unsigned char *buf, size_t len)
{
	struct tls_ctx *ctx = (struct tls_ctx *)p_ctx;
	char id[TLS_IDENTITY_MAX + 1];
	size_t idlen, inner;
	unsigned char *q;
	int rc;

	/* A client may offer several tickets: only the last one parsed (the
	 * one mbedTLS goes on to use) may leave its identity behind. */
	tls_hs_id[0] = '\0';
	if (len < TLS_ID_OVERHEAD || len - TLS_ID_OVERHEAD < buf[len - 1]) {
		return MBEDTLS_ERR_SSL_INVALID_MAC;
	}
	idlen = buf[len - 1];
	inner = len - TLS_ID_OVERHEAD - idlen;
	q = buf + inner;
	if (tls_id_gcm(ctx, MBEDTLS_GCM_DECRYPT, q, buf, inner, q + TLS_ID_NONCE,
	               (unsigned char *)id, idlen, q + TLS_ID_NONCE + idlen)
	    != 0) {
		return MBEDTLS_ERR_SSL_INVALID_MAC;
	}
	/* only now: mbedtls_ssl_ticket_parse decrypts buf in place */
	rc = mbedtls_ssl_ticket_parse(&ctx->ticket, session, buf, inner);
	if (rc != 0) {
		return rc;
	}
	memcpy(tls_hs_id, id, idlen);
	tls_hs_id[idlen] = '\0';
	return 0;
}
