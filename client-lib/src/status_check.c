/* status_check.c - proves at build time that fieldnote.h's status codes are schema/status.h's. */
#include "public.h"

/* Every code the public header names has schema's number. (That schema has
 * no code the header lacks is checked by the client unit tests, so that a
 * code appended to schema breaks a test, not everybody's build.) */
#define FN_CHECK_CODE_(name, value) \
	_Static_assert(FN_##name == (value), "fieldnote.h: FN_" #name " is not schema/status.h's number");
FN_STATUS_CODES(FN_CHECK_CODE_)
#undef FN_CHECK_CODE_

/* ISO C wants something to compile in a translation unit. */
typedef int fn_status_check_unit;
