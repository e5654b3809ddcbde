/* tls.c - fieldnote's mbedTLS adapter for civetweb: configuration, TLS
 * contexts and connections (see tls_adapter.h; the client identity is in
 * tls_identity.c).
 *
 * What it adds to civetweb's own glue: TLS 1.2 minimum and 1.3 preferred,
 * AEAD suites only, an explicit group list, session tickets (1.2 and 1.3)
 * and a session cache (1.2 session ids), TCP_NODELAY, a bounded handshake
 * that a graceful stop ends at once, and optional client certificates
 * checked against a device CA, whose subject CN the request handler reads
 * with tls_peer_identity() on the same thread.
 *
 * Why a registration API (tls.h): civetweb hands the TLS glue one string,
 * its ssl_certificate option, and expects certificate and key in that one
 * file. fieldnote keeps the key in its own file (mode 600, replaced without
 * touching the certificate) and needs a device CA and a ticket lifetime as
 * well, none of which fits through that hook. So the server calls
 * tls_configure() before mg_start() and tls_ctx_init() reads the
 * registration, ignoring its crt argument. Without a registration it falls
 * back to civetweb's behaviour: crt holds both certificate and key.
 */
#include "tls_adapter.h"

#include "record.h"
#include "status.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* ---- suites and groups ------------------------------------------------ */

/* AEAD only. TLS 1.3: AES-128-GCM alone. mbedTLS 3.6 takes the first
 * TLS 1.3 suite in the *client's* list that it supports, and OpenSSL-based
 * clients list AES-256-GCM, then ChaCha20, then AES-128-GCM; measured here
 * (perf, guidance GET over keep-alive), GHASH and AES made up ~30% of the
 * server's cycles, and AES-128 saves four of fourteen rounds per block.
 * AES-128-GCM is the suite every TLS 1.3 client must implement (RFC 8446
 * 9.1), so nobody is shut out. TLS 1.2 (server preference applies there):
 * AES-128-GCM first, then AES-256-GCM, then ChaCha20-Poly1305 for clients
 * without AES hardware. mbedTLS keeps the pointer: the array must be static. */
static const int tls_suites[] = {
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0};

/* x25519 first: mbedTLS is built with Everest (.ci/deps.sh, with local
 * patch 0001 for the public key), so an x25519 key share costs the server
 * about a quarter of a secp256r1 one (tests/bench/x25519_bench.c: key pair,
 * public key and agreement ~4400/s against ~1050/s on this machine; the
 * generic ladder it replaces made ~930/s, which is why secp256r1 led this
 * list before). The order decides the TLS 1.2 group and the group a TLS 1.3
 * HelloRetryRequest asks for; a TLS 1.3 key share in any listed group is
 * taken as sent. secp256r1 next for clients without x25519, secp384r1 as
 * the fallback for clients that offer neither. */
static const uint16_t tls_groups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
                                      MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
                                      MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
                                      MBEDTLS_SSL_IANA_TLS_GROUP_NONE};


/* ---- registration and errors ------------------------------------------ */

static struct {
	int configured;
	char cert_file[TLS_PATH_MAX];
	char key_file[TLS_PATH_MAX];
	char device_ca_file[TLS_PATH_MAX]; /* "" = no client certificates */
	unsigned ticket_lifetime_s;
	unsigned handshake_timeout_ms;
} tls_reg;

/* The last set-up failure, in the project's one error carrier. civetweb
 * calls tls_ctx_init() from mg_start() with no error channel of its own
 * (it only learns -1), so the adapter keeps a single static record for
 * the caller of mg_start() to read afterwards with tls_last_error(). */
static struct sc_error tls_err;

static void
tls_err_clear(void)
{
	memset(&tls_err, 0, sizeof(tls_err));
}

/* Appends to tls_err.message (truncated at its size). */
static void tls_err_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
tls_err_add(const char *fmt, ...)
{
	size_t n = strlen(tls_err.message);
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(tls_err.message + n, sizeof(tls_err.message) - n, fmt, ap);
	va_end(ap);
}

/* Records status, the setting at fault (field: "cert", "key", "device_ca";
 * NULL when none is) and "WHAT: mbedTLS text (-0xCODE): errno text" for
 * tls_last_error(), WHAT from fmt; mbed_rc and err are left out when 0. */
