/* listen.c - parsing the serve command's --listen value. */
#include "listen.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "status.h"

static int parse_port(const char *s, unsigned *port)
{
	char *end;
	if (!isdigit((unsigned char)*s) || strlen(s) > 5)
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/* Fills host, ipv6, loopback and any from a numeric address. */
static int classify(struct listen_addr *a, const char *host, size_t n)
{
	unsigned char bin[16];
	if (n == 0 || (n == 9 && strncmp(host, "localhost", 9) == 0)) {
		host = "127.0.0.1";
		n = 9;
	}
	if (n >= sizeof a->host)
		return -1;
	memcpy(a->host, host, n);
	a->host[n] = 0;
	if (inet_pton(AF_INET, a->host, bin) == 1) {
		a->loopback = bin[0] == 127;
		a->any = !memcmp(bin, "\0\0\0\0", 4);
		return 0;
	}
	if (inet_pton(AF_INET6, a->host, bin) == 1) {
		static const unsigned char any6[16], lo6[16] = {[15] = 1};
		a->ipv6 = 1;
		a->loopback = !memcmp(bin, lo6, 16);
		a->any = !memcmp(bin, any6, 16);
		return 0;
	}
	return -1;
}

int listen_parse(const char *spec, struct listen_addr *out, struct sc_error *err)
{
	const char *host = spec, *port = spec;
	size_t hn = 0;

	memset(out, 0, sizeof *out);
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':')
			return sc_error_set(err, FN_BAD_ARGUMENT, "listen", "listen '%s': expected [IPV6]:PORT", spec);
		host = spec + 1;
		hn = (size_t)(close - host);
		port = close + 2;
	} else if (strchr(spec, ':')) {
		const char *colon = strrchr(spec, ':');
		hn = (size_t)(colon - spec);
		port = colon + 1;
		if (memchr(spec, ':', hn))
			return sc_error_set(err, FN_BAD_ARGUMENT, "listen",
			                    "listen '%s': write an IPv6 address as [ADDR]:PORT", spec);
	}
	if (parse_port(port, &out->port) != 0)
		return sc_error_set(err, FN_BAD_ARGUMENT, "listen",
		                    "listen '%s': the port must be a number from 0 to 65535", spec);
	if (classify(out, host, hn) != 0 || (spec[0] == '[' && !out->ipv6))
		return sc_error_set(err, FN_BAD_ARGUMENT, "listen",
		                    "listen '%s': the host must be a numeric address or localhost", spec);
	return FN_OK;
}

int listen_civetweb_spec(const struct listen_addr *a, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, a->ipv6 ? "[%s]:%us" : "%s:%us", a->host, a->port);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int listen_url(const struct listen_addr *a, unsigned port, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, a->ipv6 ? "https://[%s]:%u" : "https://%s:%u", a->host, port);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}
