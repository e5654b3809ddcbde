/* throttle.c - sign-in counters in a fixed table under a keyed hash. */
#include "throttle.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "status.h"

#define PROBES 16       /* slots looked at for one key */
#define SUMMARIES 1024  /* refusal summaries kept (addresses and accounts) */

enum kind { K_PAIR = 1, K_ACCOUNT, K_ADDRESS, K_SUCCESS, K_SUM_ADDRESS, K_SUM_ACCOUNT };

/* A counter. Keys are kept only as keyed digests: no typed name is kept. */
struct slot {
	uint64_t id, check; /* two keyed digests of the key; id 0: empty */
	uint64_t account;   /* digest of the account, for unlocks; 0 if none */
	int64_t since;      /* window start; for a pair, its first failure */
	int64_t last;       /* a pair's last failure */
	int64_t unlock_seen; /* the latest unlock this counter has applied */
	uint32_t count;
	uint8_t kind;
};

/* Refusals counted for one address (or account) since the last report. */
struct summary {
	uint64_t id, check;
	int64_t since;
	uint32_t pending;
	uint8_t reason;
	char address[48];
	char label[72];
};

struct throttle {
	pthread_mutex_t lock;
	struct throttle_config cfg;
	uint64_t key[4]; /* two SipHash keys, random per process */
	int64_t last_sweep;
	struct slot *slots;
	struct summary sums[SUMMARIES];
	struct summary overflow; /* refusals when every summary is in use */
};

static const char *const reason_names[] = {"ok", "address-account backoff", "account limit",
                                           "address limit", "successful sign-in limit", "table full"};

const char *throttle_reason_name(enum throttle_reason r)
{
	return (unsigned)r < sizeof reason_names / sizeof *reason_names ? reason_names[r] : "?";
}

/* SipHash-2-4 (Aumasson and Bernstein): a keyed hash made for tables whose
 * keys an attacker chooses. */
#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                   \
	do {                                                                       \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);          \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                             \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                             \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);          \
	} while (0)

