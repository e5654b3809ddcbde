/* test_tls.c - unit tests of the TLS adapter outside civetweb: the
 * registration's checks and the context set-up's errors (status, setting
 * and message). Run from the source tree (the dev certificates in
 * certs/dev). */
#include <string.h>

#include "record.h"
#include "status.h"
#include "tls_adapter.h"
#include "unit.h"

#define CRT "certs/dev/server.crt"
#define KEY "certs/dev/server.key"

/* The adapter's last error, copied out. */
static struct sc_error last(void)
{
	struct sc_error e;
	memset(&e, 0x5a, sizeof e); /* every byte of it must be written */
	tls_last_error(&e);
	return e;
}

static int test_tls_configure_checks(void)
{
	char longpath[TLS_PATH_MAX + 1];
	struct tls_options o = {CRT, KEY, NULL, 0, 0};

	CHECK(tls_configure(NULL) == -1);
	CHECK(strstr(last().message, "required") != NULL);
	o.ticket_lifetime_s = TLS_TICKET_LIFETIME_MAX + 1;
	CHECK(tls_configure(&o) == -1);
	CHECK(strstr(last().message, "exceeds the TLS 1.3 maximum") != NULL);
	o.ticket_lifetime_s = 0;
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[sizeof longpath - 1] = 0;
	o.key_file = longpath;
	CHECK(tls_configure(&o) == -1);
	CHECK(strstr(last().message, "key path") != NULL);
	o.key_file = KEY;
	CHECK(tls_configure(&o) == 0);
	CHECK(strcmp(last().message, "") == 0);
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
	CHECK(strstr(last().message, "cannot read key file certs/dev/missing.key") != NULL);
	o.key_file = "certs/dev/device-ca.key";
	CHECK(tls_configure(&o) == 0);
	CHECK(tls_ctx_init(&ctx, NULL) == -1);
	tls_ctx_uninit(&ctx);
	CHECK(strstr(last().message, "does not match certificate file") != NULL);
	o.key_file = KEY;
	o.device_ca_file = "certs/dev/nothing.crt";
	CHECK(tls_configure(&o) == 0);
	CHECK(tls_ctx_init(&ctx, NULL) == -1);
	tls_ctx_uninit(&ctx);
	CHECK(strstr(last().message, "cannot read device CA file") != NULL);
	o.device_ca_file = "certs/dev/device-ca.crt";
	CHECK(tls_configure(&o) == 0);
	CHECK(tls_ctx_init(&ctx, NULL) == 0);
	CHECK(ctx.verify_clients);
	tls_ctx_uninit(&ctx);
	return 0;
}

/* Registers o, which tls_configure() takes, and sets a context up from it,
 * which must fail: 0 with the error in *e, else 1. */
static int set_up_fails(const struct tls_options *o, struct sc_error *e)
{
	struct tls_ctx ctx;
	CHECK(tls_configure(o) == 0);
	CHECK(tls_ctx_init(&ctx, NULL) == -1);
	tls_ctx_uninit(&ctx);
	*e = last();
	return 0;
}

/* The failure as a record: status, the setting at fault, and the message
 * `fieldnote serve` prints, word for word. */
static int test_tls_error_record(void)
{
	struct tls_options o = {CRT, "certs/dev/missing.key", NULL, 0, 0};
	struct sc_error e;

	CHECK(set_up_fails(&o, &e) == 0);
	CHECK_EQ_INT(e.status, FN_IO_ERROR);
	CHECK(strcmp(e.field, "key") == 0);
	CHECK(strcmp(e.message, "cannot read key file certs/dev/missing.key: PK - Read/write of file failed "
	                        "(-0x3E00): No such file or directory") == 0);

	o.key_file = "certs/dev/device-ca.key"; /* a key, but not this certificate's */
	CHECK(set_up_fails(&o, &e) == 0);
	CHECK_EQ_INT(e.status, FN_BAD_ARGUMENT);
	CHECK(strcmp(e.field, "key") == 0);
	CHECK(strncmp(e.message, "key file certs/dev/device-ca.key does not match certificate file " CRT ": ",
	              strlen("key file certs/dev/device-ca.key does not match certificate file " CRT ": ")) == 0);

	o.cert_file = KEY; /* a key where the certificate should be */
	o.key_file = KEY;
	CHECK(set_up_fails(&o, &e) == 0);
	CHECK_EQ_INT(e.status, FN_BAD_ARGUMENT);
	CHECK(strcmp(e.field, "cert") == 0);
	CHECK(strncmp(e.message, "cannot read certificate file " KEY ": X509 - ",
	              strlen("cannot read certificate file " KEY ": X509 - ")) == 0);

	o.cert_file = CRT;
	o.device_ca_file = "";
	CHECK(tls_configure(&o) == -1);
	e = last();
	CHECK_EQ_INT(e.status, FN_BAD_ARGUMENT);
	CHECK(strcmp(e.field, "device_ca") == 0);
	CHECK(strcmp(e.message, "device CA path is empty or too long") == 0);

	o.device_ca_file = NULL; /* success clears the record */
	CHECK(tls_configure(&o) == 0);
	e = last();
	CHECK(e.status == FN_OK && e.field[0] == 0 && e.message[0] == 0);
	return 0;
}

const struct unit_case tls_cases[] = {
	{"tls_configure_checks", test_tls_configure_checks},
	{"tls_ctx_from_registration", test_tls_ctx_from_registration},
	{"tls_ctx_errors", test_tls_ctx_errors},
	{"tls_error_record", test_tls_error_record},
	{NULL, NULL},
};
