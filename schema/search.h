/* search.h - guidance search: one implementation, used by the server
 * (GET /v1/guidance?q=) and by the handheld offline (fn_guidance_search),
 * so the same words find the same documents online and offline. */
#ifndef FN_SEARCH_H
#define FN_SEARCH_H

#include "records.h"

/* 1 when every word of query is found in the document's id, title, body or
 * one of its tags, else 0. Words are separated by white space, '+' or ','
 * (a query string's spaces may arrive as '+'); each matches anywhere in a
 * field, ignoring ASCII case. A query without words matches every
 * document. Fields need not be NUL-terminated. */
int sc_guidance_matches(const struct sc_guidance_doc *d, struct sc_str query);

#endif
