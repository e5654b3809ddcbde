/* connlimit.h - concurrent connections per client address, for civetweb's
 * accept_connection/release_connection callbacks (patch 0101).
 *
 * Thread-safe: the master thread admits, any worker releases. Addresses
 * are struct sockaddr (IPv4 or IPv6; an IPv4-mapped IPv6 address counts as
 * its IPv4 address). */
#ifndef FN_CONNLIMIT_H
#define FN_CONNLIMIT_H

#include <stddef.h>

struct connlimit;

/* A table allowing at most per_address connections from one address (0: no
 * limit) and tracking at most `addresses` distinct addresses at once; when
 * that many are connected, new addresses are refused (fail safe). NULL when
 * out of memory. */
struct connlimit *connlimit_new(unsigned per_address, size_t addresses);
void connlimit_free(struct connlimit *c); /* NULL: no-op */

/* 1 and counts the connection if addr may connect; 0 if it may not (over
 * its limit, table full, or not an IP address). */
int connlimit_admit(struct connlimit *c, const void *addr);
/* Uncounts a connection connlimit_admit admitted. */
void connlimit_release(struct connlimit *c, const void *addr);

/* Connections admitted and not yet released, over every address. */
size_t connlimit_total(struct connlimit *c);

/* Waits until connlimit_total() is 0, at most timeout_ms. Returns 0 when
 * it is, -1 on timeout. */
int connlimit_wait_idle(struct connlimit *c, unsigned timeout_ms);

#endif
