/* tests/bench/x25519_bench.c - the ECDHE work of one TLS 1.3 server
 * handshake through PSA, as mbedTLS 3.6's TLS stack does it: generate a key
 * pair, export the public key (the key share sent), agree with the peer's
 * share. Prints operations per second of CPU time for each step and for
 * the whole, per group (x25519, secp256r1), so a change to the build (Everest,
 * compiler flags) is measured away from the noise of a busy machine.
 *
 * Build: see tests/bench/tls_levers.sh. Usage: x25519_bench [seconds-per-row] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "psa/crypto.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(psa_status_t st, const char *what)
{
	if (st != PSA_SUCCESS) {
		fprintf(stderr, "x25519_bench: %s failed (%d)\n", what, (int)st);
		exit(1);
	}
}

static psa_key_id_t gen(psa_ecc_family_t family, size_t bits)
{
	psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
	psa_key_id_t id;
	psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(family));
	psa_set_key_bits(&a, bits);
	psa_set_key_usage_flags(&a, PSA_KEY_USAGE_DERIVE);
	psa_set_key_algorithm(&a, PSA_ALG_ECDH);
	check(psa_generate_key(&a, &id), "psa_generate_key");
	return id;
}

/* One group: seconds of CPU time per step, printed as ops/s. */
static void group(const char *name, psa_ecc_family_t family, size_t bits, double seconds)
{
	unsigned char peer[133], pub[133], secret[66];
	size_t peer_len, pub_len, secret_len;
	psa_key_id_t p = gen(family, bits);
	check(psa_export_public_key(p, peer, sizeof peer, &peer_len), "export");
	psa_destroy_key(p);

	double t_gen = 0, t_exp = 0, t_agree = 0, t0, t1, t2, t3;
	unsigned long n = 0;
	do {
		t0 = cpu_now();
		psa_key_id_t k = gen(family, bits);
		t1 = cpu_now();
		check(psa_export_public_key(k, pub, sizeof pub, &pub_len), "export");
		t2 = cpu_now();
		check(psa_raw_key_agreement(PSA_ALG_ECDH, k, peer, peer_len, secret, sizeof secret,
		                            &secret_len), "agreement");
		t3 = cpu_now();
		psa_destroy_key(k);
		t_gen += t1 - t0, t_exp += t2 - t1, t_agree += t3 - t2, n++;
	} while (t_gen + t_exp + t_agree < seconds);
	printf("x25519_bench: %-9s keygen %6.0f/s  export %8.0f/s  agree %6.0f/s  "
	       "all three %6.0f/s\n", name, n / t_gen, n / t_exp, n / t_agree,
	       n / (t_gen + t_exp + t_agree));
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	check(psa_crypto_init(), "psa_crypto_init");
	group("x25519", PSA_ECC_FAMILY_MONTGOMERY, 255, seconds);
	group("secp256r1", PSA_ECC_FAMILY_SECP_R1, 256, seconds);
	mbedtls_psa_crypto_free();
	return 0;
}
