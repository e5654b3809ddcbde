/* buf.c - the growable output buffer. */
#include "buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int sc_buf_append(struct sc_buf *b, const void *p, size_t n)
{
	if (b->oom)
		return -1;
	if (n == 0)
		return 0;
	if (n > SIZE_MAX - b->n) {
		b->oom = 1;
		return -1;
	}
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n)
			cap = cap > SIZE_MAX / 2 ? b->n + n : cap * 2;
		char *q = realloc(b->p, cap);
		if (!q) {
			b->oom = 1;
			return -1;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return 0;
}

void sc_buf_free(struct sc_buf *b)
{
	if (!b)
		return;
	free(b->p);
	memset(b, 0, sizeof *b);
}
