/* public.h - fieldnote.h as the library's own files see it: schema's status codes first. */
#ifndef FN_CLIENT_PUBLIC_H
#define FN_CLIENT_PUBLIC_H

/* schema's status.h first: fieldnote.h then skips its own copy of the enum
 * (status_check.c proves the two agree). Include this, never fieldnote.h
 * directly, inside client-lib/src. */
#include "status.h"

#include "fieldnote.h"

#endif
