/* listen.h - the serve command's --listen value: where to bind, what to
 * print, and whether the address reaches beyond this machine. */
#ifndef FN_LISTEN_H
#define FN_LISTEN_H

#include <stddef.h>

#define LISTEN_HOST_MAX 64

struct sc_error;

struct listen_addr {
	char host[LISTEN_HOST_MAX]; /* numeric address, IPv6 without brackets */
	unsigned port;              /* 0: the kernel picks one */
	int ipv6;                   /* host is an IPv6 address */
	int loopback;               /* only reachable from this machine */
	int any;                    /* every interface (0.0.0.0 or ::) */
};

/* Parses "PORT", ":PORT", "HOST:PORT" or "[V6]:PORT". A missing host means
 * 127.0.0.1; "localhost" means 127.0.0.1; other hosts must be numeric
 * addresses. Returns FN_OK, or FN_BAD_ARGUMENT with *err (may be NULL)
 * saying why. */
int listen_parse(const char *spec, struct listen_addr *out, struct sc_error *err);

/* civetweb's listening_ports value for a TLS port, e.g. "127.0.0.1:8443s"
 * or "[::1]:8443s". Returns 0, or -1 when cap is too small. */
int listen_civetweb_spec(const struct listen_addr *a, char *buf, size_t cap);

/* The URL to print, e.g. "https://127.0.0.1:8443" or "https://[::1]:8443",
 * for the port actually bound. Returns 0, or -1 when cap is too small. */
int listen_url(const struct listen_addr *a, unsigned port, char *buf, size_t cap);

#endif
