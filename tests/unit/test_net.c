/* test_net.c - unit tests of the connection layer: --listen parsing, the
 * per-address connection table, If-None-Match matching. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "connlimit.h"
#include "http.h"
#include "listen.h"
#include "unit.h"

static int parse(const char *spec, struct listen_addr *a)
{
	return listen_parse(spec, a, NULL);
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

static struct sockaddr_in v4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	struct sockaddr_in sa = {0};
	sa.sin_family = AF_INET;
	sa.sin_port = htons(40000);
	sa.sin_addr.s_addr = htonl((a << 24) | (b << 16) | (c << 8) | d);
	return sa;
}

static int test_connlimit_caps_one_address(void)
{
	struct connlimit *c = connlimit_new(3, 16);
	struct sockaddr_in a = v4(10, 0, 0, 1), b = v4(10, 0, 0, 2);
	CHECK(c);
	for (int i = 0; i < 3; i++)
		CHECK(connlimit_admit(c, &a) == 1);
	CHECK(connlimit_admit(c, &a) == 0);
	CHECK(connlimit_admit(c, &b) == 1); /* another address is not affected */
	CHECK_EQ_INT(connlimit_total(c), 4);
	connlimit_release(c, &a);
	CHECK(connlimit_admit(c, &a) == 1);
	CHECK(connlimit_admit(c, &a) == 0);
	/* The same address as IPv4-mapped IPv6 is the same address. */
	struct sockaddr_in6 m = {0};
	m.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &m.sin6_addr);
	CHECK(connlimit_admit(c, &m) == 0);
	connlimit_release(c, &m);
	CHECK(connlimit_admit(c, &a) == 1);
	connlimit_free(c);
	connlimit_free(NULL);
	return 0;
}

static int test_connlimit_refuses_other_families_and_a_full_table(void)
{
	struct connlimit *c = connlimit_new(0, 8);
	struct sockaddr_un u = {0};
	u.sun_family = AF_UNIX;
	CHECK(c);
	CHECK(connlimit_admit(c, &u) == 0);
	int admitted = 0;
	for (unsigned i = 0; i < 20; i++) {
		struct sockaddr_in a = v4(192, 0, 2, i);
		admitted += connlimit_admit(c, &a);
	}
	CHECK_EQ_INT(admitted, 8); /* fail safe: new addresses wait for room */
	struct sockaddr_in first = v4(192, 0, 2, 0);
	for (int i = 0; i < 100; i++)
		CHECK(connlimit_admit(c, &first) == 1); /* 0: no per-address cap */
	connlimit_free(c);
	return 0;
}

/* Many addresses in and out in a shuffled order: the table's chains stay
 * intact (every address is found again), and the count returns to 0. */
static int test_connlimit_many_addresses(void)
{
	enum { N = 1500 };
	struct connlimit *c = connlimit_new(2, N);
	static struct sockaddr_in a[N];
	static int order[N];
	CHECK(c);
	srand(7);
	for (int i = 0; i < N; i++) {
		a[i] = v4(10, (unsigned)(i >> 16) & 255, (unsigned)(i >> 8) & 255, (unsigned)i & 255);
		order[i] = i;
		CHECK(connlimit_admit(c, &a[i]) == 1);
		CHECK(connlimit_admit(c, &a[i]) == 1);
	}
	for (int i = N - 1; i > 0; i--) {
		int j = rand() % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (int k = 0; k < N; k++) {
		int i = order[k];
		CHECK(connlimit_admit(c, &a[i]) == 0); /* still found, still at 2 */
		connlimit_release(c, &a[i]);
		connlimit_release(c, &a[i]);
	}
	CHECK_EQ_INT(connlimit_total(c), 0);
	CHECK(connlimit_wait_idle(c, 0) == 0);
	CHECK(connlimit_admit(c, &a[5]) == 1);
	CHECK(connlimit_wait_idle(c, 50) == -1);
	connlimit_free(c);
	return 0;
}

/* One If-None-Match reading for the review page and guidance documents. */
static int test_etag_listed(void)
{
	const char *tag = "\"d1-v3-js\"";
	CHECK(http_etag_listed(tag, tag));
	CHECK(http_etag_listed("W/\"d1-v3-js\"", tag));
	CHECK(http_etag_listed("\"x\", \"d1-v3-js\"", tag));
	CHECK(http_etag_listed("*", tag));
	CHECK(http_etag_listed(" *", tag));
	CHECK(!http_etag_listed("\"d1-v3-js-gz\"", tag));
	CHECK(!http_etag_listed("\"d1-v3-j\"", tag));
	CHECK(!http_etag_listed("\"d1-v3-js", tag));
	CHECK(!http_etag_listed("", tag));
	return 0;
}

const struct unit_case net_cases[] = {
	{"net_etag_listed", test_etag_listed},
	{"net_connlimit_caps_one_address", test_connlimit_caps_one_address},
	{"net_connlimit_refuses_other_families_and_a_full_table", test_connlimit_refuses_other_families_and_a_full_table},
	{"net_connlimit_many_addresses", test_connlimit_many_addresses},
	{"net_listen_bare_port_is_loopback", test_listen_bare_port_is_loopback},
	{"net_listen_hosts", test_listen_hosts},
	{"net_listen_refuses", test_listen_refuses},
	{NULL, NULL},
};
