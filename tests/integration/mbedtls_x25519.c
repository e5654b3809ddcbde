/* mbedtls_x25519.c - checks the mbedTLS build choices of issue 12 that
 * mbedTLS's own suites cannot see: that the library is built with our GCM
 * (MBEDTLS_GCM_ALT) and Everest, and that a TLS 1.3 key share, made the
 * way mbedTLS's TLS stack makes it (psa_generate_key, psa_export_public_key,
 * psa_raw_key_agreement), never reaches the generic mbedtls_ecp_mul for
 * x25519 (.ci/patches/mbedtls/0001-psa-x25519-public-key-everest.patch),
 * while its results stay right: RFC 7748 section 6.1's vectors, and
 * random keys against mbedtls_ecp_mul itself.
 *
 * Linked with -Wl,--wrap=mbedtls_ecp_mul,--wrap=mbedtls_ecp_mul_restartable
 * so calls between the library's files (ECDH and PSA into ecp.c) are
 * counted. Built and run by tests/integration/test_mbedtls_suites.sh.
 * Exit 0 when every check passes; one line per failure on stderr. */
#include <stdio.h>
#include <string.h>

#include "mbedtls/ecp.h"
#include "mbedtls/psa_util.h"
#include "mbedtls/version.h"
#include "psa/crypto.h"

static int failures;
static unsigned long ecp_mul_calls;

int __real_mbedtls_ecp_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                           const mbedtls_ecp_point *P, int (*f_rng)(void *, unsigned char *, size_t),
                           void *p_rng);
int __wrap_mbedtls_ecp_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                           const mbedtls_ecp_point *P, int (*f_rng)(void *, unsigned char *, size_t),
                           void *p_rng);
int __wrap_mbedtls_ecp_mul(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                           const mbedtls_ecp_point *P, int (*f_rng)(void *, unsigned char *, size_t),
                           void *p_rng)
{
	ecp_mul_calls++;
	return __real_mbedtls_ecp_mul(grp, R, m, P, f_rng, p_rng);
}

int __real_mbedtls_ecp_mul_restartable(mbedtls_ecp_group *grp, mbedtls_ecp_point *R,
                                       const mbedtls_mpi *m, const mbedtls_ecp_point *P,
                                       mbedtls_f_rng_t *f_rng, void *p_rng,
                                       mbedtls_ecp_restart_ctx *rs_ctx);
int __wrap_mbedtls_ecp_mul_restartable(mbedtls_ecp_group *grp, mbedtls_ecp_point *R,
                                       const mbedtls_mpi *m, const mbedtls_ecp_point *P,
                                       mbedtls_f_rng_t *f_rng, void *p_rng,
                                       mbedtls_ecp_restart_ctx *rs_ctx);
int __wrap_mbedtls_ecp_mul_restartable(mbedtls_ecp_group *grp, mbedtls_ecp_point *R,
                                       const mbedtls_mpi *m, const mbedtls_ecp_point *P,
                                       mbedtls_f_rng_t *f_rng, void *p_rng,
                                       mbedtls_ecp_restart_ctx *rs_ctx)
{
	ecp_mul_calls++;
	return __real_mbedtls_ecp_mul_restartable(grp, R, m, P, f_rng, p_rng, rs_ctx);
}

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			failures++; \
			fprintf(stderr, "mbedtls_x25519: FAIL line %d: ", __LINE__); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
		} \
	} while (0)

static void unhex(const char *hex, unsigned char out[32])
{
	for (int i = 0; i < 32; i++) sscanf(hex + 2 * i, "%2hhx", &out[i]);
}

static psa_key_id_t key_pair(const unsigned char *priv)
{
	psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
	psa_key_id_t id = 0;
	psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_MONTGOMERY));
	psa_set_key_bits(&a, 255);
	psa_set_key_usage_flags(&a, PSA_KEY_USAGE_DERIVE | PSA_KEY_USAGE_EXPORT);
	psa_set_key_algorithm(&a, PSA_ALG_ECDH);
	psa_status_t st = priv ? psa_import_key(&a, priv, 32, &id) : psa_generate_key(&a, &id);
	CHECK(st == PSA_SUCCESS, "making an x25519 key: %d", (int)st);
	return id;
}

