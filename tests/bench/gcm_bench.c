/* tests/bench/gcm_bench.c - AES-GCM throughput on TLS-sized records: the
 * mbedTLS GCM the build links (stock or our MBEDTLS_GCM_ALT), next to nettle
 * and libgcrypt called directly, so a before/after and the choice of backend
 * come from one run on the same machine.
 *
 * Each record is what a TLS 1.3 record costs the cipher: a fresh 12-byte
 * nonce, 5 bytes of additional data, the payload, a 16-byte tag.
 * Prints one line per (implementation, key size, record size) in MB/s
 * (10^6 bytes of payload per second of CPU time of this process).
 *
 * Build: see tests/bench/gcm_bench.sh. Usage: gcm_bench [seconds-per-row] */
#include <gcrypt.h>
#include <nettle/aes.h>
#include <nettle/gcm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbedtls/gcm.h"

enum { MAX_RECORD = 16384, TAG = 16, NONCE = 12, AAD = 5 };

typedef int (*seal_fn)(void *state, const unsigned char nonce[NONCE],
                       const unsigned char *in, size_t len, unsigned char *out);

static unsigned char g_in[MAX_RECORD], g_out[MAX_RECORD + TAG];
static const unsigned char g_aad[AAD] = { 0x17, 0x03, 0x03, 0x11, 0x30 };

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int seal_mbedtls(void *state, const unsigned char nonce[NONCE],
                        const unsigned char *in, size_t len, unsigned char *out)
{
	return mbedtls_gcm_crypt_and_tag(state, MBEDTLS_GCM_ENCRYPT, len, nonce, NONCE,
	                                 g_aad, AAD, in, out, TAG, out + len);
}

struct nettle_state {
	struct gcm_key key;
	struct gcm_ctx gcm;
	union { struct aes128_ctx a128; struct aes256_ctx a256; } aes;
	nettle_cipher_func *f;
};

static int seal_nettle(void *state, const unsigned char nonce[NONCE],
                       const unsigned char *in, size_t len, unsigned char *out)
{
	struct nettle_state *s = state;
	gcm_set_iv(&s->gcm, &s->key, NONCE, nonce);
	gcm_update(&s->gcm, &s->key, AAD, g_aad);
	gcm_encrypt(&s->gcm, &s->key, &s->aes, s->f, len, out, in);
	gcm_digest(&s->gcm, &s->key, &s->aes, s->f, TAG, out + len);
	return 0;
}

static int seal_gcrypt(void *state, const unsigned char nonce[NONCE],
                       const unsigned char *in, size_t len, unsigned char *out)
{
	gcry_cipher_hd_t h = state;
	if (gcry_cipher_setiv(h, nonce, NONCE) || gcry_cipher_authenticate(h, g_aad, AAD) ||
	    gcry_cipher_encrypt(h, out, len, in, len) || gcry_cipher_gettag(h, out + len, TAG))
		return -1;
	return 0;
}

/* MB/s of payload for `seconds` of CPU time. */
static double run(seal_fn seal, void *state, size_t len, double seconds)
{
	unsigned char nonce[NONCE] = { 0 };
	unsigned long n = 0;
	double t0 = cpu_now(), t;
	do {
		for (int i = 0; i < 64; i++, n++) {
			memcpy(nonce + 4, &n, sizeof n);
			if (seal(state, nonce, g_in, len, g_out) != 0) {
				fprintf(stderr, "gcm_bench: seal failed\n");
				exit(1);
			}
		}
		t = cpu_now() - t0;
	} while (t < seconds);
	return (double)n * (double)len / t / 1e6;
}

static void row(const char *name, unsigned bits, seal_fn seal, void *state, double seconds)
{
	static const size_t sizes[] = { 4400, 16384 };
	printf("gcm_bench: %-18s AES-%u", name, bits);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		printf("  %5zu B: %7.0f MB/s", sizes[i], run(seal, state, sizes[i], seconds));
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 0.5;
	unsigned char key[32];
	for (size_t i = 0; i < sizeof key; i++) key[i] = (unsigned char)(i * 7 + 1);
	for (size_t i = 0; i < sizeof g_in; i++) g_in[i] = (unsigned char)i;

	if (!gcry_check_version(GCRYPT_VERSION)) return 1;
	gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);

	static const unsigned bits[] = { 128, 256 };
	for (size_t b = 0; b < 2; b++) {
		mbedtls_gcm_context m;
		mbedtls_gcm_init(&m);
		if (mbedtls_gcm_setkey(&m, MBEDTLS_CIPHER_ID_AES, key, bits[b]) != 0) return 1;
		row("mbedtls_gcm", bits[b], seal_mbedtls, &m, seconds);
		mbedtls_gcm_free(&m);

		static struct nettle_state ns;
		if (bits[b] == 128) {
			aes128_set_encrypt_key(&ns.aes.a128, key);
			ns.f = (nettle_cipher_func *)aes128_encrypt;
		} else {
			aes256_set_encrypt_key(&ns.aes.a256, key);
			ns.f = (nettle_cipher_func *)aes256_encrypt;
		}
		gcm_set_key(&ns.key, &ns.aes, ns.f);
		row("nettle", bits[b], seal_nettle, &ns, seconds);

		gcry_cipher_hd_t h;
		if (gcry_cipher_open(&h, bits[b] == 128 ? GCRY_CIPHER_AES128 : GCRY_CIPHER_AES256,
		                     GCRY_CIPHER_MODE_GCM, 0) || gcry_cipher_setkey(h, key, bits[b] / 8))
			return 1;
		row("libgcrypt", bits[b], seal_gcrypt, h, seconds);
		gcry_cipher_close(h);
	}
	return 0;
}
