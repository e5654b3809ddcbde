/* arena.h - the request arena: a bump allocator in chunks, freed all at once. */
#ifndef FN_SCHEMA_ARENA_H
#define FN_SCHEMA_ARENA_H

#include <stddef.h>

/* Opaque. One arena per request (or per decode): everything allocated from
 * it lives until sc_arena_reset or sc_arena_free. Not thread-safe: one
 * thread at a time. */
struct sc_arena;

/* A new arena whose chunks hold chunk_size bytes (0: 16 KiB). The first
 * chunk is allocated now. NULL on ENOMEM. Free with sc_arena_free. */
struct sc_arena *sc_arena_new(size_t chunk_size);

/* Frees the arena and everything allocated from it. NULL is a no-op. */
void sc_arena_free(struct sc_arena *a);

/* Invalidates every allocation; keeps the first chunk for reuse and returns
 * the others to malloc. */
void sc_arena_reset(struct sc_arena *a);

/* n bytes, 16-byte aligned, zeroed, owned by the arena. A request larger
 * than half a chunk gets a chunk of its own, so big strings do not waste the
 * tail of the current chunk. n == 0 returns a valid, distinct pointer.
 * NULL on ENOMEM (or a size that overflows). */
void *sc_arena_alloc(struct sc_arena *a, size_t n);

/* The same, not zeroed: for bytes the caller overwrites at once (copied
 * strings, a request body). Zeroing them was ~8% of the server's time on
 * the note ingest path (issue 12). */
void *sc_arena_alloc_raw(struct sc_arena *a, size_t n);

/* Fault injection, for tests that make the Nth allocation fail for every N
 * (as SQLite's harness does): fail(arg) is asked before each
 * sc_arena_alloc (and so each grow, strndup and printf) and a non-zero
 * answer makes that call return NULL as if malloc had failed. NULL fn
 * removes it. The hook belongs to this arena only: no global state. */
typedef int (*sc_arena_fault_fn)(void *arg);
void sc_arena_set_fault(struct sc_arena *a, sc_arena_fault_fn fn, void *arg);

/* Room for one more element in an array growing in the arena: returns
 * `v` while n < *cap, else a copy of the n elements in twice the room (at
 * least `first`), updating *cap; NULL on ENOMEM (v is still valid). */
void *sc_arena_grow(struct sc_arena *a, void *v, size_t n, size_t *cap, size_t elem, size_t first);

/* A NUL-terminated copy of the first n bytes of s, stopping early at a NUL
 * byte as strndup does. Owned by the arena. NULL on ENOMEM. */
char *sc_arena_strndup(struct sc_arena *a, const char *s, size_t n);

/* printf into the arena; NULL on ENOMEM or an encoding error. */
char *sc_arena_printf(struct sc_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
