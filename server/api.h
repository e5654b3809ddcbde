/* api.h - the v1 route table. */
#ifndef FN_API_H
#define FN_API_H

#include <stddef.h>

#include "http.h"

extern const struct http_route api_routes[];
extern const size_t api_nroutes;

#endif
