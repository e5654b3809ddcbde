/* throttle.c - a fixed-size table of failure counters keyed by text. */
#include "throttle.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

#define SLOTS 4096
#define PROBES 8
#define KEY_MAX 96

struct slot {
	char key[KEY_MAX];
	unsigned fails;
	int64_t since; /* start of the current window */
};

struct throttle {
	pthread_mutex_t lock;
	unsigned max_fail;
	int64_t window;
	struct slot slots[SLOTS];
};

int throttle_open(struct throttle **out, unsigned max_fail, int64_t window)
{
	struct throttle *t = calloc(1, sizeof *t);
	*out = NULL;
	if (!t)
		return FN_NO_MEMORY;
	pthread_mutex_init(&t->lock, NULL);
	t->max_fail = max_fail ? max_fail : 5;
	t->window = window > 0 ? window : 900;
	*out = t;
	return FN_OK;
}

void throttle_close(struct throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int is_free(const struct throttle *t, const struct slot *s, int64_t now)
{
	return !s->key[0] || now - s->since >= t->window;
}

/* The slot holding key, or (create) the best slot to reuse: empty, expired
 * or the oldest. Called with the lock held. */
static struct slot *find(struct throttle *t, const char *key, int64_t now, int create)
{
	uint32_t h = hash(key);
	struct slot *victim = NULL;
	for (unsigned i = 0; i < PROBES; i++) {
		struct slot *s = &t->slots[(h + i) % SLOTS];
		if (s->key[0] && strncmp(s->key, key, KEY_MAX - 1) == 0)
			return s;
		if (!victim || (!is_free(t, victim, now) && (is_free(t, s, now) || s->since < victim->since)))
			victim = s;
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof *victim);
	strncpy(victim->key, key, KEY_MAX - 1);
	victim->since = now;
	return victim;
}

int64_t throttle_wait(struct throttle *t, const char *key, int64_t now)
{
	int64_t wait = 0;
	pthread_mutex_lock(&t->lock);
	struct slot *s = find(t, key, now, 0);
	if (s && now - s->since < t->window && s->fails >= t->max_fail)
		wait = s->since + t->window - now;
	pthread_mutex_unlock(&t->lock);
	return wait;
}

void throttle_fail(struct throttle *t, const char *key, int64_t now)
{
	pthread_mutex_lock(&t->lock);
	struct slot *s = find(t, key, now, 1);
	if (now - s->since >= t->window) {
		s->since = now;
		s->fails = 0;
	}
	s->fails++;
	pthread_mutex_unlock(&t->lock);
}

void throttle_clear(struct throttle *t, const char *key)
{
	pthread_mutex_lock(&t->lock);
	struct slot *s = find(t, key, 0, 0);
	if (s)
		memset(s, 0, sizeof *s);
	pthread_mutex_unlock(&t->lock);
}
