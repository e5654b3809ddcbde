/* gcm_alt.h - the GCM context of mbedTLS 3.6 built with MBEDTLS_GCM_ALT:
 * AES-GCM and Camellia-GCM computed by libgcrypt (gcm_alt.c).
 *
 * mbedtls/gcm.h includes this file in place of its own context when the
 * configuration sets MBEDTLS_GCM_ALT; .ci/deps.sh installs it next to gcm.h
 * and compiles gcm_alt.c into libmbedcrypto.a, so everything that includes
 * mbedTLS's headers or links its library (server, client library, mbedTLS's
 * own test suites and programs) sees the same context. Anything linking
 * libmbedcrypto.a then needs -lgcrypt.
 *
 * The functions are mbedTLS's own (declared in mbedtls/gcm.h, same contract),
 * with these differences that the contract allows:
 * - mbedtls_gcm_setkey() allocates a libgcrypt handle; it fails with
 *   MBEDTLS_ERR_CIPHER_ALLOC_FAILED when memory runs out, and with
 *   MBEDTLS_ERR_CIPHER_FEATURE_UNAVAILABLE for a block cipher libgcrypt does
 *   not have (ARIA: the build leaves MBEDTLS_ARIA_C out).
 * - Output is immediate: mbedtls_gcm_update() writes as many bytes as it
 *   reads (libgcrypt keeps partial blocks of keystream and GHASH input
 *   itself), and mbedtls_gcm_finish() never writes output.
 * - Input and output may be the same buffer, or overlap with output below
 *   input (moved first); output above input and overlapping is refused with
 *   MBEDTLS_ERR_GCM_BAD_INPUT, as in the stock code.
 * - Tags of any length from 4 to 16 bytes (libgcrypt's full tag, cut).
 * A context is used by one thread at a time; contexts are independent.
 * libgcrypt is initialised once per process, on the first setkey
 * (gcry_check_version, as a library using libgcrypt must); nothing else of
 * libgcrypt's global state is touched.
 */
#ifndef FIELDNOTE_GCM_ALT_H
#define FIELDNOTE_GCM_ALT_H

#include <stdint.h>

/* libgcrypt's handle type, declared here so that including mbedtls/gcm.h
 * does not pull in gcrypt.h. */
struct gcry_cipher_handle;

typedef struct mbedtls_gcm_context {
    struct gcry_cipher_handle *MBEDTLS_PRIVATE(hd); /* owned; NULL before setkey */
    uint64_t MBEDTLS_PRIVATE(len);                  /* bytes of input since starts */
    uint64_t MBEDTLS_PRIVATE(add_len);              /* bytes of additional data */
    int MBEDTLS_PRIVATE(mode);                      /* MBEDTLS_GCM_ENCRYPT/DECRYPT */
} mbedtls_gcm_context;

#endif
