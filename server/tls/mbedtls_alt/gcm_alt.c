/* gcm_alt.c - mbedTLS 3.6's GCM (MBEDTLS_GCM_ALT) on libgcrypt: why and
 * the contract's fine points are in gcm_alt.h.
 *
 * mbedTLS's own GCM multiplies one 16-byte block at a time (~250 MB/s on
 * 4.4 KB records here); libgcrypt interleaves AES-NI and PCLMUL over many
 * blocks (~3.6 GB/s on the same records, tests/bench/gcm_bench.c). The
 * length limits and error codes below are the stock gcm.c's, so mbedTLS's
 * test suites hold this file to the same contract.
 */
/* The context's fields are ours (gcm_alt.h), behind mbedTLS's private-name
 * macro like every field of its own contexts. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS

#include "mbedtls/build_info.h"

#if defined(MBEDTLS_GCM_C) && defined(MBEDTLS_GCM_ALT)

#include <gcrypt.h>
#include <pthread.h>
#include <string.h>

#include "mbedtls/constant_time.h"
#include "mbedtls/gcm.h"
#include "mbedtls/platform_util.h"

/* ---- libgcrypt start-up ------------------------------------------------ */

static pthread_once_t gcm_gcrypt_once = PTHREAD_ONCE_INIT;
static int gcm_gcrypt_ok;

/* A library using libgcrypt calls gcry_check_version before anything else
 * (libgcrypt's manual); it also refuses a runtime older than the headers. */
static void gcm_gcrypt_init(void)
{
    gcm_gcrypt_ok = gcry_check_version(GCRYPT_VERSION) != NULL;
}

static int gcm_error(gcry_error_t err)
{
    switch (gcry_err_code(err)) {
        case GPG_ERR_ENOMEM:
            return MBEDTLS_ERR_CIPHER_ALLOC_FAILED;
        case GPG_ERR_CIPHER_ALGO:
        case GPG_ERR_NOT_SUPPORTED:
            return MBEDTLS_ERR_CIPHER_FEATURE_UNAVAILABLE;
        default:
            return MBEDTLS_ERR_GCM_BAD_INPUT;
    }
}

/* libgcrypt's algorithm for an mbedTLS block cipher and key size, 0 if none. */
static int gcm_algo(mbedtls_cipher_id_t cipher, unsigned int keybits)
{
    static const int aes[] = { GCRY_CIPHER_AES128, GCRY_CIPHER_AES192, GCRY_CIPHER_AES256 };
    static const int camellia[] = { GCRY_CIPHER_CAMELLIA128, GCRY_CIPHER_CAMELLIA192,
                                    GCRY_CIPHER_CAMELLIA256 };
    unsigned int i = (keybits - 128) / 64;
    switch (cipher) {
        case MBEDTLS_CIPHER_ID_AES:
            return aes[i];
        case MBEDTLS_CIPHER_ID_CAMELLIA:
            return camellia[i];
        default:
            return 0;
    }
}

/* ---- the mbedtls/gcm.h API ---------------------------------------------- */

void mbedtls_gcm_init(mbedtls_gcm_context *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
}

int mbedtls_gcm_setkey(mbedtls_gcm_context *ctx, mbedtls_cipher_id_t cipher,
                       const unsigned char *key, unsigned int keybits)
{
    gcry_cipher_hd_t hd;
    gcry_error_t err;
    int algo;

    if (keybits != 128 && keybits != 192 && keybits != 256) {
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    }
    algo = gcm_algo(cipher, keybits);
    if (algo == 0) {
        return MBEDTLS_ERR_CIPHER_FEATURE_UNAVAILABLE;
    }
    pthread_once(&gcm_gcrypt_once, gcm_gcrypt_init);
    if (!gcm_gcrypt_ok) {
        return MBEDTLS_ERR_CIPHER_FEATURE_UNAVAILABLE;
    }

    err = gcry_cipher_open(&hd, algo, GCRY_CIPHER_MODE_GCM, 0);
    if (err) {
        return gcm_error(err);
    }
    err = gcry_cipher_setkey(hd, key, keybits / 8);
    if (err) {
        gcry_cipher_close(hd);
        return gcm_error(err);
    }
    if (ctx->hd != NULL) {
        gcry_cipher_close(ctx->hd);
    }
    ctx->hd = hd;
    return 0;
}

int mbedtls_gcm_starts(mbedtls_gcm_context *ctx, int mode,
                       const unsigned char *iv, size_t iv_len)
{
    /* IV is limited to 2^64 bits, so 2^61 bytes, and may not be empty. */
    if (iv_len == 0 || (uint64_t) iv_len >> 61 != 0 || ctx->hd == NULL) {
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    }
    /* A new IV resets libgcrypt's GCM state (lengths, GHASH, tag). */
    if (gcry_cipher_setiv(ctx->hd, iv, iv_len)) {
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    }
    ctx->mode = mode;
    ctx->len = 0;
    ctx->add_len = 0;
    return 0;
}

