/* buf.h - a growable, malloc-owned output buffer that the encoders append to. */
#ifndef FN_SCHEMA_BUF_H
#define FN_SCHEMA_BUF_H

#include <stddef.h>

/* A zero-initialized struct is an empty buffer. p is malloc-owned by the
 * buffer (free it with sc_buf_free, or take it and zero the struct); p is
 * NULL until the first append. Bytes, not a C string: n counts them and no
 * NUL is added. oom is sticky: after one failed append every later append
 * fails too, so a chain of appends needs one check at the end. */
struct sc_buf {
	char *p;
	size_t n, cap;
	int oom;
};

/* Appends n bytes from p. 0, or -1 (and oom set) when memory runs out. */
int sc_buf_append(struct sc_buf *b, const void *p, size_t n);

/* Frees p and zeroes the struct (an empty buffer again). NULL is a no-op. */
void sc_buf_free(struct sc_buf *b);

#endif
