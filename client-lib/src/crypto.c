/* crypto.c - AES-256-GCM sealing of stored records, the CSPRNG, ULIDs. */
#include "crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>

#include "status.h"

static const char personal[] = "libfieldnote store v1";

/* The mbedTLS side of struct cr (crypto.h), kept out of the header. */
struct cr_state {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_gcm_context gcm;
};

int fni_cr_init(struct cr *c, const unsigned char key[32], char *detail)
{
	int rc;

	memset(c, 0, sizeof *c);
	if (!(c->s = calloc(1, sizeof *c->s))) {
		snprintf(detail, 256, "cannot set up encryption: out of memory");
		return FN_NO_MEMORY;
	}
	mbedtls_entropy_init(&c->s->entropy);
	mbedtls_ctr_drbg_init(&c->s->drbg);
	mbedtls_gcm_init(&c->s->gcm);
	rc = mbedtls_ctr_drbg_seed(&c->s->drbg, mbedtls_entropy_func, &c->s->entropy,
	                           (const unsigned char *)personal, sizeof personal - 1);
	if (rc == 0)
		rc = mbedtls_gcm_setkey(&c->s->gcm, MBEDTLS_CIPHER_ID_AES, key, 256);
	if (rc != 0) {
		char e[128];
		mbedtls_strerror(rc, e, sizeof e);
		snprintf(detail, 256, "cannot set up encryption: %s (-0x%04x)", e, (unsigned)-rc);
		return FN_INTERNAL;
	}
	return FN_OK;
}

void fni_cr_free(struct cr *c)
{
	if (!c->s)
		return;
	mbedtls_gcm_free(&c->s->gcm);
	mbedtls_ctr_drbg_free(&c->s->drbg);
	mbedtls_entropy_free(&c->s->entropy);
	fni_cr_wipe(c->s, sizeof *c->s);
	free(c->s);
	c->s = NULL;
}

int fni_cr_random(struct cr *c, void *buf, size_t n)
{
	unsigned char *p = buf;
	/* The DRBG hands out at most MBEDTLS_CTR_DRBG_MAX_REQUEST per call. */
	while (n) {
		size_t k = n > MBEDTLS_CTR_DRBG_MAX_REQUEST ? MBEDTLS_CTR_DRBG_MAX_REQUEST : n;
		if (mbedtls_ctr_drbg_random(&c->s->drbg, p, k) != 0)
			return FN_INTERNAL;
		p += k;
		n -= k;
	}
	return FN_OK;
}

/* Grows out by n bytes and returns where they start (NULL on ENOMEM). */
static unsigned char *grow(struct sc_buf *out, size_t n)
{
	size_t at = out->n;
	static const unsigned char zero[64];
	while (n) {
		size_t k = n > sizeof zero ? sizeof zero : n;
		if (sc_buf_append(out, zero, k) != 0)
			return NULL;
		n -= k;
	}
	return (unsigned char *)out->p + at;
}

int fni_cr_seal(struct cr *c, const void *aad, size_t aadn, const void *pt, size_t n, struct sc_buf *out)
{
	size_t at = out->n;
	unsigned char *p = grow(out, CR_OVERHEAD + n);
	if (!p)
		return FN_NO_MEMORY;
	p[0] = CR_VERSION;
	if (fni_cr_random(c, p + 1, CR_NONCE) != FN_OK)
		goto fail;
	if (mbedtls_gcm_crypt_and_tag(&c->s->gcm, MBEDTLS_GCM_ENCRYPT, n, p + 1, CR_NONCE, aad, aadn, pt,
	                              p + 1 + CR_NONCE, CR_TAG, p + 1 + CR_NONCE + n) != 0)
		goto fail;
	return FN_OK;
fail:
	out->n = at;
	return FN_INTERNAL;
}

int fni_cr_open(struct cr *c, const void *aad, size_t aadn, const void *sealed, size_t n, struct sc_buf *out)
{
	const unsigned char *s = sealed;
	if (n < CR_OVERHEAD || s[0] != CR_VERSION)
		return FN_WRONG_KEY;
	size_t len = n - CR_OVERHEAD, at = out->n;
	unsigned char *p = grow(out, len);
	if (!p)
		return FN_NO_MEMORY;
	int rc = mbedtls_gcm_auth_decrypt(&c->s->gcm, len, s + 1, CR_NONCE, aad, aadn, s + 1 + CR_NONCE + len,
	                                  CR_TAG, s + 1 + CR_NONCE, p);
	if (rc != 0) {
		out->n = at;
		return FN_WRONG_KEY;
	}
	return FN_OK;
}

int fni_cr_ulid(struct cr *c, int64_t unix_ms, char out[27])
{
	static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	unsigned char r[10];
	uint64_t t = unix_ms < 0 ? 0 : (uint64_t)unix_ms & 0xffffffffffffull;

	if (fni_cr_random(c, r, sizeof r) != FN_OK)
		return FN_INTERNAL;
	/* 10 characters of time (50 bits, the top two zero), 16 of randomness. */
	for (int i = 9; i >= 0; i--) {
		out[i] = b32[t & 31];
		t >>= 5;
	}
	uint64_t hi = 0, lo = 0;
	for (int i = 0; i < 5; i++)
		hi = hi << 8 | r[i];
	for (int i = 5; i < 10; i++)
		lo = lo << 8 | r[i];
	for (int i = 17; i >= 10; i--) {
		out[i] = b32[hi & 31];
		hi >>= 5;
	}
	for (int i = 25; i >= 18; i--) {
		out[i] = b32[lo & 31];
		lo >>= 5;
	}
	out[26] = 0;
	fni_cr_wipe(r, sizeof r);
	return FN_OK;
}

int fni_cr_ulid_after(struct cr *c, int64_t unix_ms, const char *last, char out[27])
{
	static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	int rc = fni_cr_ulid(c, unix_ms, out);
	if (rc != FN_OK || !last || strlen(last) != 26 || strcmp(out, last) > 0)
		return rc;
	/* Same millisecond (or a clock gone back): the last id plus one, as
	 * the ULID spec's monotonic mode does. A carry out of the random part
	 * moves into the time part, which keeps the order. */
	memcpy(out, last, 27);
	for (int i = 25; i >= 0; i--) {
		const char *d = strchr(b32, out[i]);
		if (!d || !*d)
			return FN_INTERNAL; /* not Crockford base32: not an id we made */
		if (d[1]) {
			out[i] = d[1];
			return FN_OK;
		}
		out[i] = '0';
	}
	return FN_INTERNAL; /* 2^128 ids: cannot happen */
}

void fni_cr_wipe(void *p, size_t n)
{
	mbedtls_platform_zeroize(p, n);
}

void fni_cr_buf_free(struct sc_buf *b)
{
	if (b->p)
		fni_cr_wipe(b->p, b->cap);
	sc_buf_free(b);
}
