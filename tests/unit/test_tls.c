/* test_tls.c - unit tests of the TLS adapter outside civetweb: the
 * registration's checks and the context set-up's error messages. Run from
 * the source tree (the dev certificates in certs/dev). */
#include <string.h>

#include "tls_adapter.h"
#include "unit.h"

#define CRT "certs/dev/server.crt"
#define KEY "certs/dev/server.key"

static int test_tls_configure_checks(void)
{
	char longpath[TLS_PATH_MAX + 1];
	struct tls_options o = {CRT, KEY, NULL, 0, 0};

	CHECK(tls_configure(NULL) == -1);
	CHECK(strstr(tls_last_error(), "required") != NULL);
	o.ticket_lifetime_s = TLS_TICKET_LIFETIME_MAX + 1;
	CHECK(tls_configure(&o) == -1);
	CHECK(strstr(tls_last_error(), "exceeds the TLS 1.3 maximum") != NULL);
	o.ticket_lifetime_s = 0;
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[sizeof longpath - 1] = 0;
	o.key_file = longpath;
	CHECK(tls_configure(&o) == -1);
	CHECK(strstr(tls_last_error(), "key path") != NULL);
	o.key_file = KEY;
	CHECK(tls_configure(&o) == 0);
	CHECK(strcmp(tls_last_error(), "") == 0);
	return 0;
}

static int test_tls_ctx_from_registration(void)
{
	struct tls_options o = {CRT, KEY, NULL, 0, 2000};
	struct tls_ctx ctx;

	CHECK(tls_configure(&o) == 0);
	CHECK_EQ_INT(tls_handshake_timeout_ms(), 2000);
	CHECK(tls_ctx_init(&ctx, NULL) == 0);
	CHECK(ctx.initialized && !ctx.verify_clients);
	tls_ctx_uninit(&ctx);
	CHECK(!ctx.initialized);
	tls_ctx_uninit(&ctx); /* twice is harmless */
	return 0;
}

/* Errors name the file and say what is wrong with it. */
static int test_tls_ctx_errors(void)
{
	struct tls_options o = {CRT, "certs/dev/missing.key", NULL, 0, 0};
	struct tls_ctx ctx;

	CHECK(tls_configure(&o) == 0);
	CHECK(tls_ctx_init(&ctx, NULL) == -1);
	tls_ctx_uninit(&ctx);
	CHECK(strstr(tls_last_error(), "cannot read key file certs/dev/missing.key") != NULL);
	o.key_file = "certs/dev/device-ca.key";
	CHECK(tls_configure(&o) == 0);
	CHECK(tls_ctx_init(&ctx, NULL) == -1);
	tls_ctx_uninit(&ctx);
	CHECK(strstr(tls_last_error(), "does not match certificate file") != NULL);
	o.key_file = KEY;
	o.device_ca_file = "certs/dev/nothing.crt";
	CHECK(tls_configure(&o) == 0);
	CHECK(tls_ctx_init(&ctx, NULL) == -1);
	tls_ctx_uninit(&ctx);
	CHECK(strstr(tls_last_error(), "cannot read device CA file") != NULL);
	o.device_ca_file = "certs/dev/device-ca.crt";
	CHECK(tls_configure(&o) == 0);
	CHECK(tls_ctx_init(&ctx, NULL) == 0);
	CHECK(ctx.verify_clients);
	tls_ctx_uninit(&ctx);
	return 0;
}

const struct unit_case tls_cases[] = {
	{"tls_configure_checks", test_tls_configure_checks},
	{"tls_ctx_from_registration", test_tls_ctx_from_registration},
	{"tls_ctx_errors", test_tls_ctx_errors},
	{NULL, NULL},
};