static void tls_fail(int status, const char *field, int mbed_rc, int err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
tls_fail(int status, const char *field, int mbed_rc, int err, const char *fmt, ...)
{
	va_list ap;

	tls_err_clear();
	tls_err.status = status;
	if (field != NULL) {
		(void)snprintf(tls_err.field, sizeof(tls_err.field), "%s", field);
	}
	va_start(ap, fmt);
	(void)vsnprintf(tls_err.message, sizeof(tls_err.message), fmt, ap);
	va_end(ap);
	if (mbed_rc != 0) {
		char text[160];
		mbedtls_strerror(mbed_rc, text, sizeof(text));
		tls_err_add(": %s (-0x%04X)", text, (unsigned)-mbed_rc);
	}
	if (err != 0) {
		tls_err_add(": %s", strerror(err));
	}
}

static int
tls_copy_path(char *dst, const char *src, const char *what, const char *field)
{
	size_t len = strlen(src);

	if (len == 0 || len >= TLS_PATH_MAX) {
		tls_fail(FN_BAD_ARGUMENT, field, 0, 0, "%s path is empty or too long", what);
		return -1;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

int
tls_configure(const struct tls_options *opt)
{
	tls_err_clear();
	tls_reg.configured = 0;
	if (opt == NULL || opt->cert_file == NULL || opt->key_file == NULL) {
		tls_fail(FN_BAD_ARGUMENT, opt != NULL && opt->cert_file != NULL ? "key" : "cert", 0, 0,
		         "tls_configure: cert_file and key_file are required");
		return -1;
	}
	if (opt->ticket_lifetime_s > TLS_TICKET_LIFETIME_MAX) {
		tls_fail(FN_BAD_ARGUMENT,
		         NULL,
		         0,
		         0,
		         "ticket lifetime %u s exceeds the TLS 1.3 maximum of %u s",
		         opt->ticket_lifetime_s,
		         TLS_TICKET_LIFETIME_MAX);
		return -1;
	}
	if (tls_copy_path(tls_reg.cert_file, opt->cert_file, "certificate", "cert") != 0
	    || tls_copy_path(tls_reg.key_file, opt->key_file, "key", "key") != 0) {
		return -1;
	}
	tls_reg.device_ca_file[0] = '\0';
	if (opt->device_ca_file != NULL
	    && tls_copy_path(tls_reg.device_ca_file,
	                     opt->device_ca_file,
	                     "device CA",
	                     "device_ca")
	           != 0) {
		return -1;
	}
	tls_reg.ticket_lifetime_s = opt->ticket_lifetime_s != 0
	                                ? opt->ticket_lifetime_s
	                                : TLS_TICKET_LIFETIME_DEFAULT;
	tls_reg.handshake_timeout_ms = opt->handshake_timeout_ms != 0
	                                   ? opt->handshake_timeout_ms
	                                   : TLS_HANDSHAKE_TIMEOUT_MS;
	tls_reg.configured = 1;
	return 0;
}

void
tls_last_error(struct sc_error *out)
{
	*out = tls_err;
}


/* Client identity (the thread-local peer CN, the verify callback, and
 * session tickets that carry it across TLS 1.3 resumption) is in
 * tls_identity.c. */


/* ---- context set-up ---------------------------------------------------- */

#if defined(MG_CONFIG_MBEDTLS_DEBUG)
/* mbedTLS's own trace, on stderr: build with -DMG_CONFIG_MBEDTLS_DEBUG=1..4
 * (1 errors, 2 state changes, 3 informational, 4 verbose). */
static void
mbed_debug(void *unused, int level, const char *file, int line,
           const char *str)
{
	(void)unused;
	(void)level; /* the threshold is set with mbedtls_debug_set_threshold */
	fprintf(stderr, "mbedtls %s:%d: %s", file, line, str);
}
#endif

/* Reads a PEM or DER certificate file (a chain, or a list of CAs). errno
 * only says something when the file itself could not be read. */
static int
tls_read_certs(mbedtls_x509_crt *crt, const char *file, const char *what,
               const char *field)
{
	int rc;

	errno = 0;
	rc = mbedtls_x509_crt_parse_file(crt, file);
	if (rc < 0) {
		int io = rc == MBEDTLS_ERR_PK_FILE_IO_ERROR
		         || rc == MBEDTLS_ERR_X509_FILE_IO_ERROR;
		tls_fail(io ? FN_IO_ERROR : FN_BAD_ARGUMENT, field, rc,
		         io ? errno : 0, "cannot read %s file %s", what, file);
	} else if (rc > 0) {
		tls_fail(FN_BAD_ARGUMENT, field, 0, 0,
		         "%s file %s: %d certificates could not be parsed",
		         what, file, rc);
	}
	return rc == 0 ? 0 : -1;
}

/* Reads certificate, key and device CA, and checks they belong together. */
static int
tls_load_files(struct tls_ctx *ctx, const char *cert_file, const char *key_file,
               const char *ca_file)
{
	int rc;

	if (tls_read_certs(&ctx->cert, cert_file, "certificate", "cert") != 0) {
		return -1;
	}
#if defined(MBEDTLS_HAVE_TIME_DATE)
	if (mbedtls_x509_time_is_past(&ctx->cert.valid_to)) {
		tls_fail(FN_BAD_ARGUMENT, "cert", 0, 0,
		         "certificate file %s: the certificate has expired",
		         cert_file);
		return -1;
	}
#endif
	/* The RNG is for blinding during the key check (mbedTLS 3 API). */
	errno = 0;
	rc = mbedtls_pk_parse_keyfile(&ctx->pkey, key_file, NULL,
	                              mbedtls_ctr_drbg_random, &ctx->drbg);
	if (rc != 0) {
		int io = rc == MBEDTLS_ERR_PK_FILE_IO_ERROR;
		tls_fail(io ? FN_IO_ERROR : FN_BAD_ARGUMENT, "key", rc,
		         io ? errno : 0, "cannot read key file %s", key_file);
		return -1;
	}
	rc = mbedtls_pk_check_pair(&ctx->cert.pk, &ctx->pkey,
	                           mbedtls_ctr_drbg_random, &ctx->drbg);
	if (rc != 0) {
		tls_fail(FN_BAD_ARGUMENT, "key", rc, 0,
		         "key file %s does not match certificate file %s",
		         key_file, cert_file);
		return -1;
	}
	if (ca_file != NULL
	    && tls_read_certs(&ctx->device_ca, ca_file, "device CA", "device_ca")
	           != 0) {
		return -1;
	}
	return 0;
}

/* Versions, suites, groups, RNG, certificates and resumption. */
static int
tls_setup_conf(struct tls_ctx *ctx, unsigned lifetime_s)
{
	mbedtls_ssl_config *conf = &ctx->conf;
	int rc;

	rc = mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_SERVER,
	                                 MBEDTLS_SSL_TRANSPORT_STREAM,
	                                 MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc != 0) {
		tls_fail(FN_TLS_ERROR, NULL, rc, 0, "TLS configuration defaults");
		return -1;
	}
#if defined(MG_CONFIG_MBEDTLS_DEBUG)
	mbedtls_debug_set_threshold(MG_CONFIG_MBEDTLS_DEBUG);
	mbedtls_ssl_conf_dbg(conf, mbed_debug, ctx);
#endif
	mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
	mbedtls_ssl_conf_max_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_3);
	/* Our order decides in TLS 1.2; mbedTLS 3.6 has no server-order option
	 * for TLS 1.3 and takes the client's first acceptable suite. */
	mbedtls_ssl_conf_ciphersuites(conf, tls_suites);
	mbedtls_ssl_conf_preference_order(conf,
	                                  MBEDTLS_SSL_SRV_CIPHERSUITE_ORDER_SERVER);
	mbedtls_ssl_conf_groups(conf, tls_groups);
	mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
	/* TLS 1.3 resumption keeps forward secrecy: psk_dhe_ke only. */
	mbedtls_ssl_conf_tls13_key_exchange_modes(
	    conf, MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ALL);

	/* One ctr_drbg for every worker thread: with MBEDTLS_THREADING_C
	 * (checked above) mbedtls_ctr_drbg_random() takes the context's own
	 * mutex, so concurrent handshakes may share it safely. */
	mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, &ctx->drbg);

	rc = mbedtls_ssl_conf_own_cert(conf, &ctx->cert, &ctx->pkey);
	if (rc != 0) {
		tls_fail(FN_TLS_ERROR, NULL, rc, 0, "cannot use the certificate and key");
		return -1;
	}
	if (ctx->verify_clients) {
		mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
		mbedtls_ssl_conf_ca_chain(conf, &ctx->device_ca, NULL);
		mbedtls_ssl_conf_verify(conf, tls_verify_cb, NULL);
	} else {
		mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);
	}

	/* Resumption: a session-id cache for TLS 1.2 clients without tickets,
	 * tickets for both versions. Ticket keys rotate every lifetime (the
	 * previous key is kept so tickets live their full lifetime). */
	mbedtls_ssl_cache_set_max_entries(&ctx->cache, TLS_CACHE_ENTRIES);
	mbedtls_ssl_cache_set_timeout(&ctx->cache, (int)lifetime_s);
	mbedtls_ssl_conf_session_cache(conf, &ctx->cache, mbedtls_ssl_cache_get,
	                               mbedtls_ssl_cache_set);
	rc = mbedtls_ssl_ticket_setup(&ctx->ticket, mbedtls_ctr_drbg_random,
	                              &ctx->drbg, MBEDTLS_CIPHER_AES_256_GCM,
	                              (uint32_t)lifetime_s);
	if (rc != 0) {
		tls_fail(FN_TLS_ERROR, NULL, rc, 0, "cannot set up session tickets");
		return -1;
	}
	if (ctx->verify_clients) {
		rc = mbedtls_ctr_drbg_random(&ctx->drbg, ctx->id_key,
		                             sizeof(ctx->id_key));
		if (rc != 0) {
			tls_fail(FN_TLS_ERROR, NULL, rc, 0, "cannot generate the ticket identity key");
			return -1;
		}
		mbedtls_ssl_conf_session_tickets_cb(conf, tls_ticket_write,
		                                    tls_ticket_parse, ctx);
	} else {
		mbedtls_ssl_conf_session_tickets_cb(conf, mbedtls_ssl_ticket_write,
		                                    mbedtls_ssl_ticket_parse,
		                                    &ctx->ticket);
	}
	mbedtls_ssl_conf_new_session_tickets(conf, 1);
	return 0;
}