static uint64_t siphash(const uint64_t k[2], const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ull, v1 = k[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ull, v3 = k[1] ^ 0x7465646279746573ull;
	uint64_t b = (uint64_t)n << 56, m;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		m = 0;
		for (int j = 7; j >= 0; j--)
			m = m << 8 | p[i + (size_t)j];
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (int j = 0; i + (size_t)j < n; j++)
		b |= (uint64_t)p[i + (size_t)j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* A key: its kind, the account's digest and the address. */
struct key {
	uint64_t id, check, account;
	enum kind kind;
};

static struct key make_key(const struct throttle *t, enum kind kind, const struct throttle_attempt *a)
{
	unsigned char buf[1 + 8 + 64];
	size_t n = 1;
	struct key k = {0, 0, 0, kind};
	int with_account = kind != K_ADDRESS && kind != K_SUM_ADDRESS;
	int with_address = kind == K_PAIR || kind == K_ADDRESS || kind == K_SUM_ADDRESS;

	buf[0] = (unsigned char)kind;
	if (with_account) {
		k.account = siphash(t->key, a->account.p, a->account.n) | 1;
		memcpy(buf + n, &k.account, 8);
		n += 8;
	}
	if (with_address) {
		size_t len = a->address ? strnlen(a->address, 63) : 0;
		memcpy(buf + n, a->address ? a->address : "", len);
		n += len;
	}
	k.id = siphash(t->key, buf, n) | 1;
	k.check = siphash(t->key + 2, buf, n);
	return k;
}

static int64_t backoff(const struct throttle *t, uint32_t fails)
{
	if (fails < t->cfg.pair_free)
		return 0;
	uint32_t e = fails - t->cfg.pair_free;
	return e >= 30 || (int64_t)1 << e > t->cfg.backoff_max ? t->cfg.backoff_max : (int64_t)1 << e;
}

/* When a slot stops counting and may be reused. */
static int64_t expires(const struct throttle *t, const struct slot *s)
{
	switch (s->kind) {
	case K_PAIR: {
		int64_t b = backoff(t, s->count);
		return s->last + (b > t->cfg.window ? b : t->cfg.window);
	}
	case K_SUCCESS:
		return s->since + t->cfg.success_window;
	default:
		return s->since + t->cfg.window;
	}
}

/* A slot with nothing counted, or whose count has run out, may be reused. */
static int reusable(const struct throttle *t, const struct slot *s, int64_t now)
{
	return !s->id || s->count == 0 || now >= expires(t, s);
}

/* The slot holding key k, or with `create` a reusable slot other than the
 * `nex` in `exclude`, made k's (*created set); NULL when every candidate
 * still counts. Called with the lock held. */
static struct slot *find(struct throttle *t, const struct key *k, int64_t now, int create, int *created,
                         struct slot *const *exclude, int nex)
{
	struct slot *spare = NULL;
	for (unsigned i = 0; i < PROBES; i++) {
		struct slot *s = &t->slots[(k->id + i) % t->cfg.slots];
		if (s->id == k->id && s->check == k->check && s->kind == k->kind)
			return s;
		int taken = 0;
		for (int j = 0; j < nex; j++)
			taken |= exclude[j] == s;
		if (!spare && !taken && reusable(t, s, now))
			spare = s;
	}
	if (!create || !spare)
		return NULL;
	memset(spare, 0, sizeof *spare);
	spare->id = k->id;
	spare->check = k->check;
	spare->account = k->account;
	spare->kind = (uint8_t)k->kind;
	spare->since = now;
	*created = 1;
	return spare;
}

int throttle_open(struct throttle **out, const struct throttle_config *cfg)
{
	struct throttle *t = calloc(1, sizeof *t);
	*out = NULL;
	if (!t)
		return FN_NO_MEMORY;
	t->cfg = *cfg;
	if (t->cfg.slots < PROBES)
		t->cfg.slots = PROBES;
	t->slots = calloc(t->cfg.slots, sizeof *t->slots);
	if (!t->slots || getrandom(t->key, sizeof t->key, 0) != (ssize_t)sizeof t->key) {
		int rc = t->slots ? FN_INTERNAL : FN_NO_MEMORY;
		free(t->slots);
		free(t);
		return rc;
	}
	pthread_mutex_init(&t->lock, NULL);
	*out = t;
	return FN_OK;
}

void throttle_close(struct throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->slots);
	free(t);
}

/* Adds a report of `refused` refusals counted on s since `since`; 0 when
 * *due is full (the count then stays pending). */
static int report(struct throttle_reports *due, const struct summary *s, uint32_t refused, int64_t since)
{
	if (due->n == THROTTLE_REPORTS)
		return 0;
	struct throttle_report *r = &due->r[due->n++];
	r->reason = (enum throttle_reason)s->reason;
	r->refused = refused;
	r->since = since;
	memcpy(r->address, s->address, sizeof r->address);
	memcpy(r->label, s->label, sizeof r->label);
	return 1;
}

static void summary_start(struct summary *s, const struct key *k, const struct throttle_attempt *a,
                          enum throttle_reason why, int64_t now)
{
	memset(s, 0, sizeof *s);
	s->id = k->id;
	s->check = k->check;
	s->since = now;
	s->reason = (uint8_t)why;
	snprintf(s->address, sizeof s->address, "%s", a->address ? a->address : "");
	snprintf(s->label, sizeof s->label, "%s", a->label ? a->label : "");
}

/* One refusal on summary s, which is k's: the first of a window is
 * reported at once, later ones are counted and reported with the first
 * refusal after the window ends. */
static void summary_count(const struct throttle *t, struct summary *s, const struct key *k,
                          const struct throttle_attempt *a, enum throttle_reason why, int64_t now,
                          struct throttle_reports *due)
{
	if (s->id && now - s->since < t->cfg.window) {
		s->pending++;
		return;
	}
	uint32_t pending = s->id ? s->pending : 0;
	int64_t since = pending ? s->since : now;
	summary_start(s, k, a, why, now);
	if (!report(due, s, pending + 1, since)) {
		s->since = since;
		s->pending = pending + 1;
	}
}

static void note_refusal(struct throttle *t, const struct throttle_attempt *a, enum throttle_reason why,
                         int64_t now, struct throttle_reports *due)
{
	int by_account = why == THROTTLE_ACCOUNT || why == THROTTLE_SUCCESSES;
	struct key k = make_key(t, by_account ? K_SUM_ACCOUNT : K_SUM_ADDRESS, a);
	struct summary *spare = NULL;
	for (unsigned i = 0; i < PROBES; i++) {
		struct summary *s = &t->sums[(k.id + i) % SUMMARIES];
		if (s->id == k.id && s->check == k.check) {
			summary_count(t, s, &k, a, why, now, due);
			return;
		}
		if (!spare && (!s->id || (now - s->since >= t->cfg.window && !s->pending)))
			spare = s;
	}
	if (spare) {
		spare->id = 0;
		summary_count(t, spare, &k, a, why, now, due);
		return;
	}
	/* Every summary nearby is in use: count under one catch-all entry. */
	struct throttle_attempt any = {{"", 0}, "*", "*", 0, 0};
	struct key all = {1, 0, 0, K_SUM_ADDRESS};
	summary_count(t, &t->overflow, &all, &any, THROTTLE_FULL, now, due);
}

/* Reports counts left from windows that have ended (once a second). */
static void sweep(struct throttle *t, int64_t now, struct throttle_reports *due)
{
	if (now == t->last_sweep)
		return;
	t->last_sweep = now;
	for (size_t i = 0; i <= SUMMARIES && due->n < THROTTLE_REPORTS; i++) {
		struct summary *s = i < SUMMARIES ? &t->sums[i] : &t->overflow;
		if (s->id && s->pending && now - s->since >= t->cfg.window && report(due, s, s->pending, s->since))
			s->pending = 0;
	}
}

unsigned throttle_flush(struct throttle *t, struct throttle_reports *due)
{
	unsigned before = due->n;
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i <= SUMMARIES && due->n < THROTTLE_REPORTS; i++) {
		struct summary *s = i < SUMMARIES ? &t->sums[i] : &t->overflow;
		if (s->id && s->pending && report(due, s, s->pending, s->since))
			s->pending = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return due->n - before;
}

/* The counters one attempt touches. */
enum { PAIR, ACCOUNT, ADDRESS, SUCCESS, NCOUNTERS };
static const enum kind counter_kind[NCOUNTERS] = {K_PAIR, K_ACCOUNT, K_ADDRESS, K_SUCCESS};

/* Finds (create: or claims) the attempt's counters. With create, claims
 * all or none: 0, or -1 when the table has no room. */
static int counters(struct throttle *t, const struct throttle_attempt *a, int64_t now, int create,
                    struct slot *c[NCOUNTERS])
{
	int created[NCOUNTERS] = {0};
	for (int i = 0; i < NCOUNTERS; i++) {
		struct key k = make_key(t, counter_kind[i], a);
		c[i] = find(t, &k, now, create, &created[i], c, i);
		if (!c[i] && create) {
			for (int j = 0; j < i; j++)
				if (created[j])
					c[j]->id = 0;
			return -1;
		}
	}
	return 0;
}

/* Starts a counter afresh when its window is over or its account was
 * unlocked since the counter last looked. Each unlock applies once (the
 * count, not a time, so that attempts after it count again). */
static void refresh(const struct throttle *t, struct slot *s, const struct throttle_attempt *a, int64_t now)
{
	int unlocked = s->account && a->unlocks > s->unlock_seen;
	if (now >= expires(t, s) || unlocked) {
		s->count = 0;
		s->since = now;
		s->last = 0;
	}
	if (unlocked)
		s->unlock_seen = a->unlocks;
}

static int64_t until(int64_t when, int64_t now)
{
	return when > now ? when - now : 0;
}

/* The longest wait any counter imposes, and which. */
static int64_t longest_wait(const struct throttle *t, struct slot *c[NCOUNTERS], int known, int64_t now,
                            enum throttle_reason *why)
{
	const struct throttle_config *g = &t->cfg;
	int64_t w[NCOUNTERS] = {
		c[PAIR]->count >= g->pair_free ? until(c[PAIR]->last + backoff(t, c[PAIR]->count), now) : 0,
		c[ACCOUNT]->count >= g->account_max ? until(c[ACCOUNT]->since + g->window, now) : 0,
		!known && c[ADDRESS]->count >= g->address_max ? until(c[ADDRESS]->since + g->window, now) : 0,
		c[SUCCESS]->count >= g->success_max ? until(c[SUCCESS]->since + g->success_window, now) : 0,
	};
	static const enum throttle_reason reasons[NCOUNTERS] = {THROTTLE_PAIR, THROTTLE_ACCOUNT,
	                                                        THROTTLE_ADDRESS, THROTTLE_SUCCESSES};
	int64_t wait = 0;
	*why = THROTTLE_OK;
	for (int i = 0; i < NCOUNTERS; i++)
		if (w[i] > wait) {
			wait = w[i];
			*why = reasons[i];
		}
	return wait;
}

int64_t throttle_check(struct throttle *t, const struct throttle_attempt *a, int64_t now,
                       enum throttle_reason *why, struct throttle_reports *due)
{
	struct slot *c[NCOUNTERS];
	int64_t wait;

	pthread_mutex_lock(&t->lock);
	sweep(t, now, due);
	if (counters(t, a, now, 1, c) != 0) {
		*why = THROTTLE_FULL;
		wait = t->cfg.window < 60 ? t->cfg.window : 60;
	} else {
		for (int i = 0; i < NCOUNTERS; i++)
			refresh(t, c[i], a, now);
		wait = longest_wait(t, c, a->known_device, now, why);
	}
	if (wait > 0) {
		note_refusal(t, a, *why, now, due);
	} else {
		/* Counted as a failure until throttle_done says otherwise. */
		c[PAIR]->count++;
		c[PAIR]->last = now;
		c[ACCOUNT]->count++;
		c[ADDRESS]->count++;
	}
	pthread_mutex_unlock(&t->lock);
	return wait;
}

void throttle_done(struct throttle *t, const struct throttle_attempt *a, enum throttle_outcome o, int64_t now)
{
	struct slot *c[NCOUNTERS];
	if (o == THROTTLE_FAILED)
		return;
	pthread_mutex_lock(&t->lock);
	counters(t, a, now, 0, c);
	for (int i = PAIR; i <= ADDRESS; i++)
		if (c[i] && c[i]->count > 0)
			c[i]->count--;
	if (o == THROTTLE_SUCCEEDED) {
		if (c[PAIR])
			c[PAIR]->id = 0; /* this device is in the right hands here */
		if (c[SUCCESS])
			c[SUCCESS]->count++;
	}
	pthread_mutex_unlock(&t->lock);
}
