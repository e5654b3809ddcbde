/* test_net.c - unit tests of the connection layer: --listen parsing. */
#include <string.h>

#include "listen.h"
#include "unit.h"

static int parse(const char *spec, struct listen_addr *a)
{
	char detail[256];
	return listen_parse(spec, a, detail);
}

static int test_listen_bare_port_is_loopback(void)
{
	struct listen_addr a;
	char buf[128];
	CHECK(parse("8443", &a) == 0);
	CHECK(strcmp(a.host, "127.0.0.1") == 0);
	CHECK_EQ_INT(a.port, 8443);
	CHECK(a.loopback && !a.any && !a.ipv6);
	CHECK(parse(":8443", &a) == 0);
	CHECK(strcmp(a.host, "127.0.0.1") == 0 && a.port == 8443);
	CHECK(listen_civetweb_spec(&a, buf, sizeof buf) == 0);
	CHECK(strcmp(buf, "127.0.0.1:8443s") == 0);
	CHECK(listen_url(&a, 8443, buf, sizeof buf) == 0);
	CHECK(strcmp(buf, "https://127.0.0.1:8443") == 0);
	return 0;
}

static int test_listen_hosts(void)
{
	struct listen_addr a;
	char buf[128];
	CHECK(parse("localhost:0", &a) == 0 && a.loopback && a.port == 0);
	CHECK(parse("127.0.0.2:1", &a) == 0 && a.loopback);
	CHECK(parse("0.0.0.0:8443", &a) == 0 && a.any && !a.loopback);
	CHECK(parse("192.0.2.7:8443", &a) == 0 && !a.any && !a.loopback);
	CHECK(parse("[::1]:8443", &a) == 0 && a.ipv6 && a.loopback);
	CHECK(listen_civetweb_spec(&a, buf, sizeof buf) == 0 && strcmp(buf, "[::1]:8443s") == 0);
	CHECK(listen_url(&a, 9000, buf, sizeof buf) == 0 && strcmp(buf, "https://[::1]:9000") == 0);
	CHECK(parse("[::]:8443", &a) == 0 && a.any && !a.loopback);
	return 0;
}

static int test_listen_refuses(void)
{
	struct listen_addr a;
	static const char *bad[] = {"", "x", "8443s", "65536", "-1", "host.example:8443",
	                            "::1:8443", "[::1]8443", "[127.0.0.1]:80", "1.2.3.4:",
	                            "127.0.0.1:84 43", "123456", NULL};
	for (int i = 0; bad[i]; i++)
		if (parse(bad[i], &a) == 0) {
			fprintf(stderr, "accepted '%s'\n", bad[i]);
			return 1;
		}
	return 0;
}

const struct unit_case net_cases[] = {
	{"net_listen_bare_port_is_loopback", test_listen_bare_port_is_loopback},
	{"net_listen_hosts", test_listen_hosts},
	{"net_listen_refuses", test_listen_refuses},
	{NULL, NULL},
};
