/* crypto.h - the client's at-rest sealing (AES-256-GCM), its CSPRNG and note ids. */
#ifndef FN_CLIENT_CRYPTO_H
#define FN_CLIENT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A sealed record: version(1) nonce(12) ciphertext tag(16). */
#define CR_VERSION 1
#define CR_NONCE 12
#define CR_TAG 16
#define CR_OVERHEAD (1 + CR_NONCE + CR_TAG)

/* One per handle. The mbedTLS contexts live behind `s`, defined in crypto.c
 * only, so that no other file sees mbedTLS through this header. The DRBG
 * locks itself (MBEDTLS_THREADING_C), so the TLS layer may draw from it
 * while another thread seals; the GCM context is used under the handle's
 * mutex only. */
struct cr_state;
struct cr {
	struct cr_state *s; /* NULL until fni_cr_init, and after fni_cr_free */
};

/* Seeds the DRBG from the OS and keys GCM with the 32-byte key (the key
 * itself is not kept: only GCM's schedule, wiped by fni_cr_free). FN_OK or
 * FN_INTERNAL with the mbedTLS code in detail (256 bytes). */
int fni_cr_init(struct cr *c, const unsigned char key[32], char *detail);
void fni_cr_free(struct cr *c);

/* n bytes from the CSPRNG. FN_OK or FN_INTERNAL. */
int fni_cr_random(struct cr *c, void *buf, size_t n);

/* Appends the sealed form of pt (n bytes), bound to aad, to out: a fresh
 * random nonce each time. FN_OK, FN_NO_MEMORY, FN_INTERNAL. */
int fni_cr_seal(struct cr *c, const void *aad, size_t aadn, const void *pt, size_t n, struct sc_buf *out);

/* Opens a sealed record into out (appended; n - CR_OVERHEAD bytes).
 * FN_WRONG_KEY when the tag does not verify (wrong key, damage, or a record
 * moved to another slot), or the record is too short or of an unknown
 * version; FN_NO_MEMORY. */
int fni_cr_open(struct cr *c, const void *aad, size_t aadn, const void *sealed, size_t n, struct sc_buf *out);

/* A ULID: 48-bit milliseconds then 80 random bits, 26 characters of
 * Crockford base32 and a NUL. Sorts by time, so the outbox (keyed by id)
 * is sent oldest first. FN_OK or FN_INTERNAL. */
int fni_cr_ulid(struct cr *c, int64_t unix_ms, char out[27]);

/* A ULID for unix_ms that sorts after `last` (a ULID made here, or NULL):
 * a fresh one when it does, else last + 1, so ids made in one millisecond
 * (or under a clock set back) still increase. FN_OK or FN_INTERNAL. */
int fni_cr_ulid_after(struct cr *c, int64_t unix_ms, const char *last, char out[27]);

/* Overwrites n bytes in a way the compiler keeps. */
void fni_cr_wipe(void *p, size_t n);

/* Wipes all of b's capacity (plaintext may lie past b->n), then frees it
 * as sc_buf_free does. b may be empty. */
void fni_cr_buf_free(struct sc_buf *b);

#endif