int mbedtls_gcm_update_ad(mbedtls_gcm_context *ctx,
                          const unsigned char *add, size_t add_len)
{
    uint64_t new_add_len;

    /* AD is limited to 2^64 bits, ie 2^61 bytes; the sum may not wrap. */
#if SIZE_MAX > 0xFFFFFFFFFFFFFFFFULL
    if (add_len > 0xFFFFFFFFFFFFFFFFULL) {
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    }
#endif
    new_add_len = ctx->add_len + (uint64_t) add_len;
    if (new_add_len < ctx->add_len || new_add_len >> 61 != 0) {
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    }
    if (add_len == 0) {
        return 0;
    }
    if (ctx->hd == NULL || gcry_cipher_authenticate(ctx->hd, add, add_len)) {
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    }
    ctx->add_len = new_add_len;
    return 0;
}

int mbedtls_gcm_update(mbedtls_gcm_context *ctx,
                       const unsigned char *input, size_t input_length,
                       unsigned char *output, size_t output_size,
                       size_t *output_length)
{
    gcry_error_t err;

    if (output_size < input_length) {
        return MBEDTLS_ERR_GCM_BUFFER_TOO_SMALL;
    }
    *output_length = input_length;
    if (input_length == 0) {
        return 0;
    }
    if (output > input && (size_t) (output - input) < input_length) {
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    }
    /* Total input is limited to 2^39 - 256 bits, ie 2^36 - 2^5 bytes; the
     * sum may not wrap. Checked before libgcrypt reads a byte. */
    if (ctx->len + input_length < ctx->len ||
        (uint64_t) ctx->len + input_length > 0xFFFFFFFE0ull || ctx->hd == NULL) {
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    }
    /* libgcrypt works in place when given no separate input; output below
     * input and overlapping becomes that case after one move. */
    if (output < input && input < output + input_length) {
        memmove(output, input, input_length);
        input = output;
    }
    if (output == input) {
        input = NULL;
    }
    if (ctx->mode == MBEDTLS_GCM_ENCRYPT) {
        err = gcry_cipher_encrypt(ctx->hd, output, input_length, input, input ? input_length : 0);
    } else {
        err = gcry_cipher_decrypt(ctx->hd, output, input_length, input, input ? input_length : 0);
    }
    if (err) {
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    }
    ctx->len += input_length;
    return 0;
}

int mbedtls_gcm_finish(mbedtls_gcm_context *ctx,
                       unsigned char *output, size_t output_size,
                       size_t *output_length,
                       unsigned char *tag, size_t tag_len)
{
    unsigned char full[16];

    /* Output is immediate (gcm_alt.h): nothing is left to write here. */
    (void) output;
    (void) output_size;
    *output_length = 0;

    if (tag_len > 16 || tag_len < 4 || ctx->hd == NULL) {
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    }
    if (gcry_cipher_gettag(ctx->hd, full, sizeof(full))) {
        return MBEDTLS_ERR_GCM_BAD_INPUT;
    }
    memcpy(tag, full, tag_len);
    mbedtls_platform_zeroize(full, sizeof(full));
    return 0;
}

int mbedtls_gcm_crypt_and_tag(mbedtls_gcm_context *ctx, int mode, size_t length,
                              const unsigned char *iv, size_t iv_len,
                              const unsigned char *add, size_t add_len,
                              const unsigned char *input, unsigned char *output,
                              size_t tag_len, unsigned char *tag)
{
    int ret;
    size_t olen;

    if ((ret = mbedtls_gcm_starts(ctx, mode, iv, iv_len)) != 0 ||
        (ret = mbedtls_gcm_update_ad(ctx, add, add_len)) != 0 ||
        (ret = mbedtls_gcm_update(ctx, input, length, output, length, &olen)) != 0 ||
        (ret = mbedtls_gcm_finish(ctx, NULL, 0, &olen, tag, tag_len)) != 0) {
        return ret;
    }
    return 0;
}

int mbedtls_gcm_auth_decrypt(mbedtls_gcm_context *ctx, size_t length,
                             const unsigned char *iv, size_t iv_len,
                             const unsigned char *add, size_t add_len,
                             const unsigned char *tag, size_t tag_len,
                             const unsigned char *input, unsigned char *output)
{
    unsigned char check_tag[16];
    int ret;

    ret = mbedtls_gcm_crypt_and_tag(ctx, MBEDTLS_GCM_DECRYPT, length, iv, iv_len,
                                    add, add_len, input, output, tag_len, check_tag);
    if (ret != 0) {
        return ret;
    }
    /* Constant time, and no plaintext left behind when the tag is wrong. */
    if (mbedtls_ct_memcmp(tag, check_tag, tag_len) != 0) {
        mbedtls_platform_zeroize(output, length);
        return MBEDTLS_ERR_GCM_AUTH_FAILED;
    }
    return 0;
}

void mbedtls_gcm_free(mbedtls_gcm_context *ctx)
{
    if (ctx == NULL) {
        return;
    }
    if (ctx->hd != NULL) {
        gcry_cipher_close(ctx->hd); /* wipes the key schedule */
    }
    mbedtls_platform_zeroize(ctx, sizeof(*ctx));
}

#endif /* MBEDTLS_GCM_C && MBEDTLS_GCM_ALT */
