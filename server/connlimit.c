/* connlimit.c - concurrent connections per client address. */
#include "connlimit.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>


/* One address and its open connections; count 0 marks a free slot. */
struct slot {
	unsigned char addr[16];
	unsigned count;
};

struct connlimit {
	pthread_mutex_t lock;
	pthread_cond_t idle; /* signalled when total drops to 0 */
	unsigned per_address;
	size_t nslots, used, total;
	uint64_t key; /* random per table: clients cannot aim at one chain */
	struct slot *slots;
};

struct connlimit *connlimit_new(unsigned per_address, size_t addresses)
{
	struct connlimit *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	/* Twice the addresses: probe chains stay short at the limit. */
	c->nslots = addresses < 8 ? 16 : addresses * 2;
	c->slots = calloc(c->nslots, sizeof *c->slots);
	if (!c->slots || pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->slots);
		free(c);
		return NULL;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&c->idle, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		pthread_mutex_destroy(&c->lock);
		free(c->slots);
		free(c);
		return NULL;
	}
	pthread_condattr_destroy(&ca);
	c->per_address = per_address;
	if (getrandom(&c->key, sizeof c->key, 0) != sizeof c->key)
		c->key = (uint64_t)(uintptr_t)c ^ 0x9e3779b97f4a7c15u;
	return c;
}

void connlimit_free(struct connlimit *c)
{
	if (!c)
		return;
	pthread_cond_destroy(&c->idle);
	pthread_mutex_destroy(&c->lock);
	free(c->slots);
	free(c);
}

/* The 16-byte key of an address: IPv6 as is, IPv4 as IPv4-mapped IPv6. */
static int key_of(const void *addr, unsigned char out[16])
{
	const struct sockaddr *sa = addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = addr;
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &in->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)addr)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

static size_t hash(const struct connlimit *c, const unsigned char k[16])
{
	uint64_t h = c->key;
	for (int i = 0; i < 16; i++) {
		h ^= k[i];
		h *= 0x100000001b3u;
		h ^= h >> 29;
	}
	return (size_t)(h % c->nslots);
}

/* The slot holding k, or the free slot where it would go; NULL if neither
 * exists (the table is full). */
static struct slot *find(struct connlimit *c, const unsigned char k[16])
{
	size_t i = hash(c, k);
	for (size_t n = 0; n < c->nslots; n++, i = (i + 1) % c->nslots) {
		struct slot *s = &c->slots[i];
		if (s->count == 0 || memcmp(s->addr, k, 16) == 0)
			return s;
	}
	return NULL;
}

/* Linear probing without tombstones: after freeing slot i, later entries of
 * the chain move back into the hole, so lookups never stop early. */
static void remove_slot(struct connlimit *c, size_t hole)
{
	size_t i = hole;
	c->slots[hole].count = 0;
	for (;;) {
		i = (i + 1) % c->nslots;
		if (c->slots[i].count == 0)
			return;
		size_t home = hash(c, c->slots[i].addr);
		/* Move it when its home is not between the hole and it. */
		int between = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
		if (!between) {
			c->slots[hole] = c->slots[i];
			c->slots[i].count = 0;
			hole = i;
		}
	}
}

int connlimit_admit(struct connlimit *c, const void *addr)
{
	unsigned char k[16];
	int ok = 0;
	if (key_of(addr, k) != 0)
		return 0;
	pthread_mutex_lock(&c->lock);
	struct slot *s = find(c, k);
	if (s && s->count == 0 && c->used * 2 < c->nslots) {
		memcpy(s->addr, k, 16);
		s->count = 1;
		c->used++;
		ok = 1;
	} else if (s && s->count > 0 && (c->per_address == 0 || s->count < c->per_address)) {
		s->count++;
		ok = 1;
	}
	c->total += (size_t)ok;
	pthread_mutex_unlock(&c->lock);
	return ok;
}

void connlimit_release(struct connlimit *c, const void *addr)
{
	unsigned char k[16];
	if (key_of(addr, k) != 0)
		return;
	pthread_mutex_lock(&c->lock);
	struct slot *s = find(c, k);
	if (s && s->count > 0) {
		if (--c->total == 0)
			pthread_cond_broadcast(&c->idle);
		if (--s->count == 0) {
			c->used--;
			remove_slot(c, (size_t)(s - c->slots));
		}
	}
	pthread_mutex_unlock(&c->lock);
}

size_t connlimit_total(struct connlimit *c)
{
	pthread_mutex_lock(&c->lock);
	size_t n = c->total;
	pthread_mutex_unlock(&c->lock);
	return n;
}

int connlimit_wait_idle(struct connlimit *c, unsigned timeout_ms)
{
	struct timespec until;
	int rc = 0;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->lock);
	while (c->total > 0 && rc == 0)
		rc = pthread_cond_timedwait(&c->idle, &c->lock, &until);
	int busy = c->total > 0;
	pthread_mutex_unlock(&c->lock);
	return busy ? -1 : 0;
}