int
tls_ctx_init(struct tls_ctx *ctx, const char *crt)
{
	static const char pers[] = "fieldnote-tls";
	const char *cert_file, *key_file, *ca_file = NULL;
	unsigned lifetime_s = TLS_TICKET_LIFETIME_DEFAULT;
	psa_status_t st;
	int rc;

	if (ctx == NULL) {
		return -1;
	}
	tls_err_clear();

	/* From here on mbed_sslctx_uninit() may free every member, which
	 * civetweb does when this function fails. */
	memset(ctx, 0, sizeof(*ctx));
	mbedtls_ssl_config_init(&ctx->conf);
	mbedtls_x509_crt_init(&ctx->cert);
	mbedtls_pk_init(&ctx->pkey);
	mbedtls_x509_crt_init(&ctx->device_ca);
	mbedtls_entropy_init(&ctx->entropy);
	mbedtls_ctr_drbg_init(&ctx->drbg);
	mbedtls_ssl_ticket_init(&ctx->ticket);
	mbedtls_ssl_cache_init(&ctx->cache);
	ctx->initialized = 1;

	if (tls_reg.configured) {
		cert_file = tls_reg.cert_file;
		key_file = tls_reg.key_file;
		if (tls_reg.device_ca_file[0] != '\0') {
			ca_file = tls_reg.device_ca_file;
		}
		lifetime_s = tls_reg.ticket_lifetime_s;
	} else if (crt != NULL && crt[0] != '\0') {
		cert_file = key_file = crt; /* civetweb's convention */
	} else {
		tls_fail(FN_BAD_ARGUMENT, "cert", 0, 0,
		         "no certificate: call tls_configure() before "
		         "mg_start() or set ssl_certificate");
		return -1;
	}
	ctx->verify_clients = (ca_file != NULL);

	/* TLS 1.3 runs on PSA crypto. Process-wide and idempotent; it is not
	 * undone in uninit because other mbedTLS users in the process share it. */
	st = psa_crypto_init();
	if (st != PSA_SUCCESS) {
		tls_fail(FN_TLS_ERROR, NULL, 0, 0, "psa_crypto_init failed (%d)",
		         (int)st);
		return -1;
	}
	rc = mbedtls_ctr_drbg_seed(&ctx->drbg, mbedtls_entropy_func,
	                           &ctx->entropy, (const unsigned char *)pers,
	                           sizeof(pers) - 1);
	if (rc != 0) {
		tls_fail(FN_TLS_ERROR, NULL, rc, 0, "cannot seed the random generator");
		return -1;
	}
	if (tls_load_files(ctx, cert_file, key_file, ca_file) != 0
	    || tls_setup_conf(ctx, lifetime_s) != 0) {
		return -1;
	}
	return 0;
}

void
tls_ctx_uninit(struct tls_ctx *ctx)
{
	if (ctx == NULL || !ctx->initialized) {
		return;
	}
	mbedtls_ssl_config_free(&ctx->conf);
	mbedtls_ssl_ticket_free(&ctx->ticket);
	mbedtls_ssl_cache_free(&ctx->cache);
	mbedtls_x509_crt_free(&ctx->device_ca);
	mbedtls_pk_free(&ctx->pkey);
	mbedtls_x509_crt_free(&ctx->cert);
	mbedtls_ctr_drbg_free(&ctx->drbg);
	mbedtls_entropy_free(&ctx->entropy);
	mbedtls_platform_zeroize(ctx->id_key, sizeof(ctx->id_key));
	ctx->initialized = 0;
}


int
tls_handshake_timeout_ms(void)
{
	return tls_reg.configured ? (int)tls_reg.handshake_timeout_ms
	                          : TLS_HANDSHAKE_TIMEOUT_MS;
}
