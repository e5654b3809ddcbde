/* search.c - see search.h. */
#include "search.h"

#include <ctype.h>

static int separator(char ch)
{
	return ch == '+' || ch == ',' || isspace((unsigned char)ch);
}

/* 1 when w (wn bytes) occurs in s ignoring ASCII case. */
static int contains(struct sc_str s, const char *w, size_t wn)
{
	for (size_t i = 0; i + wn <= s.n; i++) {
		size_t j = 0;
		while (j < wn && tolower((unsigned char)s.p[i + j]) == tolower((unsigned char)w[j]))
			j++;
		if (j == wn)
			return 1;
	}
	return 0;
}

static int doc_has(const struct sc_guidance_doc *d, const char *w, size_t wn)
{
	if (contains(d->id, w, wn) || contains(d->title, w, wn) || contains(d->body, w, wn))
		return 1;
	for (size_t i = 0; i < d->tags.n; i++)
		if (contains(d->tags.v[i], w, wn))
			return 1;
	return 0;
}

int sc_guidance_matches(const struct sc_guidance_doc *d, struct sc_str query)
{
	size_t i = 0;
	while (i < query.n) {
		while (i < query.n && separator(query.p[i]))
			i++;
		size_t start = i;
		while (i < query.n && !separator(query.p[i]))
			i++;
		if (i > start && !doc_has(d, query.p + start, i - start))
			return 0;
	}
	return 1;
}
