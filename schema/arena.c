/* arena.c - the request arena: chunks of malloc'd memory handed out by bumping a pointer. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16u
#define ARENA_DEFAULT_CHUNK (16u * 1024u)

struct chunk {
	struct chunk *next; /* older chunks; one chain from cur reaches them all */
	size_t size;        /* usable bytes from base */
	size_t used;
	unsigned char *base; /* 16-byte aligned start of the usable bytes */
};

struct sc_arena {
	struct chunk *cur;   /* newest ordinary chunk; allocations bump it */
	struct chunk *first; /* kept across sc_arena_reset */
	size_t chunk_size;
	sc_arena_fault_fn fault; /* tests only: NULL in service */
	void *fault_arg;
};

static size_t align_up(size_t n)
{
	return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
}

/* One malloc holds the header and the bytes; base is aligned by hand so we
 * rely on nothing about malloc's own alignment. */
static struct chunk *chunk_new(size_t size)
{
	if (size > SIZE_MAX - sizeof(struct chunk) - ARENA_ALIGN)
		return NULL;
	unsigned char *mem = malloc(sizeof(struct chunk) + ARENA_ALIGN + size);
	if (!mem)
		return NULL;
	struct chunk *c = (struct chunk *)(void *)mem;
	uintptr_t start = (uintptr_t)(mem + sizeof *c);
	uintptr_t aligned = (start + (ARENA_ALIGN - 1)) & ~(uintptr_t)(ARENA_ALIGN - 1);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	c->base = mem + sizeof *c + (aligned - start);
	return c;
}

struct sc_arena *sc_arena_new(size_t chunk_size)
{
	struct sc_arena *a = malloc(sizeof *a);
	if (!a)
		return NULL;
	a->fault = NULL;
	a->fault_arg = NULL;
	a->chunk_size = align_up(chunk_size ? chunk_size : ARENA_DEFAULT_CHUNK);
	if (a->chunk_size == 0) { /* align_up wrapped */
		free(a);
		return NULL;
	}
	a->first = a->cur = chunk_new(a->chunk_size);
	if (!a->first) {
		free(a);
		return NULL;
	}
	return a;
}

void sc_arena_free(struct sc_arena *a)
{
	if (!a)
		return;
	for (struct chunk *c = a->cur, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void sc_arena_reset(struct sc_arena *a)
{
	if (!a)
		return;
	/* first is not always last: chunks of their own taken while first
	 * was cur hang off first->next. */
	for (struct chunk *c = a->cur, *next; c; c = next) {
		next = c->next;
		if (c != a->first)
			free(c);
	}
	a->cur = a->first;
	a->first->next = NULL;
	a->first->used = 0;
}

void *sc_arena_alloc_raw(struct sc_arena *a, size_t n)
{
	if (!a || n > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	if (a->fault && a->fault(a->fault_arg))
		return NULL;
	size_t need = align_up(n ? n : 1);

	if (need > a->chunk_size / 2) {
		/* A chunk of its own, linked behind cur so cur stays the one
		 * that small allocations keep filling. */
		struct chunk *big = chunk_new(need);
		if (!big)
			return NULL;
		big->used = need;
		big->next = a->cur->next;
		a->cur->next = big;
		return big->base;
	}
	if (a->cur->size - a->cur->used < need) {
		struct chunk *c = chunk_new(a->chunk_size);
		if (!c)
			return NULL;
		c->next = a->cur;
		a->cur = c;
	}
	void *p = a->cur->base + a->cur->used;
	a->cur->used += need;
	return p;
}

void *sc_arena_alloc(struct sc_arena *a, size_t n)
{
	void *p = sc_arena_alloc_raw(a, n);
	if (p)
		memset(p, 0, n ? n : 1);
	return p;
}

char *sc_arena_strndup(struct sc_arena *a, const char *s, size_t n)
{
	n = strnlen(s, n);
	if (n == SIZE_MAX)
		return NULL;
	char *p = sc_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *sc_arena_printf(struct sc_arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = NULL;
	if (n >= 0) {
		p = sc_arena_alloc(a, (size_t)n + 1);
		if (p)
			vsnprintf(p, (size_t)n + 1, fmt, ap2);
	}
	va_end(ap2);
	return p;
}

void sc_arena_set_fault(struct sc_arena *a, sc_arena_fault_fn fn, void *arg)
{
	a->fault = fn;
	a->fault_arg = arg;
}

void *sc_arena_grow(struct sc_arena *a, void *v, size_t n, size_t *cap, size_t elem, size_t first)
{
	if (v && n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : first;
	if (ncap < n + 1 || ncap > SIZE_MAX / elem)
		return NULL;
	void *nv = sc_arena_alloc(a, ncap * elem);
	if (!nv)
		return NULL;
	if (n)
		memcpy(nv, v, n * elem);
	*cap = ncap;
	return nv;
}