static void build_features(void)
{
	CHECK(mbedtls_version_check_feature("MBEDTLS_GCM_ALT") == 0, "built without MBEDTLS_GCM_ALT");
	CHECK(mbedtls_version_check_feature("MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED") == 0,
	      "built without MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED");
}

/* RFC 7748 6.1: Alice's public key from her private key, and the secret
 * shared with Bob, with no call to the generic ladder. */
static void rfc7748(void)
{
	unsigned char a_priv[32], a_pub[32], b_pub[32], shared[32], out[65];
	size_t len = 0;
	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a_priv);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", a_pub);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", b_pub);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", shared);

	psa_key_id_t alice = key_pair(a_priv);
	ecp_mul_calls = 0;
	CHECK(psa_export_public_key(alice, out, sizeof out, &len) == PSA_SUCCESS, "export");
	CHECK(len == 32 && memcmp(out, a_pub, 32) == 0, "RFC 7748 public key differs");
	CHECK(ecp_mul_calls == 0, "public key export ran the generic ladder %lu time(s)", ecp_mul_calls);

	ecp_mul_calls = 0;
	CHECK(psa_raw_key_agreement(PSA_ALG_ECDH, alice, b_pub, 32, out, sizeof out, &len) ==
	          PSA_SUCCESS, "agreement");
	CHECK(len == 32 && memcmp(out, shared, 32) == 0, "RFC 7748 shared secret differs");
	CHECK(ecp_mul_calls == 0, "key agreement ran the generic ladder %lu time(s)", ecp_mul_calls);
	psa_destroy_key(alice);
}

/* Random keys: PSA's public key against mbedtls_ecp_mul on the same scalar. */
static void against_generic(int rounds)
{
	mbedtls_ecp_keypair kp;
	unsigned char priv[32], pub[65], ref[65];
	size_t len, ref_len;
	for (int i = 0; i < rounds && failures == 0; i++) {
		psa_key_id_t k = key_pair(NULL);
		CHECK(psa_export_key(k, priv, sizeof priv, &len) == PSA_SUCCESS && len == 32, "export key");
		CHECK(psa_export_public_key(k, pub, sizeof pub, &len) == PSA_SUCCESS, "export public");
		psa_destroy_key(k);

		mbedtls_ecp_keypair_init(&kp);
		int ret = mbedtls_ecp_read_key(MBEDTLS_ECP_DP_CURVE25519, &kp, priv, 32);
		if (ret == 0) /* ecp.c's own ladder (mbedtls_ecp_mul inside ecp.c) */
			ret = mbedtls_ecp_keypair_calc_public(&kp, mbedtls_psa_get_random,
			                                      MBEDTLS_PSA_RANDOM_STATE);
		if (ret == 0)
			ret = mbedtls_ecp_write_public_key(&kp, MBEDTLS_ECP_PF_UNCOMPRESSED, &ref_len,
			                                   ref, sizeof ref);
		CHECK(ret == 0, "generic ladder: -0x%04x", (unsigned)-ret);
		CHECK(ret != 0 || (ref_len == len && memcmp(ref, pub, len) == 0),
		      "random key %d: public key differs from mbedtls_ecp_mul", i);
		mbedtls_ecp_keypair_free(&kp);
	}
}

int main(void)
{
	if (psa_crypto_init() != PSA_SUCCESS) {
		fprintf(stderr, "mbedtls_x25519: psa_crypto_init failed\n");
		return 1;
	}
	build_features();
	rfc7748();
	against_generic(200);
	mbedtls_psa_crypto_free();
	if (failures == 0) printf("mbedtls_x25519: all checks passed\n");
	return failures != 0;
}
